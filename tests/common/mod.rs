//! Test harness: starts the real `debrief` binary on a free loopback port with a
//! fresh database, and talks to it over real HTTP. The database is a SQLite
//! file in a temp folder, or, with `DEBRIEF_TEST_DATABASE=postgres`, a fresh
//! database on the test process's throwaway PostgreSQL server (`postgres`):
//! the same tests then run against PostgreSQL. `Server::db_path` is then
//! that database's URL; the query helpers below take either.

#![allow(dead_code)]

pub mod postgres;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;

/// The password of every account the harness creates.
pub const PASSWORD: &str = "correct horse battery staple";

/// The accounts every test server starts with: login name and role.
pub const ACCOUNTS: &[(&str, &str)] = &[
    ("admin", "admin"),
    ("editor", "editor"),
    ("viewer", "viewer"),
];

/// A running server. It dereferences to a client signed in as "editor", the
/// role that writes incidents; `as_user` and `anonymous` give others.
pub struct Server {
    child: Child,
    pub db_path: PathBuf,
    pub dir: tempfile::TempDir,
    client: Client,
}

/// HTTP to the server as one caller (a session cookie, or none).
#[derive(Clone)]
pub struct Client {
    pub base: String,
    pub http: reqwest::Client,
    pub cookie: Option<String>,
}

impl std::ops::Deref for Server {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self.client
    }
}

/// Flags for a server whose webhooks go to a receiver the test runs on
/// 127.0.0.1 (without them, a loopback endpoint is refused).
pub const WEBHOOKS_TO_LOOPBACK: [&str; 2] = ["--webhook-allowed-networks", "127.0.0.1/32"];

/// "Editor person" for "editor": the display name the harness gives an account.
pub fn display_name(login: &str) -> String {
    let mut chars = login.chars();
    let first = chars
        .next()
        .map(|c| c.to_uppercase().to_string())
        .unwrap_or_default();
    format!("{first}{} person", chars.as_str())
}

