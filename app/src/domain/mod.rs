//! Domain logic: plain Rust with no web or database types, compiled for both the
//! server and the browser. Everything here is unit-tested where it lives.

pub mod access;
pub mod account;
pub mod audit;
pub mod blameless;
pub mod common_zones;
pub mod countermeasure;
pub mod duration_text;
pub mod handout;
pub mod html_text;
pub mod incident;
pub mod incident_form;
pub mod incident_list;
pub mod login_throttle;
pub mod moments;
pub mod phases;
pub mod postmortem;
pub mod report;
pub mod review;
pub mod statistics;
pub mod timeline;
#[cfg(feature = "ssr")]
pub mod validation;
pub mod webhook;

#[cfg(feature = "ssr")]
pub mod attachment;
#[cfg(feature = "ssr")]
pub mod countermeasure_export;
#[cfg(feature = "ssr")]
pub mod markdown;
#[cfg(feature = "ssr")]
pub mod metrics_export;
#[cfg(feature = "ssr")]
pub mod password;
#[cfg(feature = "ssr")]
pub mod plot;
#[cfg(feature = "ssr")]
pub mod quick_entry;
#[cfg(feature = "ssr")]
pub mod report_export;
#[cfg(feature = "ssr")]
pub mod seed;
#[cfg(feature = "ssr")]
pub mod zone;
