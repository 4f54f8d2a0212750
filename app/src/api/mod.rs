//! Server functions: thin HTTP endpoints (under `/api/`) that check input,
//! call the database layer and shape data for pages.

pub mod error;
pub mod incidents;
pub mod viewer;

pub use error::AppError;

#[cfg(feature = "ssr")]
pub(crate) mod context {
    use super::AppError;
    use crate::db::Db;
    use leptos::prelude::*;

    /// The database, provided to every request by the server.
    pub fn db() -> Result<Db, AppError> {
        use_context::<Db>()
            .ok_or_else(|| AppError::internal("database handle missing from request context"))
    }

    /// A header of the current request.
    pub fn request_header(name: &str) -> Option<String> {
        use_context::<http::request::Parts>().and_then(|parts| {
            parts
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        })
    }

    /// Ends a server function: on error, sets the HTTP status that fits it,
    /// unless the caller is a plain HTML form (which is redirected back to its
    /// page with the error, by leptos, so that it works without JavaScript).
    pub fn finish<T>(result: Result<T, AppError>) -> Result<T, AppError> {
        if let Err(err) = &result {
            let from_html_form = request_header("accept").is_some_and(|a| a.contains("text/html"));
            if !from_html_form && let Some(options) = use_context::<leptos_axum::ResponseOptions>()
            {
                options.set_status(err.status());
            }
        }
        result
    }
}
