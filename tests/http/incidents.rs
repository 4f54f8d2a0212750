//! Incidents through the server's real HTTP interface, against a real SQLite
//! file with migrations applied.

use crate::common;

use common::{Server, dump, execute_sql, incident_form, listed_numbers, with};

async fn create(server: &Server, form: &[(&str, &str)]) -> i64 {
    let res = server.post("/api/incidents/create", form).await;
    let status = res.status();
    let location = res
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string());
    let body = res.text().await.unwrap();
    assert!(
        status.is_success() || status.is_redirection(),
        "{status}: {body}"
    );
    let number: i64 = body
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("number in {body}"));
    assert_eq!(
        location.as_deref(),
        Some(format!("/incidents/{number}").as_str())
    );
    number
}

#[tokio::test]
async fn create_then_read_shows_moments_durations_and_safe_markdown() {
    let server = Server::start();
    let form = with(
        incident_form(
            "Checkout latency after cache change",
            "outage",
            "checkout, payments",
        ),
        "form[summary]",
        "Responders saw **latency**.\n\n<script>alert('x')</script><img src=x onerror=alert(1)>\n\n[link](javascript:alert(2)) and <a href=\"javascript:alert(3)\">this</a>",
    );
    let form = with(form, "form[detected][estimated]", "on");
    let number = create(&server, &form).await;
    assert_eq!(number, 1);

    let page = server.page("/incidents/1").await;
    assert!(page.contains("Checkout latency after cache change"));
    assert!(page.contains("checkout, payments"));
    // Typed in Europe/Paris (CET, UTC+1), shown in the default viewer zone, UTC.
    assert!(
        page.contains("2026-03-04 13:00:00 UTC"),
        "impact start in UTC"
    );
    assert!(page.contains("2026-03-04 13:06:00 UTC</time> <span class=\"estimate\">(estimate)"));
    for (phase, seconds, text) in [
        ("detect", 360, "6 min"),
        ("notify", 240, "4 min"),
        ("respond", 180, "3 min"),
        ("troubleshoot", 2820, "47 min"),
        ("repair", 2100, "35 min"),
        ("impact", 5700, "1 h 35 min"),
    ] {
        let row = page
            .split(&format!("data-phase=\"{phase}\""))
            .nth(1)
            .unwrap();
        let row = &row[..row.find("</tr>").unwrap()];
        assert!(
            row.contains(&format!("data-seconds=\"{seconds}\"")),
            "{phase}: {row}"
        );
        assert!(row.contains(&format!(">{text}<")), "{phase}: {row}");
    }
    assert!(page.contains("<strong>latency</strong>"));
    let rendered = page.split("class=\"markdown\"").nth(1).unwrap();
    let rendered = &rendered[..rendered.find("</section>").unwrap()];
    assert!(!rendered.contains("<script"), "{rendered}");
    assert!(!rendered.contains("onerror"), "{rendered}");
    assert!(!rendered.contains("href=\"javascript"), "{rendered}");
    assert!(
        rendered.contains("link"),
        "the link text stays, inert: {rendered}"
    );
}

#[tokio::test]
async fn missing_moments_show_as_missing_with_the_covering_span() {
    let server = Server::start();
    let form: Vec<_> = incident_form("Queue backlog", "degradation", "queue")
        .into_iter()
        .filter(|(k, _)| *k != "form[diagnosed][at]")
        .collect();
    create(&server, &form).await;
    let page = server.page("/incidents/1").await;
    for phase in ["troubleshoot", "repair"] {
        let row = page
            .split(&format!("data-phase=\"{phase}\""))
            .nth(1)
            .unwrap();
        assert!(
            row[..row.find("</tr>").unwrap()].contains(">missing<"),
            "{phase} must be missing, never zero"
        );
    }
    assert!(page.contains("Responded → Repaired: 1 h 22 min (troubleshoot and repair, not split)"));
}

