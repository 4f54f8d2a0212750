//! Workflows: what a person or the command line asks for, one file each,
//! from the request to the stored result. Each runs the statements of
//! `db` in the order the workflow needs and words its refusals; server
//! functions and CLI commands each call one. Server only.

pub mod countermeasure_merge;
pub mod meeting_live;
pub mod migrate_data;
pub mod report;
pub mod restore;
pub mod transcript_import;