/// Creates an account with the real command line, the password on stdin.
pub fn add_user(db_path: impl AsRef<std::ffi::OsStr>, login: &str, role: &str) {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_debrief"))
        .args(["user", "add", "--role", role, "--display-name"])
        .arg(display_name(login))
        .arg(login)
        .arg("--database-url")
        .arg(db_path)
        .args(["--log-level", "warn"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn debrief user add");
    writeln!(child.stdin.take().unwrap(), "{PASSWORD}").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "user add {login}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Creates the three `ACCOUNTS` with the real command line.
pub fn add_accounts(db_path: impl AsRef<std::ffi::OsStr>) {
    for (login, role) in ACCOUNTS {
        add_user(&db_path, login, role);
    }
}

/// Whether this run's servers use PostgreSQL (`DEBRIEF_TEST_DATABASE=postgres`)
/// rather than SQLite (unset, or `sqlite`). Any other value stops the run.
pub fn on_postgres() -> bool {
    match std::env::var("DEBRIEF_TEST_DATABASE").as_deref() {
        Err(_) | Ok("") | Ok("sqlite") => false,
        Ok("postgres") => true,
        Ok(other) => panic!("DEBRIEF_TEST_DATABASE={other:?}: use sqlite or postgres"),
    }
}

/// Whether a test that means one backend whatever the run should pass by:
/// the tests of SQLite's own file (backup copies, faults under it) and those
/// that start PostgreSQL servers of their own run in the default (SQLite)
/// run only. Says why when it passes a test by.
pub fn not_in_the_postgres_run(why: &str) -> bool {
    let skip = on_postgres();
    if skip {
        eprintln!("passed by in the PostgreSQL run: {why}");
    }
    skip
}

/// A new, empty database for one server: a file path in `dir`, or a
/// PostgreSQL URL.
pub fn fresh_database(dir: &tempfile::TempDir) -> PathBuf {
    if on_postgres() {
        PathBuf::from(postgres::server().fresh_database())
    } else {
        dir.path().join("debrief.db")
    }
}

/// A new database that already holds the three `ACCOUNTS`: a copy of one
/// the real command line made once for this test process (`add_user` on a
/// fresh database, which also applies the migrations), so each server does
/// not spawn three processes and hash three passwords before it starts.
pub fn database_with_accounts(dir: &tempfile::TempDir) -> PathBuf {
    if on_postgres() {
        static TEMPLATE: OnceLock<String> = OnceLock::new();
        let pg = postgres::server();
        let template = TEMPLATE.get_or_init(|| {
            let url = pg.fresh_database();
            add_accounts(&url);
            url
        });
        PathBuf::from(pg.copy_of(template))
    } else {
        sqlite_with_accounts(dir)
    }
}

/// A new SQLite file in `dir` that holds the three `ACCOUNTS`, whatever the
/// run's database (see `database_with_accounts`).
pub fn sqlite_with_accounts(dir: &tempfile::TempDir) -> PathBuf {
    static TEMPLATE: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, template) = TEMPLATE.get_or_init(|| {
        let folder = tempfile::tempdir().expect("temp dir");
        let file = folder.path().join("debrief.db");
        add_accounts(&file);
        (folder, file)
    });
    let db_path = dir.path().join("debrief.db");
    // No process has the template open: the file, and a write-ahead log if
    // one was left, are the whole database.
    std::fs::copy(template, &db_path).expect("copy the template database");
    let log = template.with_extension("db-wal");
    if log.exists() {
        std::fs::copy(&log, db_path.with_extension("db-wal")).expect("copy its log");
    }
    db_path
}

fn postgres_url(db: &std::path::Path) -> Option<&str> {
    db.to_str().filter(|s| s.starts_with("postgres://"))
}

impl Server {
    /// A server on a fresh database with the three `ACCOUNTS`.
    pub fn start() -> Server {
        let dir = tempfile::tempdir().expect("temp dir");
        let db_path = database_with_accounts(&dir);
        Server::start_on(dir, db_path)
    }

    /// Like `start`, with extra command-line flags for the server.
    pub fn start_with_args(args: &[&str]) -> Server {
        let dir = tempfile::tempdir().expect("temp dir");
        let db_path = database_with_accounts(&dir);
        Server::start_on_with(dir, db_path, args)
    }

    /// A server on a fresh database with no account at all (first run).
    pub fn start_empty() -> Server {
        let dir = tempfile::tempdir().expect("temp dir");
        let db_path = fresh_database(&dir);
        Server::start_on(dir, db_path)
    }

    /// A server on PostgreSQL database `url` (made with the three `ACCOUNTS`
    /// when `with_accounts`); `db_path` then holds the URL. Several such
    /// servers on one database are several instances of one deployment.
    pub fn start_on_url(url: &str, with_accounts: bool) -> Server {
        Server::start_on_url_with(url, with_accounts, &[])
    }

    /// `start_on_url`, with extra command-line flags for the server.
    pub fn start_on_url_with(url: &str, with_accounts: bool, args: &[&str]) -> Server {
        if with_accounts {
            add_accounts(url);
        }
        Server::start_on_with(
            tempfile::tempdir().expect("temp dir"),
            PathBuf::from(url),
            args,
        )
    }

    /// A server on a fresh SQLite file with the three `ACCOUNTS`, whatever
    /// the run's database (for moving a SQLite deployment elsewhere).
    pub fn start_sqlite() -> Server {
        let dir = tempfile::tempdir().expect("temp dir");
        let db_path = sqlite_with_accounts(&dir);
        Server::start_on(dir, db_path)
    }

    /// Starts a server on an existing data folder (e.g. to restart it), signed
    /// in as "editor" when that account exists.
    pub fn start_on(dir: tempfile::TempDir, db_path: PathBuf) -> Server {
        Server::start_on_with(dir, db_path, &[])
    }

    fn start_on_with(dir: tempfile::TempDir, db_path: PathBuf, args: &[&str]) -> Server {
        // On PostgreSQL the files go where they would beside a SQLite file.
        let files = [
            "--attachments-dir".to_string(),
            dir.path().join("attachments").display().to_string(),
            "--staging-dir".to_string(),
            dir.path().join("staging").display().to_string(),
        ];
        let mut args = args.to_vec();
        if postgres_url(&db_path).is_some() {
            add_missing_flags(&mut args, &files);
        }
        let (child, base) = spawn_with(&db_path, &args)
            .unwrap_or_else(|stderr| panic!("server did not start: {stderr}"));
        let anonymous = Client::new(&base, None);
        let cookie = std::thread::scope(|s| {
            s.spawn(|| {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap()
                    .block_on(anonymous.try_sign_in("editor", PASSWORD))
            })
            .join()
            .unwrap()
        });
        Server {
            child,
            db_path,
            dir,
            client: Client::new(&base, cookie.ok()),
        }
    }

    /// The server's process id (to read its memory, say).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn anonymous(&self) -> Client {
        Client::new(&self.base, None)
    }

    /// A new session for `login` (a new sign-in each time).
    pub async fn as_user(&self, login: &str) -> Client {
        let cookie = self
            .anonymous()
            .try_sign_in(login, PASSWORD)
            .await
            .unwrap_or_else(|e| panic!("sign in as {login}: {e}"));
        Client::new(&self.base, Some(cookie))
    }
}

impl Client {
    pub fn new(base: &str, cookie: Option<String>) -> Client {
        let mut headers = reqwest::header::HeaderMap::new();
        if let Some(cookie) = &cookie {
            headers.insert("cookie", cookie.parse().unwrap());
        }
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .default_headers(headers)
            .build()
            .unwrap();
        Client {
            base: base.to_string(),
            http,
            cookie,
        }
    }

    /// Signs in; returns the session cookie ("debrief_session=…") or the refusal.
    pub async fn try_sign_in(&self, login: &str, password: &str) -> Result<String, String> {
        let res = self
            .post(
                "/api/auth/login",
                &[("login", login), ("password", password), ("next", "/")],
            )
            .await;
        let status = res.status();
        let cookie = session_cookie(&res);
        let body = res.text().await.unwrap();
        match (status.is_success(), cookie) {
            (true, Some(cookie)) => Ok(cookie),
            _ => Err(format!("{status}: {body}")),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http.get(self.url(path)).send().await.expect("GET")
    }

    pub async fn page(&self, path: &str) -> String {
        let res = self.get(path).await;
        assert_eq!(res.status(), 200, "GET {path}");
        res.text().await.unwrap()
    }

    /// Posts a form as a script would (no `Accept: text/html`).
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.http
            .post(self.url(path))
            .form(form)
            .send()
            .await
            .expect("POST")
    }

    /// Posts a form as a browser without JavaScript would.
    pub async fn post_as_html_form(
        &self,
        path: &str,
        referer: &str,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        self.http
            .post(self.url(path))
            .header("accept", "text/html,application/xhtml+xml")
            .header("referer", self.url(referer))
            .form(form)
            .send()
            .await
            .expect("POST")
    }

    /// Attaches a file to incident #1 as a script would (multipart); with
    /// `event`, to that event of its timeline.
    pub async fn upload(
        &self,
        file_name: &str,
        bytes: Vec<u8>,
        event: Option<&str>,
    ) -> reqwest::Response {
        self.send_upload(file_name, bytes, event, false).await
    }

    /// Attaches a file as a browser without JavaScript would.
    pub async fn upload_as_html_form(&self, file_name: &str, bytes: Vec<u8>) -> reqwest::Response {
        self.send_upload(file_name, bytes, None, true).await
    }

    async fn send_upload(
        &self,
        file_name: &str,
        bytes: Vec<u8>,
        event: Option<&str>,
        as_html_form: bool,
    ) -> reqwest::Response {
        let mut form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_string()),
        );
        if let Some(event) = event {
            form = form.text("event", event.to_string());
        }
        let mut request = self.http.post(self.url("/incidents/1/attachments"));
        if as_html_form {
            request = request.header("accept", "text/html");
        }
        request.multipart(form).send().await.expect("upload")
    }

    /// Posts files (multipart, each as a `file` part) to `path`, as a script
    /// uploads transcripts, attachments or archives.
    pub async fn post_files(&self, path: &str, files: Vec<(&str, Vec<u8>)>) -> reqwest::Response {
        let mut form = reqwest::multipart::Form::new();
        for (name, bytes) in files {
            form = form.part(
                "file",
                reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
            );
        }
        self.http
            .post(self.url(path))
            .multipart(form)
            .send()
            .await
            .expect("POST files")
    }

    /// Follows a form post's redirect: the address it went to and the page there.
    pub async fn follow(&self, res: reqwest::Response) -> (String, String) {
        assert!(
            matches!(res.status().as_u16(), 302 | 303),
            "a form post answers with a redirect, not {}",
            res.status()
        );
        let mut location = res.headers()["location"].to_str().unwrap().to_string();
        if location.starts_with('/') {
            location = self.url(&location);
        }
        let page = self
            .http
            .get(&location)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        (location, page)
    }
}

