//! One module per page, named for the page.

pub mod account;
pub mod admin_audit;
pub mod admin_language;
pub mod admin_metrics;
pub mod admin_reviews;
pub mod admin_users;
pub mod admin_webhooks;
pub mod countermeasures;
pub mod handout;
pub mod incident_detail;
pub mod incident_edit;
pub mod incident_list;
pub mod incident_new;
pub mod incident_restore;
pub mod login;
pub mod meeting;
pub mod not_found;
pub mod postmortem;
pub mod report;
pub mod search;
pub mod setup;
pub mod transcript_import;
pub mod transcript_review;
