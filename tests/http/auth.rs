//! Signing in and out, sessions, first-run setup, login throttling, CSRF and
//! security headers, through the real server over HTTP.

use crate::common;

use common::{
    Client, PASSWORD, Server, dump, execute_sql, incident_form, query_text, session_cookie,
};

async fn login(client: &Client, name: &str, password: &str) -> reqwest::Response {
    client
        .post(
            "/api/auth/login",
            &[
                ("login", name),
                ("password", password),
                ("next", "/incidents"),
            ],
        )
        .await
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_name_are_refused_alike() {
    let server = Server::start();
    let anonymous = server.anonymous();
    let wrong = login(&anonymous, "viewer", "not the password at all").await;
    assert_eq!(wrong.status(), 401);
    assert!(session_cookie(&wrong).is_none());
    let wrong = wrong.text().await.unwrap();
    let unknown = login(&anonymous, "nobody", PASSWORD).await;
    assert_eq!(unknown.status(), 401);
    let unknown = unknown.text().await.unwrap();
    assert_eq!(wrong, unknown, "no hint which of the two was wrong");
    assert!(wrong.contains("SignInFailed"), "{wrong}");

    let ok = login(&anonymous, "Viewer", PASSWORD).await;
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.headers()["location"], "/incidents");
    let set_cookie = ok
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|v| v.starts_with("debrief_session="))
        .unwrap();
    for attribute in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/"] {
        assert!(
            set_cookie.contains(attribute),
            "{attribute} in {set_cookie}"
        );
    }
}

#[tokio::test]
async fn sign_in_returns_only_to_this_site() {
    let server = Server::start();
    let res = server
        .anonymous()
        .post(
            "/api/auth/login",
            &[
                ("login", "viewer"),
                ("password", PASSWORD),
                ("next", "https://evil.example/"),
            ],
        )
        .await;
    assert_eq!(res.headers()["location"], "/");
}

#[tokio::test]
async fn too_many_failures_from_an_address_make_it_wait_even_with_the_right_password() {
    let server = Server::start();
    let anonymous = server.anonymous();
    for _ in 0..5 {
        assert_eq!(
            login(&anonymous, "viewer", "wrong password!")
                .await
                .status(),
            401
        );
    }
    let limited = login(&anonymous, "viewer", PASSWORD).await;
    assert_eq!(limited.status(), 429);
    let retry: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry > 0 && retry <= 15 * 60, "{retry}");
    let text = limited.text().await.unwrap();
    assert!(text.contains("TooManyAttempts"), "{text}");
    assert!(
        text.contains("Too many failed sign-ins for this account from this address. Try again in")
            && text.contains(" s."),
        "{text}"
    );
    // Another account is not held up by this one.
    assert_eq!(login(&anonymous, "editor", PASSWORD).await.status(), 200);
}

/// A client whose connections come from `address` (a loopback address
/// other than the server's 127.0.0.1 stands for another machine).
fn from_address(server: &Server, address: &str) -> Client {
    Client {
        base: server.base.clone(),
        http: reqwest::Client::builder()
            .local_address(address.parse::<std::net::IpAddr>().unwrap())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        cookie: None,
    }
}