impl Server {
    /// Stops the server and hands back what it wrote to stderr (its log).
    pub fn stop_and_read_log(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let mut stderr = self
            .child
            .stderr
            .take()
            .expect("the server's stderr is captured (unset DEBRIEF_TEST_LOG for this test)");
        let mut log = String::new();
        std::io::Read::read_to_string(&mut stderr, &mut log).unwrap();
        log
    }

    /// Stops the server and hands back its data folder.
    pub fn stop(mut self) -> (tempfile::TempDir, PathBuf) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let dir = std::mem::replace(&mut self.dir, tempfile::tempdir().unwrap());
        (dir, self.db_path.clone())
    }
}

impl Server {
    /// Sends SIGTERM and waits up to `limit` for the process to exit;
    /// `None` if it was still running then (it is killed).
    pub fn terminate_within(
        &mut self,
        limit: std::time::Duration,
    ) -> Option<std::process::ExitStatus> {
        // SAFETY: kill only sends a signal to our own child.
        unsafe {
            libc::kill(self.child.id() as i32, libc::SIGTERM);
        }
        let deadline = std::time::Instant::now() + limit;
        while std::time::Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let _ = self.child.kill();
        None
    }

    /// Everything the server wrote to its standard error so far (the
    /// process must have exited).
    pub fn stderr(&mut self) -> String {
        let mut text = String::new();
        if let Some(mut stderr) = self.child.stderr.take() {
            let _ = std::io::Read::read_to_string(&mut stderr, &mut text);
        }
        text
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The session cookie a response sets, as "name=value".
pub fn session_cookie(res: &reqwest::Response) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("debrief_session="))
        .map(|v| v.split(';').next().unwrap().to_string())
}

