//! `debrief serve` (the default): the web app. Opens the database, starts
//! the background workers (search indexing, webhook deliveries), and serves
//! the whole HTTP surface ([`router`]) until SIGINT or SIGTERM.

use std::net::SocketAddr;
use std::path::PathBuf;

use app::db::Db;
use app::server::attachments::{self, AttachmentStore};
use app::server::guard::{self, AuthState};
use app::server::staging::{self, Staging};
use app::server::{countermeasure_export, incident_files, meeting, metrics, report_export};
use app::server::{headers, session};
use app::{App, shell};
use axum::Router;
use axum::extract::Request;
use axum::middleware::from_fn_with_state;
use axum::response::IntoResponse;
use axum::routing::get;
use leptos::config::{Env, LeptosOptions};
use leptos::prelude::{provide_context, use_context};
use leptos_axum::{LeptosRoutes, generate_route_list};
use tower_http::CompressionLevel;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::{Cli, data_command, http_server};

/// Largest request body accepted, in bytes. Forms are small; uploads get their
/// own, larger limit where they are handled.
const BODY_LIMIT: usize = 2 * 1024 * 1024;

pub async fn run(cli: Cli) -> Result<(), String> {
    let addr = match cli.listen {
        Some(addr) => addr,
        None => match std::env::var("LEPTOS_SITE_ADDR") {
            Ok(v) => v
                .parse()
                .map_err(|e| format!("LEPTOS_SITE_ADDR={v:?} is not an address: {e}"))?,
            Err(_) => SocketAddr::from(([127, 0, 0, 1], 3000)),
        },
    };
    let webhook_networks = app::domain::webhook::parse_networks(&cli.webhook_allowed_networks)
        .map_err(|e| format!("--webhook-allowed-networks: {e}"))?;
    let db = Db::open(&cli.database_url)
        .await
        .map_err(|e| e.to_string())?;
    let sessions =
        session::Sessions::open(&db, cli.session_idle_minutes, !cli.insecure_cookies).await?;
    if let Some(files) = http_server::raise_open_file_limit()
        && (files as usize) < cli.max_connections + 64
    {
        tracing::warn!(
            "the open-file limit ({files}) is below --max-connections ({}); raise it (ulimit -n) or lower the cap",
            cli.max_connections
        );
    }
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    app::server::search_index::spawn(db.clone());
    app::server::webhooks::spawn(
        db.clone(),
        std::time::Duration::from_millis(cli.webhook_retry_base_ms.max(1)),
        webhook_networks,
    );
    let addr = listener.local_addr().map_err(|e| e.to_string())?;

    let env = match std::env::var("LEPTOS_ENV").as_deref() {
        Ok("DEV") | Ok("dev") | Ok("development") => Env::DEV,
        _ => Env::PROD,
    };
    let dev = env == Env::DEV;
    let options = LeptosOptions::builder()
        .output_name("debrief")
        .site_root(cli.site_root.as_str())
        .site_pkg_dir("pkg")
        .site_addr(addr)
        .env(env)
        .build();
    let store = AttachmentStore::open(
        data_command::attachments_dir(&cli, &db),
        cli.attachment_max_mb.saturating_mul(1024 * 1024),
    )?;
    let staging = Staging::open(
        cli.staging_dir.clone().unwrap_or_else(|| {
            if db.is_postgres() {
                PathBuf::from("data/staging")
            } else {
                Staging::default_dir(std::path::Path::new(db.location()))
            }
        }),
        cli.transcript_max_mb.saturating_mul(1024 * 1024),
    )?;
    let mut auth = AuthState::new(db.clone());
    auth.trusted_proxies = app::domain::client_address::parse_trusted(&cli.trusted_proxies)
        .map_err(|e| format!("--trusted-proxies: {e}"))?;
    let body_timeout = std::time::Duration::from_secs(cli.body_timeout_secs.max(1));
    let public_url = app::server::links::PublicUrl {
        configured: cli
            .public_url
            .as_deref()
            .map(app::domain::public_url::parse_public_url)
            .transpose()
            .map_err(|e| format!("--public-url: {e}"))?,
        trusted_proxies: auth.trusted_proxies.clone(),
    };
    let app = router(options, auth, sessions.layer(), store, staging, dev)
        .layer(axum::Extension(public_url))
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
            body_timeout,
        ));

    // Tests and scripts read this line to learn the address when port 0 was asked for.
    println!(
        "Debrief listening on http://{addr} (database: {})",
        db.location()
    );
    let limits = http_server::Limits {
        header_read: std::time::Duration::from_secs(cli.header_timeout_secs.max(1)),
        max_connections: cli.max_connections.max(1),
        shutdown_grace: std::time::Duration::from_secs(cli.shutdown_grace_secs),
    };
    http_server::serve(listener, app, limits, shutdown_signal()).await;
    sessions.stop();
    db.close().await;
    Ok(())
}

