//! The Debrief server: reads its configuration, opens the database and serves
//! the app. Everything else lives in the `app` crate.

use std::net::SocketAddr;

use app::db::Db;
use app::{App, shell};
use axum::Router;
use axum::extract::Request;
use axum::response::IntoResponse;
use axum::routing::get;
use clap::Parser;
use leptos::config::{Env, LeptosOptions};
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, generate_route_list};
use tower_http::set_header::SetResponseHeaderLayer;

/// Largest request body accepted, in bytes. Forms are small; uploads get their
/// own, larger limit where they are handled.
const BODY_LIMIT: usize = 2 * 1024 * 1024;

/// Blameless post-mortems: incidents, timelines, chat transcripts, countermeasures and outlier reports.
#[derive(Parser, Debug)]
#[command(name = "debrief", version, about)]
struct Cli {
    /// Address to listen on [default: $LEPTOS_SITE_ADDR, else 127.0.0.1:3000]. Port 0 picks a free port.
    #[arg(long, env = "DEBRIEF_LISTEN")]
    listen: Option<SocketAddr>,

    /// Database: a SQLite file path or sqlite: URL, created and migrated on first start.
    /// A relative path is resolved against the working directory.
    #[arg(long, env = "DEBRIEF_DATABASE_URL", default_value = "data/debrief.db")]
    database_url: String,

    /// Log filter: error, warn, info, debug, trace, or a tracing filter such as "app=debug".
    #[arg(long, env = "DEBRIEF_LOG", default_value = "info")]
    log_level: String,

    /// Folder with the built browser assets (pkg/); set by cargo-leptos.
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site")]
    site_root: String,
}

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_new(&cli.log_level).unwrap_or_else(|e| {
                eprintln!(
                    "debrief: --log-level {:?} is not a valid filter ({e}); using info",
                    cli.log_level
                );
                tracing_subscriber::EnvFilter::new("info")
            }),
        )
        .with_writer(std::io::stderr)
        .init();
    if let Err(message) = serve(cli).await {
        eprintln!("debrief: {message}");
        std::process::exit(1);
    }
}

async fn serve(cli: Cli) -> Result<(), String> {
    let addr = match cli.listen {
        Some(addr) => addr,
        None => match std::env::var("LEPTOS_SITE_ADDR") {
            Ok(v) => v
                .parse()
                .map_err(|e| format!("LEPTOS_SITE_ADDR={v:?} is not an address: {e}"))?,
            Err(_) => SocketAddr::from(([127, 0, 0, 1], 3000)),
        },
    };
    let db = Db::open(&cli.database_url)
        .await
        .map_err(|e| e.to_string())?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;

    let env = match std::env::var("LEPTOS_ENV").as_deref() {
        Ok("DEV") | Ok("dev") | Ok("development") => Env::DEV,
        _ => Env::PROD,
    };
    let options = LeptosOptions::builder()
        .output_name("debrief")
        .site_root(cli.site_root.as_str())
        .site_pkg_dir("pkg")
        .site_addr(addr)
        .env(env)
        .build();
    let app = router(options, db.clone());

    // Tests and scripts read this line to learn the address when port 0 was asked for.
    println!(
        "Debrief listening on http://{addr} (database: {})",
        db.location()
    );
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|e| format!("server error: {e}"))?;
    db.close().await;
    Ok(())
}

/// The whole HTTP surface, its cross-cutting layers listed in order.
fn router(options: LeptosOptions, db: Db) -> Router {
    let routes = generate_route_list(App);
    let context = move || provide_context(db.clone());
    let server_fn_context = context.clone();
    let server_fns = move |req: Request| {
        let context = server_fn_context.clone();
        async move {
            leptos_axum::handle_server_fns_with_context(context, req)
                .await
                .into_response()
        }
    };
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/api/{*fn_name}", get(server_fns.clone()).post(server_fns))
        .leptos_routes_with_context(&options, routes, context.clone(), {
            let options = options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context(
            context, shell,
        ))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(BODY_LIMIT))
        .layer(axum::middleware::map_response(explain_payload_too_large))
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
        .with_state(options)
}

/// Replaces the bare 413 of the body limit with a sentence a person can act on.
async fn explain_payload_too_large(response: axum::response::Response) -> axum::response::Response {
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