/// Starts the binary; returns it and its base URL, or what it printed on stderr.
pub fn spawn(db_path: impl AsRef<std::ffi::OsStr>) -> Result<(Child, String), String> {
    spawn_with(db_path, &[])
}

/// Adds each flag-and-value pair of `pairs` whose flag `args` lacks.
fn add_missing_flags<'a>(args: &mut Vec<&'a str>, pairs: &'a [String]) {
    for pair in pairs.chunks(2) {
        if !args.contains(&pair[0].as_str()) {
            args.extend(pair.iter().map(String::as_str));
        }
    }
}

/// `spawn`, with extra flags.
pub fn spawn_with(
    db_path: impl AsRef<std::ffi::OsStr>,
    args: &[&str],
) -> Result<(Child, String), String> {
    // On PostgreSQL the files' folders default to data/ under the working
    // directory: a server started without them gets folders under cargo's
    // scratch space for tests, not the repository's data/.
    let scratch = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("debrief-files");
    let scratch_args = [
        "--attachments-dir".to_string(),
        scratch.join("attachments").display().to_string(),
        "--staging-dir".to_string(),
        scratch.join("staging").display().to_string(),
    ];
    // Quiet unless the test asks for a log level of its own.
    let log_level = ["--log-level".to_string(), "warn".to_string()];
    let mut args = args.to_vec();
    let on_url = db_path
        .as_ref()
        .to_str()
        .is_some_and(|s| s.starts_with("postgres://"));
    if on_url {
        add_missing_flags(&mut args, &scratch_args);
    }
    add_missing_flags(&mut args, &log_level);
    let mut child = Command::new(env!("CARGO_BIN_EXE_debrief"))
        .args(["--listen", "127.0.0.1:0", "--database-url"])
        .arg(db_path)
        .args(&args)
        .stdout(Stdio::piped())
        // DEBRIEF_TEST_LOG=1 shows the servers' logs (to debug a test).
        .stderr(if std::env::var_os("DEBRIEF_TEST_LOG").is_some() {
            Stdio::inherit()
        } else {
            Stdio::piped()
        })
        .spawn()
        .expect("spawn debrief");
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    match line.split_whitespace().find(|w| w.starts_with("http://")) {
        Some(url) => Ok((child, url.to_string())),
        None => {
            let _ = child.wait();
            let mut err = String::new();
            if let Some(mut stderr) = child.stderr.take() {
                std::io::Read::read_to_string(&mut stderr, &mut err).unwrap();
            }
            Err(err)
        }
    }
}

