//! The README's reverse-proxy example, run as written (only its ports
//! changed): nginx in front of two instances on one PostgreSQL database. A
//! person signs in through the proxy and stays signed in whichever instance
//! answers; a failed sign-in is counted against the client's address (from
//! the proxy's X-Forwarded-For), not one the client claims; and when one
//! instance dies the proxy's requests go to the other without the person
//! noticing.

use crate::common;

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{Client, PASSWORD, Server, postgres};

/// The nginx configuration between the README's proxy-config markers.
fn readme_config() -> String {
    let readme = std::fs::read_to_string(
        std::path::PathBuf::from(
            std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
        )
        .join("README.md"),
    )
    .unwrap();
    let start = readme
        .find("<!-- proxy-config -->")
        .expect("the README's proxy example");
    let end = readme
        .find("<!-- /proxy-config -->")
        .expect("its end marker");
    let block = &readme[start..end];
    let body = block.split("```nginx\n").nth(1).expect("an nginx block");
    body.split("```").next().unwrap().to_string()
}

struct Nginx(Child);

impl Drop for Nginx {
    fn drop(&mut self) {
        // SIGTERM: the master stops its workers (SIGKILL would orphan them).
        // SAFETY: kill has no memory preconditions; the pid is our child's.
        unsafe { libc::kill(self.0.id() as i32, libc::SIGTERM) };
        let _ = self.0.wait();
    }
}

fn host_port(base: &str) -> &str {
    base.trim_start_matches("http://")
}

#[tokio::test]
async fn the_readme_proxy_config_serves_two_instances_and_survives_losing_one() {
    if common::not_in_the_postgres_run("it starts PostgreSQL servers of its own") {
        return;
    }
    let url = postgres::server().fresh_database();
    let trusted = ["--trusted-proxies", "127.0.0.1"];
    let a = Server::start_on_url_with(&url, true, &trusted);
    let b = Server::start_on_url_with(&url, false, &trusted);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = readme_config()
        .replace("127.0.0.1:3001", host_port(&a.base))
        .replace("127.0.0.1:3002", host_port(&b.base))
        .replace("listen 8080;", &format!("listen 127.0.0.1:{port};"));
    assert!(config.contains(host_port(&a.base)) && config.contains(host_port(&b.base)));
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("nginx.conf");
    std::fs::write(&conf, config).unwrap();
    let prefix = format!("{}/", dir.path().display());
    let nginx = Nginx(
        Command::new("/usr/sbin/nginx")
            .args(["-p", &prefix, "-c"])
            .arg(&conf)
            .args([
                "-g",
                &format!("daemon off; pid {prefix}nginx.pid; error_log {prefix}error.log;"),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("nginx (scripts/setup.sh installs it)"),
    );
    let proxy = format!("http://127.0.0.1:{port}");
    let anonymous = Client::new(&proxy, None);
    let mut up = false;
    for _ in 0..100 {
        if let Ok(res) = anonymous.http.get(anonymous.url("/healthz")).send().await
            && res.status().is_success()
        {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        up,
        "nginx did not answer: {}",
        std::fs::read_to_string(dir.path().join("error.log")).unwrap_or_default()
    );

    // A client on another address (127.0.0.3, so it is not the proxy)
    // claims to be 203.0.113.99; the instances believe only the proxy.
    let elsewhere = Client {
        base: proxy.clone(),
        http: reqwest::Client::builder()
            .local_address("127.0.0.3".parse::<std::net::IpAddr>().unwrap())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        cookie: None,
    };
    let res = elsewhere
        .http
        .post(elsewhere.url("/api/auth/login"))
        .header("x-forwarded-for", "203.0.113.99")
        .form(&[
            ("login", "viewer"),
            ("password", "not the password"),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401, "{}", res.text().await.unwrap());
    let name = url.rsplit('/').next().unwrap();
    assert_eq!(
        postgres::server().psql(
            name,
            "SELECT string_agg(key, ',' ORDER BY key) FROM sign_in_failures"
        ),
        "account:viewer,address:127.0.0.3,pair:127.0.0.3 viewer"
    );

    let cookie = anonymous
        .try_sign_in("editor", PASSWORD)
        .await
        .expect("signing in through the proxy");
    let person = Client::new(&proxy, Some(cookie));
    // Round robin: these go to both instances in turn.
    for _ in 0..6 {
        let page = person.page("/incidents/new").await;
        assert!(page.contains("Editor person"), "{page}");
    }
    let res = person
        .post(
            "/api/incidents/create",
            &common::incident_form("Checkout latency behind the proxy", "outage", "checkout"),
        )
        .await;
    assert_eq!(res.status(), 200);

    // One instance dies; the proxy sends everything to the other.
    drop(a);
    for _ in 0..4 {
        let page = person.page("/incidents/1").await;
        assert!(page.contains("Checkout latency behind the proxy"), "{page}");
    }
    drop(nginx);
    drop(b);
}
