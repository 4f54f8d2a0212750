//! Pieces shared by pages.

pub mod error_view;
pub mod incident_form;
pub mod labels;
pub mod phase_bar;
pub mod zone_picker;