#[tokio::test]
async fn edit_with_the_current_version_saves_and_a_stale_one_is_refused() {
    let server = Server::start();
    create(
        &server,
        &incident_form("DNS resolution failures", "outage", "dns"),
    )
    .await;

    let edit = server.page("/incidents/1/edit").await;
    assert!(edit.contains("name=\"version\" value=\"1\""));
    assert!(
        edit.contains("value=\"2026-03-04 14:06:00\""),
        "times come back in the incident's zone"
    );

    let mut first = incident_form("DNS resolution failures in eu-west", "outage", "dns, api");
    first.extend([("number", "1"), ("version", "1")]);
    let res = server.post("/api/incidents/update", &first).await;
    assert!(
        res.status().is_success() || res.status().is_redirection(),
        "{}",
        res.status()
    );
    assert_eq!(res.text().await.unwrap().trim(), "2");

    let before = dump(&server.db_path).await;
    let mut stale = incident_form("A stale title", "blip", "web");
    stale.extend([("number", "1"), ("version", "1")]);
    let res = server.post("/api/incidents/update", &stale).await;
    assert_eq!(res.status(), 409);
    let body = res.text().await.unwrap();
    assert!(
        body.contains("Conflict") && body.contains("\"current_version\":2"),
        "{body}"
    );
    assert!(
        body.contains("A stale title"),
        "the refused edit is handed back: {body}"
    );
    assert_eq!(
        dump(&server.db_path).await,
        before,
        "a stale write changes nothing"
    );

    let page = server.page("/incidents/1").await;
    assert!(page.contains("DNS resolution failures in eu-west"));
    assert!(!page.contains("A stale title"));
    assert!(page.contains("dns, api"));
}

#[tokio::test]
async fn a_moment_in_the_repeated_dst_hour_survives_an_edit() {
    let server = Server::start();
    let form = with(
        with(
            incident_form("Clock change", "blip", ""),
            "form[impact_started][at]",
            "2026-10-25T02:30:00+01:00",
        ),
        "form[detected][at]",
        "2026-10-25 03:10",
    );
    let form: Vec<_> = form
        .into_iter()
        .filter(|(k, _)| {
            !k.contains("][") || k.starts_with("form[impact") || k.starts_with("form[detected")
        })
        .collect();
    create(&server, &form).await;
    let edit = server.page("/incidents/1/edit").await;
    assert!(
        edit.contains("value=\"2026-10-25T02:30:00+01:00\""),
        "the second 02:30 keeps its offset"
    );
    // Saving the form as shown changes nothing about the instant.
    let mut again = form.clone();
    again = with(
        again,
        "form[impact_started][at]",
        "2026-10-25T02:30:00+01:00",
    );
    again.extend([("number", "1"), ("version", "1")]);
    let res = server.post("/api/incidents/update", &again).await;
    assert!(res.status().is_success(), "{}", res.text().await.unwrap());
    let page = server.page("/incidents/1").await;
    assert!(page.contains("2026-10-25 01:30:00 UTC"));
    let detect = page.split("data-phase=\"detect\"").nth(1).unwrap();
    assert!(detect[..detect.find("</tr>").unwrap()].contains(">40 min<"));
}

