//! The whole HTTP surface in one place: the pages, the server functions,
//! the raw routes of [`crate::routes`], and every cross-cutting layer, listed
//! from the inside out (the access guard sees each request first after its
//! session is loaded; request tracing sees everything).

use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use leptos::config::LeptosOptions;
use leptos::prelude::{provide_context, use_context};
use leptos_axum::{LeptosRoutes, generate_route_list};
use tower_http::CompressionLevel;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultOnFailure, TraceLayer};

use super::attachments::{self, AttachmentStore};
use super::guard::{self, AuthState};
use super::staging::{self, Staging};
use super::{countermeasure_export, headers, incident_files, meeting, metrics, report_export};
use super::{links::PublicUrl, session::SessionLayer};
use crate::error::AppError;
use crate::routes;
use crate::{App, shell};

/// Largest request body accepted, in bytes. Forms are small; uploads get their
/// own, larger limit where they are handled.
pub const BODY_LIMIT: usize = 2 * 1024 * 1024;

/// What the router is built from.
pub struct Surface {
    pub options: LeptosOptions,
    pub auth: AuthState,
    pub sessions: SessionLayer,
    pub store: AttachmentStore,
    pub staging: Staging,
    pub public_url: PublicUrl,
    /// Development build: a looser content security policy for live reload.
    pub dev: bool,
    /// How long a request body may pause between two chunks.
    pub body_timeout: Duration,
    /// How long a page or server function may take to answer.
    pub answer_timeout: Duration,
}

pub fn router(surface: Surface) -> Router {
    let Surface {
        options,
        auth,
        sessions,
        store,
        staging,
        public_url,
        dev,
        body_timeout,
        answer_timeout,
    } = surface;
    let routes = generate_route_list(App);
    // One for the server (this router is built once): every request shares it.
    let reports = crate::flows::report::ReportCache::default();
    let context = {
        let auth = auth.clone();
        let reports = reports.clone();
        let store = store.clone();
        let staging = staging.clone();
        move || {
            provide_context(auth.db.clone());
            provide_context(reports.clone());
            provide_context(store.clone());
            provide_context(staging.clone());
            provide_context(auth.clone());
            // The CSP layer's nonce, so Leptos's inline scripts carry it.
            if let Some(nonce) = use_context::<http::request::Parts>()
                .as_ref()
                .and_then(headers::request_nonce)
            {
                provide_context(nonce);
            }
        }
    };
    let server_fn_context = context.clone();
    let server_fns = move |req: Request| {
        let context = server_fn_context.clone();
        async move {
            leptos_axum::handle_server_fns_with_context(context, req)
                .await
                .into_response()
        }
    };
    // Built assets are served by their own service, not the app's fallback:
    // through the fallback, a static file answered while a "not found" page
    // rendered could go out with that page's 404 status (seen as
    // "failed to fetch Wasm: 404" and a page that never hydrated).
    let site_root = std::path::PathBuf::from(options.site_root.as_ref());
    // A release build's assets are compressed once at build time
    // (`cargo leptos build --release --precompress`): the .br or .gz file is
    // sent to a browser that accepts it. Their names carry content hashes
    // (`hash-files`), so a browser keeps them a year without asking; a name
    // without one is revalidated on each use (see `assets::cache_control`).
    let assets = Router::new()
        .nest_service(
            routes::ASSETS,
            ServeDir::new(site_root.join("pkg"))
                .precompressed_br()
                .precompressed_gzip(),
        )
        .route_service(
            routes::FAVICON,
            ServeFile::new(site_root.join("favicon.svg")),
        )
        .layer(axum::middleware::from_fn(keep_assets));
    Router::new()
        .route(routes::HEALTH, get(|| async { "ok" }))
        .merge(assets)
        .route(
            routes::SERVER_FUNCTIONS,
            get(server_fns.clone()).post(server_fns),
        )
        .leptos_routes_with_context(&options, routes, context.clone(), {
            let options = options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context(
            context, shell,
        ))
        // Pages and server functions answer within a bound; the raw routes
        // merged below stream (exports, the meeting feed) or take long
        // uploads, and bound themselves.
        .layer(from_fn_with_state(answer_timeout, answer_within))
        // Every route so far takes small bodies; uploads have their own limit.
        .layer(tower_http::limit::RequestBodyLimitLayer::new(BODY_LIMIT))
        .layer(axum::middleware::map_response(explain_payload_too_large))
        // A refusal sent back in an address too long to arrive.
        .layer(axum::middleware::map_response(
            super::refusal_redirect::layer,
        ))
        .merge(attachments::routes(auth.db.clone(), store.clone()))
        .merge(report_export::routes(auth.db.clone(), reports.clone()))
        .merge(metrics::routes(auth.db.clone(), reports))
        .merge(countermeasure_export::routes(auth.db.clone()))
        .merge(incident_files::routes(auth.db.clone()))
        .merge(meeting::routes(auth.db.clone()))
        .merge(staging::routes(auth.db.clone(), staging))
        .layer(from_fn_with_state(auth, guard::guard))
        .layer(sessions)
        .layer(from_fn_with_state(dev, headers::content_security_policy))
        .layer(SetResponseHeaderLayer::if_not_present(
            http::header::X_CONTENT_TYPE_OPTIONS,
            http::HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            http::header::REFERRER_POLICY,
            // Same-origin form posts need the Referer to return to their page.
            http::HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            http::header::X_FRAME_OPTIONS,
            http::HeaderValue::from_static("DENY"),
        ))
        .layer(compression())
        .with_state(options)
        .layer(axum::Extension(public_url))
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
            body_timeout,
        ))
        // One span per request (method, path, status, latency) at debug
        // level: `--log-level tower_http=debug` shows every request; server
        // faults (5xx) are logged as warnings whatever the level.
        .layer(
            TraceLayer::new_for_http()
                .on_failure(DefaultOnFailure::new().level(tracing::Level::WARN)),
        )
}