#[tokio::test]
async fn failures_from_one_address_do_not_lock_the_owner_out_from_another() {
    let server = Server::start();
    let guesser = from_address(&server, "127.0.0.2");
    let owner = from_address(&server, "127.0.0.3");
    for _ in 0..7 {
        let status = login(&guesser, "viewer", "a guess").await.status();
        assert!(status == 401 || status == 429, "{status}");
    }
    let held = login(&guesser, "viewer", PASSWORD).await;
    assert_eq!(held.status(), 429, "the guessing address still waits");
    assert!(
        held.text()
            .await
            .unwrap()
            .contains("Too many failed sign-ins for this account from this address"),
    );

    // A second address guesses too: ten failures for the account in all,
    // which slows its sign-ins a little but locks no one out.
    let another = from_address(&server, "127.0.0.4");
    for _ in 0..5 {
        assert_eq!(login(&another, "viewer", "a guess").await.status(), 401);
    }

    // The owner, elsewhere, signs in with the right password.
    let ok = login(&owner, "viewer", PASSWORD).await;
    assert_eq!(ok.status(), 200, "{}", ok.text().await.unwrap());
    assert!(session_cookie(&ok).is_some());

    // Signing in did not clear the guessing address's failures.
    let held = login(&guesser, "viewer", PASSWORD).await;
    assert_eq!(held.status(), 429);
    assert_eq!(
        query_text(
            &server.db_path,
            "SELECT COUNT(*) || ' ' || MIN(key) FROM sign_in_failures WHERE key LIKE 'pair:%'",
        )
        .await,
        "10 pair:127.0.0.2 viewer"
    );
}

#[tokio::test]
async fn logout_ends_the_session() {
    let server = Server::start();
    let viewer = server.as_user("viewer").await;
    assert_eq!(viewer.get("/incidents").await.status(), 200);
    let out = viewer.post("/api/auth/logout", &[]).await;
    assert_eq!(out.status(), 200);
    assert_eq!(out.headers()["location"], "/login");
    let after = viewer.get("/incidents").await;
    assert_eq!(after.status(), 303);
    assert_eq!(after.headers()["location"], "/login?next=/incidents");
}

#[tokio::test]
async fn an_expired_session_sends_the_person_to_sign_in() {
    let server = Server::start();
    let viewer = server.as_user("viewer").await;
    assert_eq!(viewer.get("/incidents").await.status(), 200);
    // The session store's own table: tower-sessions names it per backend.
    let table = if common::on_postgres() {
        "tower_sessions.session"
    } else {
        "tower_sessions"
    };
    execute_sql(
        &server.db_path,
        &format!("UPDATE {table} SET expiry_date = '2000-01-01T00:00:00Z'"),
    )
    .await;
    assert_eq!(viewer.get("/incidents").await.status(), 303);
    let api = viewer.post("/api/incidents/list", &[]).await;
    assert_eq!(api.status(), 401);
}

#[tokio::test]
async fn sessions_survive_a_restart() {
    let server = Server::start();
    let viewer = server.as_user("viewer").await;
    let cookie = viewer.cookie.clone();
    let (dir, db_path) = server.stop();
    let again = Server::start_on(dir, db_path);
    let same = Client::new(&again.base, cookie);
    assert_eq!(same.get("/incidents").await.status(), 200);
}