#[tokio::test]
async fn list_filters_sorts_and_paginates() {
    let server = Server::start();
    let impact = [
        "2026-01-01 10:00",
        "2026-02-01 10:00",
        "2026-03-01 10:00",
        "2026-04-01 10:00",
    ];
    let specs = [
        ("Blip on web", "blip", "web"),
        ("Outage on api", "outage", "api, web"),
        ("Degraded api", "degradation", "api"),
        ("Second outage", "outage", "dns"),
    ];
    for ((title, severity, services), at) in specs.into_iter().zip(impact) {
        let form: Vec<_> = incident_form(title, severity, services)
            .into_iter()
            .filter(|(k, _)| !k.contains("]["))
            .chain([("form[impact_started][at]", at)])
            .collect();
        create(&server, &form).await;
    }
    let resolve = with(
        with(
            incident_form("Degraded api", "degradation", "api"),
            "form[status]",
            "resolved",
        ),
        "form[impact_started][at]",
        "2026-03-01 10:00",
    );
    let mut resolve: Vec<_> = resolve
        .into_iter()
        .filter(|(k, _)| !k.contains("][") || k.starts_with("form[impact"))
        .collect();
    resolve.extend([("number", "3"), ("version", "1")]);
    let res = server.post("/api/incidents/update", &resolve).await;
    assert!(res.status().is_success(), "{}", res.text().await.unwrap());

    assert_eq!(
        listed_numbers(&server.page("/incidents").await),
        vec![4, 3, 2, 1],
        "newest first"
    );
    assert_eq!(
        listed_numbers(&server.page("/incidents?dir=asc").await),
        vec![1, 2, 3, 4]
    );
    assert_eq!(
        listed_numbers(&server.page("/incidents?severity=outage").await),
        vec![4, 2]
    );
    assert_eq!(
        listed_numbers(&server.page("/incidents?service=api").await),
        vec![3, 2]
    );
    assert_eq!(
        listed_numbers(&server.page("/incidents?status=resolved").await),
        vec![3]
    );
    assert_eq!(
        listed_numbers(&server.page("/incidents?service=web&severity=blip").await),
        vec![1]
    );
    let by_severity = listed_numbers(&server.page("/incidents?sort=severity").await);
    assert_eq!(
        by_severity,
        vec![4, 2, 3, 1],
        "worst first, newest first within a severity"
    );
    let by_status = listed_numbers(&server.page("/incidents?sort=status&dir=asc").await);
    assert_eq!(
        by_status.last(),
        Some(&3),
        "resolved sorts after investigating"
    );
    let page = server.page("/incidents?severity=outage").await;
    assert!(page.contains("2 incidents · page 1 of 1"));
    let none = server.page("/incidents?service=nothing-here").await;
    assert!(none.contains("No incidents match"));
}

#[tokio::test]
async fn pagination_links_walk_every_incident_once() {
    let server = Server::start();
    for i in 0..53 {
        let title = format!("Incident {i}");
        let form: Vec<_> = incident_form(&title, "blip", "")
            .into_iter()
            .filter(|(k, _)| !k.contains("]["))
            .collect();
        create(&server, &form).await;
    }
    let first = server.page("/incidents").await;
    assert_eq!(listed_numbers(&first).len(), 50);
    assert!(first.contains("53 incidents · page 1 of 2"));
    assert!(first.contains("href=\"/incidents?page=2\""));
    let second = server.page("/incidents?page=2").await;
    let past_end = server.page("/incidents?page=7").await;
    assert_eq!(
        listed_numbers(&past_end),
        listed_numbers(&second),
        "past the end shows the last page"
    );
    assert!(past_end.contains("page 2 of 2"));
    assert!(
        server
            .page("/incidents?page=4294967295")
            .await
            .contains("page 2 of 2"),
        "absurd pages neither panic nor wrap"
    );
    let mut all = listed_numbers(&first);
    all.extend(listed_numbers(&second));
    all.sort();
    assert_eq!(all, (1..=53).collect::<Vec<_>>());
}

