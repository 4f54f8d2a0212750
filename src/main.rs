//! The `debrief` command: its options and subcommands, each run by its own
//! module (`serve_command` is the web app). Everything else lives in the
//! `app` crate.

mod archive_command;
mod data_command;
mod http_server;
mod import_command;
mod report_command;
mod serve_command;
mod user_command;

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

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

    /// Seconds a page or server function may take to answer before it is
    /// stopped and answered "busy" (503). Uploads, exports and the meeting
    /// feed are not bound by it.
    #[arg(long, env = "DEBRIEF_ANSWER_TIMEOUT_SECS", default_value_t = 60)]
    answer_timeout_secs: u64,

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
        None | Some(Command::Serve) => serve_command::run(cli).await,
        Some(Command::User(ref command)) => user_command::run(&cli.database_url, command).await,
        Some(Command::Backup { ref file }) => data_command::backup(&cli, file).await,
        Some(Command::Import(ref args)) => import_command::run(&cli.database_url, args).await,
        Some(Command::Report(ref args)) => report_command::report(&cli.database_url, args).await,
        Some(Command::Seed(ref args)) => report_command::seed(&cli.database_url, args).await,
        Some(Command::Export(ref args)) => archive_command::export(&cli.database_url, args).await,
        Some(Command::MigrateData(ref args)) => data_command::migrate_data(args).await,
        Some(Command::RestoreIncident { ref file }) => {
            archive_command::restore(&cli.database_url, file).await
        }
    };
    if let Err(message) = outcome {
        eprintln!("debrief: {message}");
        std::process::exit(1);
    }
}
