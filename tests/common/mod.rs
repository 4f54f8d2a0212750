//! Test harness: starts the real `debrief` binary on a free loopback port with a
//! fresh SQLite file in a temp folder, and talks to it over real HTTP.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

pub struct Server {
    child: Child,
    pub base: String,
    pub db_path: PathBuf,
    pub dir: tempfile::TempDir,
    pub http: reqwest::Client,
}

impl Server {
    pub fn start() -> Server {
        let dir = tempfile::tempdir().expect("temp dir");
        let db_path = dir.path().join("debrief.db");
        Server::start_on(dir, db_path)
    }

    /// Starts a server on an existing data folder (e.g. to restart it).
    pub fn start_on(dir: tempfile::TempDir, db_path: PathBuf) -> Server {
        let (child, base) =
            spawn(&db_path).unwrap_or_else(|stderr| panic!("server did not start: {stderr}"));
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Server {
            child,
            base,
            db_path,
            dir,
            http,
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

    /// Follows a form post's redirect: the address it went to and the page there.
    pub async fn follow(&self, res: reqwest::Response) -> (String, String) {
        assert_eq!(res.status(), 302, "a form post answers with a redirect");
        let location = res.headers()["location"].to_str().unwrap().to_string();
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

    /// Stops the server and hands back its data folder.
    pub fn stop(mut self) -> (tempfile::TempDir, PathBuf) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let dir = std::mem::replace(&mut self.dir, tempfile::tempdir().unwrap());
        (dir, self.db_path.clone())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the binary; returns it and its base URL, or what it printed on stderr.
pub fn spawn(db_path: &std::path::Path) -> Result<(Child, String), String> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_debrief"))
        .args(["--listen", "127.0.0.1:0", "--database-url"])
        .arg(db_path)
        .args(["--log-level", "warn"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
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
            std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
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

/// Runs one statement directly on a database file (to set up a case the app
/// itself would never produce).
pub async fn execute_sql(db_path: &std::path::Path, sql: &str) {
    use sqlx::Connection;
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db_path.display()))
        .await
        .unwrap();
    sqlx::query(sql).execute(&mut conn).await.unwrap();
    conn.close().await.unwrap();
}

/// Every row of every table, as text: to prove a refused request changed nothing.
pub async fn dump(db_path: &std::path::Path) -> String {
    use sqlx::{Connection, Row};
    let mut conn =
        sqlx::SqliteConnection::connect(&format!("sqlite://{}?mode=ro", db_path.display()))
            .await
            .unwrap();
    let mut out = String::new();
    for table in ["incidents", "incident_services"] {
        let rows = sqlx::query(&format!("SELECT * FROM {table} ORDER BY 1, 2"))
            .fetch_all(&mut conn)
            .await
            .unwrap();
        for row in rows {
            let cells: Vec<String> = (0..row.len())
                .map(|i| {
                    row.try_get::<Option<String>, _>(i)
                        .map(|v| format!("{v:?}"))
                        .or_else(|_| row.try_get::<Option<i64>, _>(i).map(|v| format!("{v:?}")))
                        .unwrap_or_else(|_| "?".into())
                })
                .collect();
            out.push_str(&format!("{table}: {}\n", cells.join(" | ")));
        }
    }
    conn.close().await.unwrap();
    out
}

/// The incident numbers listed on an incident-list page, in order.
pub fn listed_numbers(html: &str) -> Vec<i64> {
    html.split("<tr data-number=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next()?.parse().ok())
        .collect()
}