/// The whole HTTP surface, its cross-cutting layers listed from the inside out:
/// the access guard sees each request first after the session is loaded.
fn router(
    options: LeptosOptions,
    auth: AuthState,
    sessions: session::SessionLayer,
    store: AttachmentStore,
    staging: Staging,
    dev: bool,
) -> Router {
    let routes = generate_route_list(App);
    let context = {
        let auth = auth.clone();
        let store = store.clone();
        let staging = staging.clone();
        move || {
            provide_context(auth.db.clone());
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
    // sent to a browser that accepts it. Asset names carry no content hash
    // yet, so a browser may keep them but must ask before reuse (a 304 when
    // unchanged): after an upgrade it never runs an old bundle against new
    // pages.
    let assets = Router::new()
        .nest_service(
            "/pkg",
            ServeDir::new(site_root.join("pkg"))
                .precompressed_br()
                .precompressed_gzip(),
        )
        .route_service(
            "/favicon.svg",
            ServeFile::new(site_root.join("favicon.svg")),
        )
        .layer(SetResponseHeaderLayer::if_not_present(
            axum::http::header::CACHE_CONTROL,
            axum::http::HeaderValue::from_static("no-cache"),
        ));
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .merge(assets)
        .route("/api/{*fn_name}", get(server_fns.clone()).post(server_fns))
        .leptos_routes_with_context(&options, routes, context.clone(), {
            let options = options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context(
            context, shell,
        ))
        // Every route so far takes small bodies; uploads have their own limit.
        .layer(tower_http::limit::RequestBodyLimitLayer::new(BODY_LIMIT))
        .layer(axum::middleware::map_response(explain_payload_too_large))
        // A refusal sent back in an address too long to arrive.
        .layer(axum::middleware::map_response(
            app::server::refusal_redirect::layer,
        ))
        .merge(attachments::routes(auth.db.clone(), store.clone()))
        .merge(report_export::routes(auth.db.clone()))
        .merge(metrics::routes(auth.db.clone()))
        .merge(countermeasure_export::routes(auth.db.clone()))
        .merge(incident_files::routes(auth.db.clone()))
        .merge(meeting::routes(auth.db.clone()))
        .merge(staging::routes(auth.db.clone(), staging))
        .layer(from_fn_with_state(auth, guard::guard))
        .layer(sessions)
        .layer(from_fn_with_state(dev, headers::content_security_policy))
        .layer(SetResponseHeaderLayer::if_not_present(
            axum::http::header::X_CONTENT_TYPE_OPTIONS,
            axum::http::HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            axum::http::header::REFERRER_POLICY,
            // Same-origin form posts need the Referer to return to their page.
            axum::http::HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            axum::http::header::X_FRAME_OPTIONS,
            axum::http::HeaderValue::from_static("DENY"),
        ))
        .layer(compression())
        .with_state(options)
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
async fn explain_payload_too_large(response: axum::response::Response) -> axum::response::Response {
    // Uploads are merged in after this layer and explain their own limit.
    if response.status() != axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        return response;
    }
    (
        axum::http::StatusCode::PAYLOAD_TOO_LARGE,
        format!(
            "The request is too large: the limit is {} MB. Nothing was saved. Shorten the text, or move long material such as logs into an attachment.",
            BODY_LIMIT / (1024 * 1024)
        ),
    )
        .into_response()
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
