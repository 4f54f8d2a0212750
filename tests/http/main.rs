//! Debrief over real HTTP: the real `debrief` binary on a real database (a
//! SQLite file, or PostgreSQL with `DEBRIEF_TEST_DATABASE=postgres`), one
//! module per feature. One test binary, so the app and its test
//! dependencies are linked once (`cargo test --features ssr --test http`;
//! one feature: `... --test http transcripts::`).

#[path = "../common/mod.rs"]
mod common;

mod access;
mod archive;
mod attachments;
mod auth;
mod backup;
mod bad_input;
mod compression;
mod countermeasures;
mod faults;
mod incidents;
mod meeting;
mod postmortem;
mod report;
mod reverse_proxy;
mod review;
mod schema;
mod search;
mod several_instances;
mod startup;
mod timeline;
mod transcripts;
mod webhooks;
mod xss;