/// A valid incident form, as field pairs; override by appending pairs.
pub fn incident_form<'a>(
    title: &'a str,
    severity: &'a str,
    services: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("form[title]", title),
        ("form[severity]", severity),
        ("form[status]", "investigating"),
        ("form[services]", services),
        ("form[commander]", "Robin"),
        ("form[time_zone]", "Europe/Paris"),
        ("form[impact_started][at]", "2026-03-04 14:00"),
        ("form[detected][at]", "2026-03-04 14:06"),
        ("form[notified][at]", "2026-03-04 14:10"),
        ("form[responded][at]", "2026-03-04 14:13"),
        ("form[diagnosed][at]", "2026-03-04 15:00"),
        ("form[repaired][at]", "2026-03-04 15:35"),
        ("form[summary]", "Responders saw **latency** first."),
    ]
}

/// Replaces (or adds) a field in a form.
pub fn with<'a>(
    mut form: Vec<(&'a str, &'a str)>,
    key: &'a str,
    value: &'a str,
) -> Vec<(&'a str, &'a str)> {
    form.retain(|(k, _)| *k != key);
    form.push((key, value));
    form
}

/// A connection to either kind of test database.
enum Conn {
    Sqlite(sqlx::SqliteConnection),
    Postgres(sqlx::PgConnection),
}

async fn connect(db: &std::path::Path, read_only: bool) -> Conn {
    use sqlx::Connection;
    match postgres_url(db) {
        Some(url) => Conn::Postgres(sqlx::PgConnection::connect(url).await.unwrap()),
        None => {
            let mode = if read_only { "?mode=ro" } else { "" };
            Conn::Sqlite(
                sqlx::SqliteConnection::connect(&format!("sqlite://{}{mode}", db.display()))
                    .await
                    .unwrap(),
            )
        }
    }
}

impl Conn {
    async fn close(self) {
        use sqlx::Connection;
        match self {
            Conn::Sqlite(c) => c.close().await.unwrap(),
            Conn::Postgres(c) => c.close().await.unwrap(),
        }
    }
}

/// Reads one number from the database (a file path, or a PostgreSQL URL).
pub async fn query_i64(db_path: &std::path::Path, sql: &str) -> i64 {
    let mut conn = connect(db_path, false).await;
    let value: i64 = match &mut conn {
        Conn::Sqlite(c) => sqlx::query_scalar(sql).fetch_one(c).await.unwrap(),
        Conn::Postgres(c) => sqlx::query_scalar(sql).fetch_one(c).await.unwrap(),
    };
    conn.close().await;
    value
}

/// Reads one text value from the database.
pub async fn query_text(db_path: &std::path::Path, sql: &str) -> String {
    let mut conn = connect(db_path, false).await;
    let value: String = match &mut conn {
        Conn::Sqlite(c) => sqlx::query_scalar(sql).fetch_one(c).await.unwrap(),
        Conn::Postgres(c) => sqlx::query_scalar(sql).fetch_one(c).await.unwrap(),
    };
    conn.close().await;
    value
}

/// Reads pairs of numbers (two columns) from the database.
pub async fn query_pairs(db_path: &std::path::Path, sql: &str) -> Vec<(i64, i64)> {
    let mut conn = connect(db_path, false).await;
    let rows: Vec<(i64, i64)> = match &mut conn {
        Conn::Sqlite(c) => sqlx::query_as(sql).fetch_all(c).await.unwrap(),
        Conn::Postgres(c) => sqlx::query_as(sql).fetch_all(c).await.unwrap(),
    };
    conn.close().await;
    rows
}

/// "ok" when the database is intact: SQLite's own check of the file; on
/// PostgreSQL (which checks its own storage), that no row points at a
/// missing one where the schema has no foreign key to guarantee it.
pub async fn integrity_check(db_path: &std::path::Path) -> String {
    if postgres_url(db_path).is_none() {
        return query_text(db_path, "PRAGMA integrity_check").await;
    }
    let orphans = query_i64(
        db_path,
        "SELECT (SELECT count(*) FROM transcript_lines l WHERE l.duplicate_of IS NOT NULL \
                 AND NOT EXISTS (SELECT 1 FROM transcript_lines d WHERE d.id = l.duplicate_of)) \
              + (SELECT count(*) FROM search_refs r WHERE r.kind = 'incident' \
                 AND NOT EXISTS (SELECT 1 FROM incidents i WHERE i.id = r.ref))",
    )
    .await;
    if orphans == 0 {
        "ok".into()
    } else {
        format!("{orphans} rows point at missing ones")
    }
}

