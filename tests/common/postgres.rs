//! A throwaway PostgreSQL server for the tests that run Debrief on
//! PostgreSQL: Debian's `postgresql` binaries, a cluster made with `initdb`
//! in a temporary directory, run as the unprivileged `postgres` account when
//! the tests run as root, listening on 127.0.0.1 only (and a socket in that
//! directory). One server per test process, started on first use; each test
//! gets a database of its own. When the test process ends, the server is
//! stopped and its directory removed.
//!
//! A machine where PostgreSQL cannot start fails these tests loudly: nothing
//! is skipped.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The running server; its watcher process holds the other end of a pipe
/// and stops the server when this process exits and the pipe closes.
pub struct PgServer {
    pub port: u16,
    bin: PathBuf,
    _watcher: Mutex<Child>,
}

/// The newest installed `/usr/lib/postgresql/<version>/bin`.
fn bin_dir() -> PathBuf {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    found.sort();
    match found.pop() {
        Some((_, bin)) => bin,
        None => panic!(
            "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): \
             the PostgreSQL tests need Debian's `postgresql` package; \
             ./scripts/test installs it (scripts/setup.sh, ensure_postgresql)"
        ),
    }
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// Runs `program` as the unprivileged `postgres` account when we are root.
fn as_server_user(program: &Path) -> Command {
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

impl PgServer {
    fn start() -> PgServer {
        let bin = bin_dir();
        let dir = tempfile::Builder::new()
            .prefix("debrief-pg-")
            .tempdir()
            .expect("temp dir")
            .keep();
        if is_root() {
            let status = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(&dir)
                .status()
                .expect("chown");
            assert!(
                status.success(),
                "could not give {} to postgres",
                dir.display()
            );
        }
        let data = dir.join("data");
        let out = as_server_user(&bin.join("initdb"))
            .arg("-D")
            .arg(&data)
            .args([
                "-U",
                "debrief",
                "--auth=trust",
                "--locale=C",
                "--lc-ctype=C.UTF-8",
                "--encoding=UTF8",
                "--no-sync",
            ])
            .output()
            .expect("run initdb");
        assert!(
            out.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let port = free_port();
        // The watcher starts the server, waits for its stdin to close (this
        // process ending), then stops the server and removes the directory.
        let postgres = bin.join("postgres");
        let run_as = if is_root() {
            "runuser -u postgres -- "
        } else {
            ""
        };
        let script = format!(
            "{run_as}'{postgres}' -D '{data}' -k '{dir}' -h 127.0.0.1 -p {port} \
               -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
               -c max_connections=400 > '{dir}/log' 2>&1 &\n\
             cat > /dev/null\n\
             pid=$(head -1 '{data}/postmaster.pid' 2>/dev/null)\n\
             [ -n \"$pid\" ] && kill -INT \"$pid\"\n\
             while [ -n \"$pid\" ] && kill -0 \"$pid\" 2>/dev/null; do sleep 0.1; done\n\
             rm -rf '{dir}'\n",
            postgres = postgres.display(),
            data = data.display(),
            dir = dir.display(),
        );
        let watcher = Command::new("sh")
            .args(["-c", &script])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the PostgreSQL watcher");
        let server = PgServer {
            port,
            bin,
            _watcher: Mutex::new(watcher),
        };
        let started = Instant::now();
        loop {
            let ready = Command::new(server.bin.join("pg_isready"))
                .args(["-q", "-h", "127.0.0.1", "-p", &port.to_string()])
                .status()
                .map(|s| s.success())
                .unwrap_or(false);
            if ready {
                break;
            }
            if started.elapsed() > Duration::from_secs(30) {
                let log = std::fs::read_to_string(dir.join("log")).unwrap_or_default();
                panic!("PostgreSQL did not start within 30 s on port {port}:\n{log}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        server
    }

    /// Runs SQL through `psql` on database `db`; panics with its message.
    pub fn psql(&self, db: &str, sql: &str) -> String {
        let mut child = Command::new(self.bin.join("psql"))
            .args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"])
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                "debrief",
            ])
            .args(["-d", db])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run psql");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(sql.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "psql failed on {sql:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .unwrap()
            .trim_end()
            .to_string()
    }

    /// A new, empty database; returns its URL.
    pub fn fresh_database(&self) -> String {
        let name = new_database_name();
        self.psql("postgres", &format!("CREATE DATABASE {name}"));
        self.url(&name)
    }

    /// A new database copied from the one at `template` (a URL on this
    /// server, which nothing may be connected to); returns its URL.
    pub fn copy_of(&self, template: &str) -> String {
        let source = template.rsplit('/').next().expect("a database URL");
        let name = new_database_name();
        self.psql(
            "postgres",
            &format!("CREATE DATABASE {name} TEMPLATE {source}"),
        );
        self.url(&name)
    }

    pub fn url(&self, database: &str) -> String {
        format!("postgres://debrief@127.0.0.1:{}/{database}", self.port)
    }
}

/// A database name no other database of this test process has.
fn new_database_name() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(1);
    format!(
        "debrief_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// The test process's PostgreSQL server, started on first use.
pub fn server() -> &'static PgServer {
    static SERVER: OnceLock<PgServer> = OnceLock::new();
    SERVER.get_or_init(PgServer::start)
}
