//! The incident a raw route's path names (`/incidents/{number}/…`), as a
//! typed value: text that names no incident is refused before the handler
//! runs, with the same "not found" the pages and server functions give.

use axum::extract::{FromRequestParts, Path};
use axum::response::{IntoResponse, Response};
use http::request::Parts;

use crate::domain::incident::IncidentNumber;
use crate::error::AppError;

/// The incident number in the path.
pub struct IncidentInPath(pub IncidentNumber);

impl<S: Send + Sync> FromRequestParts<S> for IncidentInPath {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        raw.parse()
            .map(IncidentInPath)
            .map_err(|refused| refusal(&parts.headers, AppError::from(refused)))
    }
}

/// A refusal as a raw route answers it: a small page with a way back for a
/// browser, the sentence as plain text for a script.
pub fn refusal(headers: &http::HeaderMap, error: AppError) -> Response {
    super::answer::refuse(
        error,
        super::headers::accepts_html(headers),
        super::answer::Back::Page {
            title: "Not found",
            href: "/incidents",
            label: "Back to the incidents",
        },
    )
}