/// Runs one statement directly on the database (to set up a case the app
/// itself would never produce).
pub async fn execute_sql(db_path: &std::path::Path, sql: &str) {
    let mut conn = connect(db_path, false).await;
    match &mut conn {
        Conn::Sqlite(c) => {
            sqlx::query(sql).execute(c).await.unwrap();
        }
        Conn::Postgres(c) => {
            sqlx::query(sql).execute(c).await.unwrap();
        }
    }
    conn.close().await;
}

/// One cell as text, whatever its type.
fn cell<R: sqlx::Row>(row: &R, i: usize) -> String
where
    usize: sqlx::ColumnIndex<R>,
    Option<String>: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Option<i64>: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Option<bool>: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Option<f64>: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    row.try_get::<Option<String>, _>(i)
        .map(|v| format!("{v:?}"))
        .or_else(|_| row.try_get::<Option<i64>, _>(i).map(|v| format!("{v:?}")))
        .or_else(|_| {
            row.try_get::<Option<bool>, _>(i)
                .map(|v| format!("{:?}", v.map(i64::from)))
        })
        .or_else(|_| row.try_get::<Option<f64>, _>(i).map(|v| format!("{v:?}")))
        .unwrap_or_else(|_| "?".into())
}

/// Every row of every table, as text: to prove a refused request changed nothing.
pub async fn dump(db_path: &std::path::Path) -> String {
    use sqlx::Row;
    let mut conn = connect(db_path, true).await;
    let mut out = String::new();
    // Every table a deployment's data lives in, as the app lists them.
    for (table, _) in app::db::COPIED_TABLES {
        let sql = format!("SELECT * FROM {table} ORDER BY 1, 2");
        let rows: Vec<Vec<String>> = match &mut conn {
            Conn::Sqlite(c) => sqlx::query(&sql)
                .fetch_all(c)
                .await
                .unwrap()
                .iter()
                .map(|r| (0..r.len()).map(|i| cell(r, i)).collect())
                .collect(),
            Conn::Postgres(c) => sqlx::query(&sql)
                .fetch_all(c)
                .await
                .unwrap()
                .iter()
                .map(|r| (0..r.len()).map(|i| cell(r, i)).collect())
                .collect(),
        };
        for cells in rows {
            out.push_str(&format!("{table}: {}\n", cells.join(" | ")));
        }
    }
    conn.close().await;
    out
}

/// The incident numbers listed on an incident-list page, in order.
pub fn listed_numbers(html: &str) -> Vec<i64> {
    html.split("<tr data-number=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next()?.parse().ok())
        .collect()
}

/// An answer read off the wire by [`raw_request`].
#[derive(Debug)]
pub struct RawResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Sends one request with `target` exactly as written (no client library
/// resolves its dot segments or escapes) and reads the whole answer.
pub async fn raw_request(
    base: &str,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> RawResponse {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let authority = base.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = tokio::net::TcpStream::connect(authority).await.unwrap();
    let mut request = format!("{method} {target} HTTP/1.1\r\nConnection: close\r\n");
    if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("host")) {
        request.push_str(&format!("Host: {authority}\r\n"));
    }
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    if !body.is_empty() || method == "POST" {
        request.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("an HTTP head");
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let mut payload = raw[split + 4..].to_vec();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    let chunked = headers.iter().any(|(n, v)| {
        n.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case("chunked")
    });
    if chunked {
        let mut decoded = Vec::new();
        let mut rest = payload.as_slice();
        while let Some(end) = rest.windows(2).position(|w| w == b"\r\n") {
            let size = usize::from_str_radix(
                String::from_utf8_lossy(&rest[..end])
                    .split(';')
                    .next()
                    .unwrap()
                    .trim(),
                16,
            )
            .unwrap_or(0);
            if size == 0 {
                break;
            }
            let start = end + 2;
            decoded.extend_from_slice(&rest[start..(start + size).min(rest.len())]);
            rest = &rest[(start + size + 2).min(rest.len())..];
        }
        payload = decoded;
    }
    RawResponse {
        status,
        headers,
        body: String::from_utf8_lossy(&payload).to_string(),
    }
}
