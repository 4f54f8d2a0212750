//! The Debrief server: reads its configuration, opens the database and serves
//! the app. Everything else lives in the `app` crate.

mod archive_command;
mod http_server;
mod import_command;
mod report_command;

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
use clap::{Parser, Subcommand};
use leptos::config::{Env, LeptosOptions};
use leptos::prelude::{provide_context, use_context};
use leptos_axum::{LeptosRoutes, generate_route_list};
use tower_http::services::{ServeDir, ServeFile};
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

    /// Database: a SQLite file path or sqlite: URL, created and migrated on first start
    /// (a relative path is resolved against the working directory), or a
    /// postgres:// URL for several instances sharing one PostgreSQL database.
    #[arg(
        long,
        env = "DEBRIEF_DATABASE_URL",
        default_value = "data/debrief.db",
        hide_env_values = true,
        global = true
    )]
    database_url: String,

    /// Log filter: error, warn, info, debug, trace, or a tracing filter such as "app=debug".
    #[arg(long, env = "DEBRIEF_LOG", default_value = "info", global = true)]
    log_level: String,

    /// Folder with the built browser assets (pkg/); set by cargo-leptos.
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site")]
    site_root: String,

    /// Minutes without any request after which a session ends.
    #[arg(long, env = "DEBRIEF_SESSION_IDLE_MINUTES", default_value_t = 12 * 60)]
    session_idle_minutes: u32,

    /// Send the session cookie without the Secure flag. Only for plain-HTTP
    /// setups on a trusted network; browsers treat localhost as secure anyway.
    #[arg(long, env = "DEBRIEF_INSECURE_COOKIES")]
    insecure_cookies: bool,

    /// Folder for attachment files [default: "attachments" beside the SQLite file;
    /// data/attachments on PostgreSQL, where instances must share one folder].
    #[arg(long, env = "DEBRIEF_ATTACHMENTS_DIR", global = true)]
    attachments_dir: Option<PathBuf>,

    /// Reverse proxies in front of Debrief, by address (comma-separated). Their
    /// X-Forwarded-For header then names the client, so the sign-in limit
    /// per address counts each client, not the proxy.
    #[arg(long, env = "DEBRIEF_TRUSTED_PROXIES", default_value = "")]
    trusted_proxies: String,

    /// The address people reach Debrief at, such as https://debrief.example.com;
    /// used for every absolute link Debrief writes (exports, invitations). Unset,
    /// links use the request's Host, and its X-Forwarded-Proto only from a
    /// trusted proxy.
    #[arg(long, env = "DEBRIEF_PUBLIC_URL")]
    public_url: Option<String>,

    /// Largest attachment accepted, in megabytes.
    #[arg(long, env = "DEBRIEF_ATTACHMENT_MAX_MB", default_value_t = 20)]
    attachment_max_mb: u64,

    /// Folder for transcripts between upload and import [default: "staging" beside the SQLite
    /// file; data/staging on PostgreSQL, where instances must share one folder].
    #[arg(long, env = "DEBRIEF_STAGING_DIR", global = true)]
    staging_dir: Option<PathBuf>,

    /// Largest transcript upload accepted (all files of one upload), in megabytes.
    #[arg(long, env = "DEBRIEF_TRANSCRIPT_MAX_MB", default_value_t = 256)]
    transcript_max_mb: u64,

    /// Wait before a failed webhook delivery is tried again, in milliseconds;
    /// it doubles after each failure, up to an hour.
    #[arg(long, env = "DEBRIEF_WEBHOOK_RETRY_BASE_MS", default_value_t = 5000)]
    webhook_retry_base_ms: u64,

    /// Seconds a client has to send a request's headers before the
    /// connection is closed (slow or stalled clients hold no slot for long).
    #[arg(long, env = "DEBRIEF_HEADER_TIMEOUT_SECS", default_value_t = 10)]
    header_timeout_secs: u64,

    /// Seconds a request body may pause between two chunks before the
    /// request is refused (408).
    #[arg(long, env = "DEBRIEF_BODY_TIMEOUT_SECS", default_value_t = 30)]
    body_timeout_secs: u64,

    /// Connections served at once; more wait until one closes.
    #[arg(long, env = "DEBRIEF_MAX_CONNECTIONS", default_value_t = 2048)]
    max_connections: usize,

    /// Seconds shutdown waits for requests in flight before ending them.
    #[arg(long, env = "DEBRIEF_SHUTDOWN_GRACE_SECS", default_value_t = 10)]
    shutdown_grace_secs: u64,

    /// Non-public networks webhooks may also be sent to (comma-separated
    /// addresses or networks, such as 10.20.0.0/16). Without them, endpoints
    /// on loopback, private, link-local and other non-public addresses are
    /// refused, so that a webhook cannot reach services inside the network.
    #[arg(long, env = "DEBRIEF_WEBHOOK_ALLOWED_NETWORKS", default_value = "")]
    webhook_allowed_networks: String,

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the app (what `debrief` does with no command).
    Serve,
    /// Manage accounts from the server's shell.
    #[command(subcommand)]
    User(UserCommand),
    /// Write a consistent copy of the live database to FILE (a new file), and
    /// the attachment files to FILE.attachments/. Safe while the server runs.
    /// To restore, see the README.
    Backup { file: PathBuf },
    /// Import chat transcripts into an incident: prints what was read (format,
    /// channel, lines, time range, participants, every line that could not be
    /// read) and, unless --dry-run, stores it all in one transaction.
    Import(ImportArgs),
    /// Print the outlier report the /report page shows, for scripts and
    /// dashboards.
    Report(ReportArgs),
    /// Add synthetic incidents (marked "[synthetic]") for demos and benchmarks.
    Seed(SeedArgs),
    /// Write one whole incident (record, timeline, transcripts,
    /// countermeasures, post-mortem, review, history): json is the archive
    /// `restore-incident` reads back; md and html are for reading.
    Export(ExportArgs),
    /// Write an archive from `debrief export --format json` into this
    /// database as a new incident, in one transaction (keeps its number
    /// when free).
    RestoreIncident { file: PathBuf },
    /// Move a whole deployment from its SQLite file to an empty PostgreSQL
    /// database: every table in one transaction, verified by row counts and
    /// checksums per table before it is committed, and the attachment files.
    MigrateData(MigrateDataArgs),
}

