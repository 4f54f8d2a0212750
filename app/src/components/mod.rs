//! Pieces shared by pages.

pub mod account_fields;
pub mod blameless_editor;
pub mod countermeasure_form;
pub mod error_view;
pub mod filter_select;
pub mod history;
pub mod incident_facts;
pub mod incident_form;
pub mod labels;
pub mod phase_bar;
pub mod related_incidents;
pub mod review_section;
pub mod session;
pub mod timeline;
pub mod unsaved;
pub mod zone_picker;
