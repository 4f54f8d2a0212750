//! `debrief serve` (the default): the web app. Opens the database, starts
//! the background workers (search indexing, webhook deliveries), and serves
//! the whole HTTP surface (`app::server::router`) until SIGINT or SIGTERM.

use std::net::SocketAddr;
use std::path::PathBuf;

use app::db::Db;
use app::server::attachments::AttachmentStore;
use app::server::guard::AuthState;
use app::server::router::{Surface, router};
use app::server::session;
use app::server::staging::Staging;
use leptos::config::{Env, LeptosOptions};

use crate::{Cli, data_command, http_server};

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
        // Pages name the hashed assets a build wrote (hash.txt beside
        // this binary), or the plain names of a build without hashes.
        .hash_files(app::server::assets::hashed())
        .build();
    let missing = app::server::assets::missing_from(std::path::Path::new(cli.site_root.as_str()));
    if !missing.is_empty() {
        tracing::error!(
            "the built assets in {}/pkg are not the ones this binary's hash.txt names (missing {}): pages will load without their stylesheet and script. Start the binary with the site folder of the same build (cargo leptos build writes both).",
            cli.site_root,
            missing.join(", ")
        );
    }
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
    let app = router(Surface {
        options,
        auth,
        sessions: sessions.layer(),
        store,
        staging,
        public_url,
        dev,
        body_timeout,
        answer_timeout: std::time::Duration::from_secs(cli.answer_timeout_secs.max(1)),
    });

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