#[derive(clap::Args, Debug)]
struct MigrateDataArgs {
    /// The SQLite database to copy (sqlite:PATH or a path).
    #[arg(long)]
    from: String,
    /// The PostgreSQL database to fill (postgres://…); it must hold no data.
    #[arg(long)]
    to: String,
    /// The SQLite deployment's attachment folder [default: "attachments" beside the file].
    #[arg(long)]
    from_attachments: Option<PathBuf>,
    /// The folder the PostgreSQL instances will share for attachments [default: data/attachments].
    #[arg(long)]
    to_attachments: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
struct ExportArgs {
    /// The incident's number.
    #[arg(long)]
    incident: i64,
    /// json, md or html.
    #[arg(long, default_value = "json")]
    format: String,
    /// Write here instead of to standard output.
    #[arg(long)]
    output: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
struct ReportArgs {
    /// First day included (YYYY-MM-DD, by the incident's start, UTC).
    #[arg(long)]
    from: Option<String>,
    /// Last day included (YYYY-MM-DD).
    #[arg(long)]
    to: Option<String>,
    /// blip, degradation or outage.
    #[arg(long)]
    severity: Option<String>,
    /// investigating, resolved, in_review or published.
    #[arg(long)]
    status: Option<String>,
    /// An affected service.
    #[arg(long)]
    service: Option<String>,
    /// Incidents read as this Cynefin domain at first or in hindsight.
    #[arg(long)]
    cynefin: Option<String>,
    /// json, csv or text.
    #[arg(long, default_value = "text")]
    format: String,
}

#[derive(clap::Args, Debug)]
struct SeedArgs {
    /// How many incidents to add.
    #[arg(long)]
    incidents: usize,
    /// Spread over this many days before now.
    #[arg(long, default_value_t = 730)]
    days: i64,
    /// The random seed (the same seed gives the same incidents).
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

#[derive(clap::Args, Debug)]
struct ImportArgs {
    /// The incident's number.
    #[arg(long, conflicts_with = "new_incident", required_unless_present_any = ["new_incident", "list_formats"])]
    incident: Option<i64>,
    /// Create a new incident with this title and import into it.
    #[arg(long)]
    new_incident: Option<String>,
    /// The transcripts' format [default: detected from each file]. See --list-formats.
    #[arg(long)]
    format: Option<String>,
    /// IANA zone of wall-clock times [default: the incident's zone].
    #[arg(long)]
    zone: Option<String>,
    /// Date (YYYY-MM-DD) of the first line when neither the file name nor the log gives one
    /// [default: the incident's first key moment, else its creation day].
    #[arg(long)]
    date: Option<String>,
    /// Channel name [default: from each file's name].
    #[arg(long)]
    channel: Option<String>,
    /// Read and report, store nothing.
    #[arg(long)]
    dry_run: bool,
    /// Name every format Debrief reads, and exit.
    #[arg(long)]
    list_formats: bool,
    /// Files to import; "-" reads standard input. A Slack export may be a zip or a folder.
    files: Vec<PathBuf>,
}

#[derive(Subcommand, Debug)]
enum UserCommand {
    /// Create an account. The password is read from a prompt, or from the first
    /// line of standard input when it is not a terminal; never from arguments.
    Add {
        /// Login name (letters, digits and . _ - @).
        login: String,
        /// Make the account an administrator (same as --role admin).
        #[arg(long)]
        admin: bool,
        /// viewer, editor or admin.
        #[arg(long, default_value = "viewer")]
        role: String,
        /// The name colleagues know the person by [default: the login name].
        #[arg(long)]
        display_name: Option<String>,
    },
    /// Set a new password for an account (read like `user add`'s); ends its sessions.
    Password { login: String },
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
    let outcome = match cli.command {
        None | Some(Command::Serve) => serve(cli).await,
        Some(Command::User(ref command)) => user_command(&cli.database_url, command).await,
        Some(Command::Backup { ref file }) => backup(&cli, file).await,
        Some(Command::Import(ref args)) => import_command::run(&cli.database_url, args).await,
        Some(Command::Report(ref args)) => report_command::report(&cli.database_url, args).await,
        Some(Command::Seed(ref args)) => report_command::seed(&cli.database_url, args).await,
        Some(Command::Export(ref args)) => archive_command::export(&cli.database_url, args).await,
        Some(Command::MigrateData(ref args)) => migrate_data(args).await,
        Some(Command::RestoreIncident { ref file }) => {
            archive_command::restore(&cli.database_url, file).await
        }
    };
    if let Err(message) = outcome {
        eprintln!("debrief: {message}");
        std::process::exit(1);
    }
}

/// Reads a password without echo from the terminal (asked twice), or the first
/// line of standard input when that is a pipe or file.
fn read_password() -> Result<String, String> {
    use std::io::{BufRead, IsTerminal};
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ").map_err(|e| e.to_string())?;
        let again = rpassword::prompt_password("Password again: ").map_err(|e| e.to_string())?;
        if first != again {
            return Err("the two passwords differ; nothing was changed".into());
        }
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| format!("cannot read the password from standard input: {e}"))?;
        Ok(line.trim_end_matches(['\r', '\n']).to_string())
    }
}

async fn user_command(database_url: &str, command: &UserCommand) -> Result<(), String> {
    use app::domain::account::{NewUserForm, Role, check_login, check_new_password};
    use app::domain::audit::Actor;
    let db = Db::open(database_url).await.map_err(|e| e.to_string())?;
    let outcome = match command {
        UserCommand::Add {
            login,
            admin,
            role,
            display_name,
        } => {
            let password = read_password()?;
            let form = NewUserForm {
                login: login.clone(),
                display_name: display_name.clone().unwrap_or_else(|| login.clone()),
                role: if *admin {
                    Role::Admin.code().into()
                } else {
                    role.clone()
                },
                password: password.clone(),
                password_confirm: password,
            };
            let new = form.validate().map_err(|errors| {
                errors
                    .iter()
                    .map(|e| format!("{}: {}", e.field, e.message))
                    .collect::<Vec<_>>()
                    .join("\n")
            })?;
            let record = app::db::UserRecord::hashing(new)?;
            db.create_user(
                &record,
                &Actor::command_line("user add"),
                false,
                chrono::Utc::now(),
            )
            .await
            .map(|user| {
                println!(
                    "Created {} with the {} role.",
                    user.label(),
                    user.role.label()
                )
            })
            .map_err(|e| e.to_string())
        }
        UserCommand::Password { login } => {
            let login = check_login(login)?;
            let credentials = db
                .credentials(&login)
                .await
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("there is no account named {login:?}"))?;
            let password = read_password()?;
            check_new_password(&password, &login)?;
            let hash = app::domain::password::hash_password(&password)?;
            db.set_password(
                &credentials.user.id,
                &hash,
                &Actor::command_line("user password"),
                chrono::Utc::now(),
            )
            .await
            .map(|_| {
                println!(
                    "Set a new password for {}; its sessions ended.",
                    credentials.user.label()
                )
            })
            .map_err(|e| e.to_string())
        }
    };
    db.close().await;
    outcome
}