/// Says how long a browser may keep an asset it was sent.
async fn keep_assets(request: Request, next: Next) -> Response {
    let rule = super::assets::cache_control(request.uri().path());
    let mut response = next.run(request).await;
    if response.status().is_success() || response.status() == http::StatusCode::NOT_MODIFIED {
        response.headers_mut().insert(
            http::header::CACHE_CONTROL,
            http::HeaderValue::from_static(rule),
        );
    }
    response
}

/// Answers "busy" for a page or server function that has not answered
/// within `limit`; its work is dropped, and a transaction it held is rolled
/// back unless it had already committed.
async fn answer_within(State(limit): State<Duration>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!("{path} took longer than {limit:?} to answer; it was stopped");
            AppError::Busy {
                message: format!(
                    "The server took longer than {} second{} to answer, so it stopped. If this was a change, reload the page to see whether it was saved before trying again.",
                    limit.as_secs(),
                    if limit.as_secs() == 1 { "" } else { "s" }
                ),
                retry_after: 5,
            }
            .into_response()
        }
    }
}

/// Pages, JSON, CSS and scripts compressed as they are sent, for clients that
/// accept brotli or gzip. Not the WASM bundle, which a release build sends
/// precompressed (compressing megabytes on every request would cost more
/// than it saves), nor the meeting's live feed (server-sent events must not
/// wait in a compressor's buffer), nor images.
fn compression() -> CompressionLayer<impl Predicate> {
    CompressionLayer::new()
        .quality(CompressionLevel::Fastest)
        .compress_when(
            DefaultPredicate::new().and(NotForContentType::const_new("application/wasm")),
        )
}

/// Replaces the bare 413 of the body limit with a sentence a person can act on.
async fn explain_payload_too_large(response: Response) -> Response {
    // Uploads are merged in after this layer and explain their own limit.
    if response.status() != http::StatusCode::PAYLOAD_TOO_LARGE {
        return response;
    }
    AppError::TooLarge {
        message: format!(
            "The request is too large: the limit is {} MB. Nothing was saved. Shorten the text, or move long material such as logs into an attachment.",
            BODY_LIMIT / (1024 * 1024)
        ),
    }
    .into_response()
}
