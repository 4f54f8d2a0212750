//! How a raw route (an upload, a file, an export, a feed) says no. What was
//! refused, its status and its sentence are an [`AppError`], whose
//! `IntoResponse` answers a script: the sentence as plain text, with
//! `Retry-After` when there is one. This decides only how a browser is told:
//! on a small page with a way back, or at the form it posted from.

use axum::response::{IntoResponse, Redirect, Response};
use http::{HeaderValue, StatusCode, header};

use crate::domain::html_text::escape_text;
use crate::domain::query_text::query_value;
use crate::error::AppError;

/// Where a browser is told why.
pub enum Back<'a> {
    /// A small page titled `title` that says why, with a link back.
    Page {
        title: &'a str,
        href: &'a str,
        label: &'a str,
    },
    /// Back at the attachment form `form` on `page`, which says the
    /// sentence itself (`attach_field` and `attach_error` in the query: see
    /// `AttachForm`).
    AttachForm { page: &'a str, form: &'a str },
}

/// The refusal: plain text for a script, and for a browser as `back` says.
pub fn refuse(error: AppError, browser: bool, back: Back<'_>) -> Response {
    if !browser {
        return error.into_response();
    }
    match back {
        Back::Page { title, href, label } => {
            let mut page = message_page(error.status(), title, &error.to_string(), (href, label));
            if let Some(seconds) = error.retry_after() {
                page.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            }
            page
        }
        Back::AttachForm { page, form } => {
            let query = format!(
                "attach_field={}&attach_error={}",
                query_value(form),
                query_value(&error.to_string())
            );
            Redirect::to(&format!("{page}?{query}#{form}")).into_response()
        }
    }
}

/// An upload that could not be read: over its limit (`too_large` says
/// which), or broken on the way.
pub fn unreadable_upload(
    e: axum::extract::multipart::MultipartError,
    too_large: impl FnOnce() -> String,
) -> AppError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return AppError::TooLarge {
            message: too_large(),
        };
    }
    AppError::invalid_field(
        "file",
        format!("The upload could not be read ({e}); try again."),
    )
}

/// A small page that says why something was refused and offers a way back:
/// what the server answers a browser outside the app's own pages.
pub fn message_page(
    status: StatusCode,
    title: &str,
    message: &str,
    back: (&str, &str),
) -> Response {
    let body = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · Debrief</title><link rel=\"stylesheet\" href=\"{}\"></head>\
         <body><main id=\"main\" class=\"refusal\"><h1>{title}</h1><p role=\"alert\">{}</p>\
         <p><a href=\"{}\">{}</a></p></main></body></html>",
        super::assets::stylesheet(),
        escape_text(message),
        escape_text(back.0),
        escape_text(back.1),
    );
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        )],
        body,
    )
        .into_response()
}