/// The attachments folder: the flag, else `attachments` beside the SQLite
/// file (on PostgreSQL, `data/attachments` under the working directory;
/// instances that share a database must be given one shared folder).
fn attachments_dir(cli: &Cli, db: &Db) -> PathBuf {
    cli.attachments_dir.clone().unwrap_or_else(|| {
        if db.is_postgres() {
            PathBuf::from("data/attachments")
        } else {
            AttachmentStore::default_dir(std::path::Path::new(db.location()))
        }
    })
}

async fn migrate_data(args: &MigrateDataArgs) -> Result<(), String> {
    let from = Db::open(&args.from).await.map_err(|e| e.to_string())?;
    if from.is_postgres() {
        return Err("--from must be the SQLite database to move (sqlite:PATH)".into());
    }
    let to = Db::open(&args.to).await.map_err(|e| e.to_string())?;
    if !to.is_postgres() {
        return Err("--to must be the PostgreSQL database to fill (postgres://…)".into());
    }
    let from_dir = args
        .from_attachments
        .clone()
        .unwrap_or_else(|| AttachmentStore::default_dir(std::path::Path::new(from.location())));
    let to_dir = args
        .to_attachments
        .clone()
        .unwrap_or_else(|| PathBuf::from("data/attachments"));
    // Refused before anything is copied; checked again in the transaction.
    if let Some(table) = to
        .first_table_with_rows()
        .await
        .map_err(|e| e.to_string())?
    {
        return Err(app::db::refused_filled(table).to_string());
    }
    // Files first: a failed copy of the rows then leaves only unreferenced
    // files behind, never rows without their files.
    let (files, file_bytes) = attachments::copy_for_backup(&from, &from_dir, &to_dir).await?;
    let copies = from
        .copy_everything_to(&to)
        .await
        .map_err(|e| format!("{e}; the target database was left unchanged"))?;
    println!(
        "{:<26} {:>10}  checksum (SHA-256 sum of rows)",
        "table", "rows"
    );
    for copy in &copies {
        println!("{:<26} {:>10}  {}", copy.table, copy.rows, copy.checksum);
    }
    let rows: u64 = copies.iter().map(|c| c.rows).sum();
    println!(
        "Moved {rows} rows in {} tables from {} to {}, each verified by count and checksum; \
         {files} attachment files ({file_bytes} bytes) copied to {}. \
         Sessions are not moved: people sign in again.",
        copies.len(),
        from.location(),
        to.location(),
        to_dir.display()
    );
    from.close().await;
    to.close().await;
    Ok(())
}

