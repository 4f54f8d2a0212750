//! The server's cross-cutting middleware: who the caller is and what they may
//! reach (`guard`), and the security headers every response carries
//! (`headers`). Server-only; `src/main.rs` lists these layers in order.

pub mod attachments;
pub mod countermeasure_export;
pub mod guard;
pub mod headers;
pub mod incident_files;
pub mod links;
pub mod meeting;
pub mod metrics;
pub mod render_pool;
pub mod report_export;
pub mod search_index;
pub mod session;
pub mod shutdown;
pub mod staging;
pub mod webhooks;
