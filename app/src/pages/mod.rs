//! One module per page, named for the page.

pub mod incident_detail;
pub mod incident_edit;
pub mod incident_list;
pub mod incident_new;
pub mod not_found;