async fn backup(cli: &Cli, file: &std::path::Path) -> Result<(), String> {
    let db = Db::open(&cli.database_url)
        .await
        .map_err(|e| e.to_string())?;
    let mut target_files = file.as_os_str().to_owned();
    target_files.push(".attachments");
    let target_files = PathBuf::from(target_files);
    if target_files.exists() {
        db.close().await;
        return Err(format!(
            "{} exists already; choose a new name so no backup is overwritten",
            target_files.display()
        ));
    }
    let outcome = match db.backup_to(file).await {
        Ok(bytes) => attachments::copy_for_backup(&db, &attachments_dir(cli, &db), &target_files)
            .await
            .map(|files| (bytes, files)),
        Err(e) => Err(e.to_string()),
    };
    db.close().await;
    let (bytes, (files, file_bytes)) = outcome?;
    println!(
        "Backed up {} to {} ({bytes} bytes), and {files} attachment files ({file_bytes} bytes) to {}.",
        db.location(),
        file.display(),
        target_files.display()
    );
    Ok(())
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
        attachments_dir(&cli, &db),
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
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .nest_service("/pkg", ServeDir::new(site_root.join("pkg")))
        .route_service(
            "/favicon.svg",
            ServeFile::new(site_root.join("favicon.svg")),
        )
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
        .with_state(options)
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