#[tokio::test]
async fn bad_requests_get_a_clear_4xx_and_leave_the_database_unchanged() {
    let server = Server::start();
    create(&server, &incident_form("Existing incident", "blip", "web")).await;
    let before = dump(&server.db_path).await;
    let long_title = "t".repeat(201);
    let huge_summary = "s".repeat(100_001);
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (
            with(incident_form("", "blip", ""), "form[title]", "   "),
            "Give the incident a title",
        ),
        (
            incident_form("Bad severity", "catastrophic", ""),
            "\\\"catastrophic\\\" is not a severity",
        ),
        (
            with(
                incident_form("Order", "blip", ""),
                "form[detected][at]",
                "2026-03-04 13:59",
            ),
            "\\\"Detected\\\" is before \\\"Impact started\\\"",
        ),
        (
            with(
                incident_form("Time", "blip", ""),
                "form[notified][at]",
                "ten past two",
            ),
            "Notified: \\\"ten past two\\\" is not a time",
        ),
        (
            with(
                incident_form("Zone", "blip", ""),
                "form[time_zone]",
                "Mars/Olympus",
            ),
            "not a known IANA time zone",
        ),
        (
            with(
                incident_form("DST", "blip", ""),
                "form[repaired][at]",
                "2026-03-29 02:30",
            ),
            "does not exist in Europe/Paris",
        ),
        (
            incident_form(&long_title, "blip", ""),
            "201 characters; the limit is 200",
        ),
        (
            with(
                incident_form("Summary", "blip", ""),
                "form[summary]",
                &huge_summary,
            ),
            "the limit is 100000 bytes (100 KB)",
        ),
        (
            with(
                incident_form("Cynefin", "blip", ""),
                "form[cynefin_first]",
                "simple",
            ),
            "not a first-reading Cynefin domain",
        ),
    ];
    for (form, expected) in cases {
        let res = server.post("/api/incidents/create", &form).await;
        assert_eq!(res.status(), 400, "{expected}");
        let body = res.text().await.unwrap();
        assert!(body.contains(expected), "expected {expected:?} in {body}");
    }
    let mut stale_number = incident_form("x", "blip", "");
    stale_number.extend([("number", "99"), ("version", "1")]);
    assert_eq!(
        server
            .post("/api/incidents/update", &stale_number)
            .await
            .status(),
        404
    );
    let mut no_version = incident_form("x", "blip", "");
    no_version.extend([("number", "1"), ("version", "")]);
    assert_eq!(
        server
            .post("/api/incidents/update", &no_version)
            .await
            .status(),
        400
    );
    // A malformed body the server function cannot even decode.
    let res = server
        .http
        .post(server.url("/api/incidents/update"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("number=1&form[title][nested][deeper]=x&form=%ZZ")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400, "{}", res.text().await.unwrap());
    // Over the request body limit.
    let too_big = "x".repeat(3 * 1024 * 1024);
    let res = server
        .post(
            "/api/incidents/create",
            &with(incident_form("Big", "blip", ""), "form[summary]", &too_big),
        )
        .await;
    assert_eq!(res.status(), 413);
    assert!(res.text().await.unwrap().contains("limit is 2 MB"));

    assert_eq!(
        dump(&server.db_path).await,
        before,
        "refused requests changed nothing"
    );
}

#[tokio::test]
async fn a_form_posted_without_javascript_returns_to_its_page_with_errors_and_values() {
    let server = Server::start();
    let form = with(
        incident_form("Kept as typed", "blip", "search"),
        "form[detected][at]",
        "2026-03-04 13:00",
    );
    let res = server
        .post_as_html_form("/api/incidents/create", "/incidents/new", &form)
        .await;
    let (location, page) = server.follow(res).await;
    assert!(
        location.starts_with(&server.url("/incidents/new?")),
        "{location}"
    );
    assert!(page.contains("Nothing was saved"));
    assert!(page.contains("key moments must be in order"));
    assert!(
        page.contains("value=\"Kept as typed\""),
        "the title survives the round trip"
    );
    assert!(
        page.contains("value=\"2026-03-04 13:00\""),
        "so does the refused time"
    );
    assert!(page.contains("value=\"search\""));

    let ok = server
        .post_as_html_form(
            "/api/incidents/create",
            "/incidents/new",
            &incident_form("Fine", "blip", ""),
        )
        .await;
    assert_eq!(ok.status(), 302);
    assert_eq!(ok.headers()["location"], "/incidents/1");
}