#[tokio::test]
async fn signing_in_issues_a_new_session_id() {
    let server = Server::start();
    let first = server.as_user("viewer").await;
    let res = first
        .post(
            "/api/auth/login",
            &[("login", "viewer"), ("password", PASSWORD), ("next", "/")],
        )
        .await;
    let second = session_cookie(&res).expect("a session cookie");
    assert_ne!(Some(second.clone()), first.cookie);
    // The id held before signing in no longer works.
    assert_eq!(first.get("/incidents").await.status(), 303);
    assert_eq!(
        Client::new(&server.base, Some(second))
            .get("/incidents")
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn a_changed_password_ends_the_other_sessions_only() {
    let server = Server::start();
    let here = server.as_user("viewer").await;
    let elsewhere = server.as_user("viewer").await;
    let res = here
        .post(
            "/api/account/change_password",
            &[
                ("current", PASSWORD),
                ("password", "a brand new passphrase"),
                ("password_confirm", "a brand new passphrase"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    assert_eq!(here.get("/incidents").await.status(), 200);
    assert_eq!(elsewhere.get("/incidents").await.status(), 303);
    assert_eq!(
        login(&server.anonymous(), "viewer", PASSWORD)
            .await
            .status(),
        401
    );
    assert_eq!(
        login(&server.anonymous(), "viewer", "a brand new passphrase")
            .await
            .status(),
        200
    );
    // A wrong current password changes nothing.
    let before = dump(&server.db_path).await;
    let refused = here
        .post(
            "/api/account/change_password",
            &[
                ("current", "not my password"),
                ("password", "yet another passphrase"),
                ("password_confirm", "yet another passphrase"),
            ],
        )
        .await;
    assert_eq!(refused.status(), 400);
    assert_eq!(dump(&server.db_path).await, before);
}

#[tokio::test]
async fn disabling_an_account_ends_its_sessions_and_the_last_admin_stays() {
    let server = Server::start();
    let admin = server.as_user("admin").await;
    let viewer = server.as_user("viewer").await;
    let viewer_id = query_text(
        &server.db_path,
        "SELECT id FROM users WHERE login = 'viewer'",
    )
    .await;
    let res = admin
        .post(
            "/api/admin/update_user",
            &[
                ("id", viewer_id.as_str()),
                ("version", "1"),
                ("display_name", "Viewer person"),
                ("role", "viewer"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    assert_eq!(viewer.get("/incidents").await.status(), 303);
    assert_eq!(
        login(&server.anonymous(), "viewer", PASSWORD)
            .await
            .status(),
        401
    );

    // The only administrator cannot demote themselves.
    let admin_id = query_text(
        &server.db_path,
        "SELECT id FROM users WHERE login = 'admin'",
    )
    .await;
    let res = admin
        .post(
            "/api/admin/update_user",
            &[
                ("id", admin_id.as_str()),
                ("version", "1"),
                ("display_name", "Admin person"),
                ("role", "editor"),
                ("active", "on"),
            ],
        )
        .await;
    assert_eq!(res.status(), 403);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("at least one active administrator")
    );

    // Both changes are in the audit log, by name.
    let log = admin.page("/admin/audit").await;
    assert!(log.contains("Admin person (admin)"), "{log}");
    assert!(log.contains("Disabled"), "{log}");
}

#[tokio::test]
async fn first_run_setup_creates_one_administrator_once() {
    let server = Server::start_empty();
    let visitor = server.anonymous();
    let home = visitor.get("/incidents").await;
    assert_eq!(home.status(), 303);
    assert_eq!(home.headers()["location"], "/setup");
    assert_eq!(visitor.get("/setup").await.status(), 200);
    let form = [
        ("form[login]", "ana"),
        ("form[display_name]", "Ana Lima"),
        ("form[role]", "viewer"),
        ("form[password]", "a long enough passphrase"),
        ("form[password_confirm]", "a long enough passphrase"),
    ];
    let res = visitor.post("/api/auth/setup", &form).await;
    assert_eq!(res.status(), 200);
    let cookie = session_cookie(&res).expect("signed in after setup");
    let ana = Client::new(&server.base, Some(cookie));
    let people = ana.page("/admin/users").await;
    assert!(
        people.contains("Ana Lima"),
        "the first account is an administrator"
    );

    // Setup is closed now, to everyone.
    let again = server.anonymous().post("/api/auth/setup", &form).await;
    assert_eq!(again.status(), 403);
    assert_eq!(
        server.anonymous().get("/setup").await.headers()["location"],
        "/login"
    );
}

#[tokio::test]
async fn cross_site_posts_are_refused_and_change_nothing() {
    let server = Server::start();
    let before = dump(&server.db_path).await;
    let form = incident_form("Forged", "outage", "api");
    for (header, value) in [
        ("origin", "https://evil.example"),
        ("sec-fetch-site", "cross-site"),
        ("origin", "null"),
    ] {
        let res = server
            .http
            .post(server.url("/api/incidents/create"))
            .header(header, value)
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403, "{header}: {value}");
        assert!(res.text().await.unwrap().contains("came from another site"));
    }
    // A browser's form post from another site (HTML accepted) gets a page.
    let res = server
        .http
        .post(server.url("/api/incidents/create"))
        .header("origin", "https://evil.example")
        .header("sec-fetch-site", "cross-site")
        .header("accept", "text/html")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert!(res.text().await.unwrap().contains("<h1>Not allowed</h1>"));
    assert_eq!(dump(&server.db_path).await, before);

    // The same post from Debrief's own page goes through.
    let res = server
        .http
        .post(server.url("/api/incidents/create"))
        .header("origin", server.base.as_str())
        .header("sec-fetch-site", "same-origin")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn pages_carry_a_content_security_policy_matching_their_scripts() {
    let server = Server::start();
    let res = server.get("/incidents").await;
    let csp = res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    for part in [
        "default-src 'self'",
        "'wasm-unsafe-eval'",
        "frame-ancestors 'none'",
        "object-src 'none'",
        "base-uri 'none'",
    ] {
        assert!(csp.contains(part), "{part} in {csp}");
    }
    assert!(
        !csp.contains("unsafe-inline") && !csp.contains("'unsafe-eval'"),
        "{csp}"
    );
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert_eq!(res.headers()["referrer-policy"], "same-origin");
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .unwrap()
        .to_string();
    let page = res.text().await.unwrap();
    // Every inline script carries this response's nonce.
    let scripts = page.matches("<script").count();
    assert!(scripts > 0);
    assert_eq!(
        page.matches(&format!("nonce=\"{nonce}\"")).count(),
        scripts,
        "{page}"
    );
    // A new response, a new nonce.
    let other = server.get("/incidents").await;
    assert!(
        !other.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains(&nonce)
    );
}

#[tokio::test]
async fn the_audit_log_names_who_changed_what() {
    let server = Server::start();
    let created = server
        .post(
            "/api/incidents/create",
            &incident_form("Queue backlog", "blip", "queue"),
        )
        .await;
    assert_eq!(created.status(), 200);
    let mut edit = incident_form("Queue backlog after deploy", "blip", "queue");
    edit.push(("number", "1"));
    edit.push(("version", "1"));
    assert_eq!(
        server.post("/api/incidents/update", &edit).await.status(),
        200
    );
    let page = server.as_user("viewer").await.page("/incidents/1").await;
    let history = page.split("id=\"history-heading\"").nth(1).unwrap();
    assert!(history.contains("Editor person (editor)"), "{history}");
    assert!(history.contains("created"));
    assert!(history.contains("edited"));
    assert!(history.contains("Queue backlog after deploy"));
    let admin_log = server.as_user("admin").await.page("/admin/audit").await;
    assert!(admin_log.contains("#1 Queue backlog after deploy"));
}

/// A wrong current password on the change-password form is a guess like a
/// failed sign-in: after five, further attempts wait (429 with
/// Retry-After), even with the right password, and nothing changes.
#[tokio::test]
async fn guessing_the_current_password_is_throttled_like_sign_in() {
    let server = Server::start();
    let viewer = server.as_user("viewer").await;
    let change = |current: &'static str| {
        let viewer = viewer.clone();
        async move {
            viewer
                .post(
                    "/api/account/change_password",
                    &[
                        ("current", current),
                        ("password", "a brand new passphrase"),
                        ("password_confirm", "a brand new passphrase"),
                    ],
                )
                .await
        }
    };
    for _ in 0..5 {
        let refused = change("a wrong guess").await;
        assert_eq!(refused.status(), 400);
        assert!(
            refused
                .text()
                .await
                .unwrap()
                .contains("not your current password")
        );
    }
    let held = change(PASSWORD).await;
    assert_eq!(held.status(), 429);
    assert!(held.headers().contains_key("retry-after"));
    assert!(held.text().await.unwrap().contains("Too many failed"));
    // The password did not change: the old one still signs in elsewhere.
    let other = from_address(&server, "127.0.0.5");
    assert_eq!(login(&other, "viewer", PASSWORD).await.status(), 200);
}
