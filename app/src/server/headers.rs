//! Security headers. The Content-Security-Policy allows only Debrief's own
//! scripts, styles and WASM; Leptos's inline hydration and data scripts carry a
//! per-response nonce, which this layer creates and hands to Leptos through
//! the request's extensions.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use http::{HeaderMap, HeaderValue, header};

use leptos::nonce::Nonce;

/// Adds a fresh nonce to the request and the matching policy to the response.
/// `dev` also allows the live-reload websocket of `cargo leptos watch`.
pub async fn content_security_policy(
    State(dev): State<bool>,
    mut req: Request,
    next: Next,
) -> Response {
    let nonce = Nonce::new();
    req.extensions_mut().insert(nonce.clone());
    let mut response = next.run(req).await;
    let connect = if dev { "'self' ws:" } else { "'self'" };
    let policy = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src {connect}; object-src 'none'; \
         base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    );
    // A response that set its own, stricter policy (an attachment) keeps it.
    if let Ok(value) = HeaderValue::from_str(&policy) {
        response
            .headers_mut()
            .entry(header::CONTENT_SECURITY_POLICY)
            .or_insert(value);
    }
    response
}

/// The nonce of the current request, for Leptos's context.
pub fn request_nonce(parts: &http::request::Parts) -> Option<Nonce> {
    parts.extensions.get::<Nonce>().cloned()
}

/// True when the caller is a browser navigating or posting a plain form
/// (it asks for HTML), rather than a script.
pub fn accepts_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"))
}