#[tokio::test]
async fn times_follow_the_viewers_zone() {
    let server = Server::start();
    create(&server, &incident_form("Zone display", "blip", "")).await;
    let res = server
        .post_as_html_form(
            "/api/viewer/set_zone",
            "/incidents/1",
            &[("zone", "America/New_York")],
        )
        .await;
    assert_eq!(res.status(), 302);
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        cookie.starts_with("debrief_tz=America/New_York;") && cookie.contains("HttpOnly"),
        "{cookie}"
    );
    let page = server
        .http
        .get(server.url("/incidents/1"))
        .header(
            "cookie",
            format!(
                "{}; debrief_tz=America/New_York",
                server.cookie.as_deref().unwrap()
            ),
        )
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("2026-03-04 08:00:00 EST"),
        "14:00 Paris is 08:00 in New York"
    );
    let bad = server
        .post("/api/viewer/set_zone", &[("zone", "Not/AZone")])
        .await;
    assert_eq!(bad.status(), 400);
}

#[tokio::test]
async fn unknown_pages_and_incidents_are_404_pages_that_leak_nothing() {
    let server = Server::start();
    for path in [
        "/no/such/page",
        "/incidents/42",
        "/incidents/abc",
        "/incidents/0/edit",
    ] {
        let res = server.get(path).await;
        assert_eq!(res.status(), 404, "{path}");
        let body = res.text().await.unwrap();
        assert!(
            body.contains("not found")
                || body.contains("Not found")
                || body.contains("Page not found"),
            "{path}: {body}"
        );
        assert!(
            !body.contains("sqlx") && !body.contains("panicked"),
            "{path}"
        );
    }
    assert_eq!(server.get("/healthz").await.text().await.unwrap(), "ok");
}

#[tokio::test]
async fn security_headers_are_set() {
    let server = Server::start();
    let res = server.get("/incidents").await;
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert_eq!(res.headers()["x-frame-options"], "DENY");
    assert_eq!(res.headers()["referrer-policy"], "same-origin");
}

/// Makes every insert into `incidents` fail inside the database, as a full
/// disk or a corrupt page would: a real failure of the real database, not a
/// mock.
async fn break_inserts(db_path: &std::path::Path) {
    if common::on_postgres() {
        execute_sql(db_path, "CREATE FUNCTION simulated_failure() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'simulated storage failure xyzzy'; END $$").await;
        execute_sql(db_path, "CREATE TRIGGER simulated_failure BEFORE INSERT ON incidents FOR EACH ROW EXECUTE FUNCTION simulated_failure()").await;
    } else {
        execute_sql(db_path, "CREATE TRIGGER simulated_failure BEFORE INSERT ON incidents BEGIN SELECT RAISE(ABORT, 'simulated storage failure xyzzy'); END").await;
    }
}

#[tokio::test]
async fn a_server_failure_answers_500_with_a_reference_and_leaks_nothing() {
    let server = Server::start();
    break_inserts(&server.db_path).await;
    let res = server
        .post(
            "/api/incidents/create",
            &incident_form("During a failure", "blip", ""),
        )
        .await;
    assert_eq!(res.status(), 500);
    let body = res.text().await.unwrap();
    let error: serde_json::Value = serde_json::from_str(&body).unwrap();
    let reference = error["Internal"]["reference"].as_str().unwrap_or_default();
    assert_eq!(
        reference.len(),
        12,
        "a reference to find the detail in the server log: {body}"
    );
    assert_eq!(
        error["Internal"]["echo"]["title"], "During a failure",
        "the form comes back"
    );
    assert!(
        !body.contains("xyzzy")
            && !body.to_lowercase().contains("sqlite")
            && !body.contains("trigger"),
        "internals leaked: {body}"
    );
}

#[tokio::test]
async fn without_javascript_a_server_failure_keeps_what_was_typed() {
    let server = Server::start();
    break_inserts(&server.db_path).await;
    let form = incident_form("Typed during a failure", "outage", "ledger");
    let res = server
        .post_as_html_form("/api/incidents/create", "/incidents/new", &form)
        .await;
    let (_, page) = server.follow(res).await;
    assert!(page.contains("Something went wrong on the server"));
    assert!(
        page.contains("value=\"Typed during a failure\""),
        "the title survives"
    );
    assert!(page.contains("value=\"ledger\""), "so do the services");
    assert!(!page.contains("xyzzy"));
}
