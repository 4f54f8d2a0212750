//! Who may call what, over real HTTP: every server function and every page,
//! tried by an anonymous caller, a viewer, an editor and an administrator.
//! Callers below the needed role are refused (401/403, or sent to sign in)
//! and change nothing; the lowest allowed role succeeds.

use crate::common;

use common::{Client, Server, dump, incident_form, query_i64};

#[derive(Clone, Copy, Debug, PartialEq, PartialOrd)]
enum Caller {
    Anonymous,
    Viewer,
    Editor,
    Admin,
}

const CALLERS: [Caller; 4] = [
    Caller::Anonymous,
    Caller::Viewer,
    Caller::Editor,
    Caller::Admin,
];

/// One server function: its endpoint, the lowest caller that may use it, and
/// whether it changes anything.
struct Endpoint {
    name: &'static str,
    needs: Caller,
    writes: bool,
}

/// The expected access, written out independently of the app's own table.
const ENDPOINTS: &[Endpoint] = &[
    Endpoint {
        name: "auth/session",
        needs: Caller::Anonymous,
        writes: false,
    },
    Endpoint {
        name: "auth/login",
        needs: Caller::Anonymous,
        writes: true,
    },
    Endpoint {
        name: "auth/setup",
        needs: Caller::Anonymous,
        writes: true,
    },
    Endpoint {
        name: "auth/logout",
        needs: Caller::Viewer,
        writes: true,
    },
    Endpoint {
        name: "account/change_password",
        needs: Caller::Viewer,
        writes: true,
    },
    Endpoint {
        name: "viewer/set_zone",
        needs: Caller::Viewer,
        writes: true,
    },
    Endpoint {
        name: "incidents/list",
        needs: Caller::Viewer,
        writes: false,
    },
    Endpoint {
        name: "incidents/get",
        needs: Caller::Viewer,
        writes: false,
    },
    Endpoint {
        name: "incidents/history",
        needs: Caller::Viewer,
        writes: false,
    },
    Endpoint {
        name: "incidents/new_form",
        needs: Caller::Editor,
        writes: false,
    },
    Endpoint {
        name: "incidents/edit_form",
        needs: Caller::Editor,
        writes: false,
    },
    Endpoint {
        name: "incidents/create",
        needs: Caller::Editor,
        writes: true,
    },
    Endpoint {
        name: "incidents/update",
        needs: Caller::Editor,
        writes: true,
    },
    Endpoint {
        name: "timeline/get",
        needs: Caller::Viewer,
        writes: false,
    },
    Endpoint {
        name: "timeline/quick_add",
        needs: Caller::Editor,
        writes: true,
    },
    Endpoint {
        name: "timeline/update",
        needs: Caller::Editor,
        writes: true,
    },
    Endpoint {
        name: "transcripts/preview",
        needs: Caller::Editor,
        writes: false,
    },
    Endpoint {
        name: "transcripts/import",
        needs: Caller::Editor,
        writes: true,
    },
    Endpoint {
        name: "transcripts/review",
        needs: Caller::Viewer,
        writes: false,
    },
    Endpoint {
        name: "transcripts/promote",
        needs: Caller::Editor,
        writes: true,
    },
    Endpoint {
        name: "transcripts/dismiss",
        needs: Caller::Editor,
        writes: true,
    },
    Endpoint {
        name: "timeline/mark",
        needs: Caller::Editor,
        writes: true,
    },
    Endpoint {
        name: "timeline/delete",
        needs: Caller::Editor,
        writes: true,
    },
    Endpoint {
        name: "timeline/restore",
        needs: Caller::Editor,
        writes: true,
    },
    Endpoint {
        name: "attachments/delete",
        needs: Caller::Editor,
        writes: true,
    },
    Endpoint {
        name: "admin/users",
        needs: Caller::Admin,
        writes: false,
    },
    Endpoint {
        name: "admin/create_user",
        needs: Caller::Admin,
        writes: true,
    },
    Endpoint {
        name: "admin/update_user",
        needs: Caller::Admin,
        writes: true,
    },
    Endpoint {
        name: "admin/reset_password",
        needs: Caller::Admin,
        writes: true,
    },
    Endpoint {
        name: "admin/audit",
        needs: Caller::Admin,
        writes: false,
    },
    Endpoint {
        name: "admin/metrics",
        needs: Caller::Admin,
        writes: false,
    },
    Endpoint {
        name: "admin/save_metrics",
        needs: Caller::Admin,
        writes: true,
    },
    Endpoint {
        name: "admin/webhooks",
        needs: Caller::Admin,
        writes: false,
    },
    Endpoint {
        name: "admin/add_webhook",
        needs: Caller::Admin,
        writes: true,
    },
    // Pauses the endpoint just added, so that no delivery is sent while
    // this test compares the database before and after refused calls.
    Endpoint {
        name: "admin/set_webhook_active",
        needs: Caller::Admin,
        writes: true,
    },
    Endpoint {
        name: "admin/retry_delivery",
        needs: Caller::Admin,
        writes: true,
    },
    Endpoint {
        name: "report",
        needs: Caller::Viewer,
        writes: false,
    },
    Endpoint {
        name: "countermeasures/list",
        needs: Caller::Viewer,
        writes: false,
    },
    Endpoint {
        name: "countermeasures/get",
        needs: Caller::Viewer,
        writes: false,
    },
    Endpoint {
        name: "countermeasures/create",
        needs: Caller::Editor,
        writes: true,
    },
    Endpoint {
        name: "countermeasures/update",
        needs: Caller::Editor,
        writes: true,
    },
    Endpoint {
        name: "countermeasures/move",
        needs: Caller::Editor,
        writes: true,
    },
    Endpoint {
        name: "countermeasures/similar",
        needs: Caller::Viewer,
        writes: false,
    },
    Endpoint {
        name: "countermeasures/link",
        needs: Caller::Editor,
        writes: true,
    },
    Endpoint {
        name: "countermeasures/merge",
        needs: Caller::Editor,
        writes: true,
    },
    Endpoint {
        name: "countermeasures/wip_limits",
        needs: Caller::Admin,
        writes: true,
    },
    Endpoint {
        name: "postmortem/get",
        needs: Caller::Viewer,
        writes: false,
    },
    Endpoint {
        name: "postmortem/preview",
        needs: Caller::Editor,
        writes: false,
    },
    Endpoint {
        name: "postmortem/save",
        needs: Caller::Editor,
        writes: true,
    },
    Endpoint {
        name: "postmortem/status",
        needs: Caller::Editor,
        writes: true,
    },
    Endpoint {
        name: "review/get",
        needs: Caller::Viewer,
        writes: false,
    },
    Endpoint {
        name: "handout/get",
        needs: Caller::Viewer,
        writes: false,
    },
    Endpoint {
        name: "review/save",
        needs: Caller::Editor,
        writes: true,
    },
    Endpoint {
        name: "review/handout",
        needs: Caller::Editor,
        writes: true,
    },
    Endpoint {
        name: "admin/review_policy",
        needs: Caller::Admin,
        writes: false,
    },
    Endpoint {
        name: "admin/save_review_policy",
        needs: Caller::Admin,
        writes: true,
    },
    Endpoint {
        name: "search",
        needs: Caller::Viewer,
        writes: false,
    },
    Endpoint {
        name: "search/related",
        needs: Caller::Viewer,
        writes: false,
    },
    Endpoint {
        name: "meeting/get",
        needs: Caller::Viewer,
        writes: false,
    },
    Endpoint {
        name: "meeting/lead",
        needs: Caller::Editor,
        writes: true,
    },
    Endpoint {
        name: "meeting/step",
        needs: Caller::Editor,
        writes: true,
    },
    Endpoint {
        name: "meeting/note",
        needs: Caller::Editor,
        writes: true,
    },
    Endpoint {
        name: "meeting/end",
        needs: Caller::Editor,
        writes: true,
    },
    Endpoint {
        name: "admin/language_rules",
        needs: Caller::Admin,
        writes: false,
    },
    Endpoint {
        name: "admin/save_language_rules",
        needs: Caller::Admin,
        writes: true,
    },
];

async fn client(server: &Server, caller: Caller) -> Client {
    match caller {
        Caller::Anonymous => server.anonymous(),
        Caller::Viewer => server.as_user("viewer").await,
        Caller::Editor => server.as_user("editor").await,
        Caller::Admin => server.as_user("admin").await,
    }
}

/// A valid request body for each endpoint, fresh for each attempt.
async fn body_for(server: &Server, name: &str, attempt: usize) -> Vec<(String, String)> {
    let own = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<Vec<_>>()
    };
    let subject_version = || async {
        query_i64(
            &server.db_path,
            "SELECT version FROM users WHERE login = 'subject'",
        )
        .await
        .to_string()
    };
    let subject_id = "11111111-1111-4111-8111-111111111111";
    let event_version = || async {
        query_i64(
            &server.db_path,
            &format!("SELECT version FROM timeline_events WHERE id = '{EVENT_ID}'"),
        )
        .await
        .to_string()
    };
    let cm_version = || async {
        query_i64(
            &server.db_path,
            "SELECT COALESCE(MAX(version), 0) FROM countermeasures WHERE number = 1",
        )
        .await
        .to_string()
    };
    match name {
        "auth/login" => own(&[
            ("login", "viewer"),
            ("password", common::PASSWORD),
            ("next", "/"),
        ]),
        "auth/setup" => own(&[
            ("form[login]", "late"),
            ("form[display_name]", "Late arrival"),
            ("form[password]", "a long enough passphrase"),
            ("form[password_confirm]", "a long enough passphrase"),
        ]),
        "account/change_password" => own(&[
            ("current", common::PASSWORD),
            ("password", common::PASSWORD),
            ("password_confirm", common::PASSWORD),
        ]),
        "viewer/set_zone" => own(&[("zone", "Europe/Paris")]),
        "incidents/list" => own(&[
            ("query[sort]", "start"),
            ("query[descending]", "true"),
            ("query[page]", "1"),
        ]),
        "incidents/get" | "incidents/history" | "incidents/edit_form" => own(&[("number", "1")]),
        "incidents/create" => own(&incident_form("Access check", "blip", "api")),
        "incidents/update" => {
            let version = query_i64(
                &server.db_path,
                "SELECT version FROM incidents WHERE number = 1",
            )
            .await
            .to_string();
            let mut form = own(&incident_form("Access check, edited", "blip", "api"));
            form.push(("number".into(), "1".into()));
            form.push(("version".into(), version));
            form
        }
        "timeline/get" => own(&[("number", "1"), ("filter[kind]", "")]),
        "timeline/quick_add" => own(&[
            ("number", "1"),
            (
                "line",
                &format!("14:{:02} access check {attempt}", attempt % 60),
            ),
        ]),
        "timeline/update" => {
            let version = event_version().await;
            own(&[
                ("number", "1"),
                ("id", EVENT_ID),
                ("version", &version),
                ("form[at]", "2026-03-04 14:20:00"),
                ("form[kind]", "action"),
                ("form[body]", &format!("edited by attempt {attempt}")),
            ])
        }
        "timeline/mark" => {
            let version = event_version().await;
            own(&[
                ("number", "1"),
                ("id", EVENT_ID),
                ("version", &version),
                ("moment", ""),
            ])
        }
        "timeline/delete" => {
            let version = event_version().await;
            own(&[("number", "1"), ("id", EVENT_ID), ("version", &version)])
        }
        "timeline/restore" => own(&[("number", "1"), ("id", EVENT_ID)]),
        "attachments/delete" => own(&[("number", "1"), ("id", ATTACHMENT_ID)]),
        // Staged by "editor" (the server's own client) for every attempt; a
        // caller with a higher role is answered "no such upload", not refused.
        "transcripts/preview" | "transcripts/import" => {
            let token = stage(
                server,
                &format!("[14:{:02}] <sam> access check {attempt}\n", attempt % 60),
            )
            .await;
            own(&[("number", "1"), ("staged", &token)])
        }
        "transcripts/review" => own(&[("number", "1"), ("query[page]", "1")]),
        "transcripts/promote" => own(&[
            ("number", "1"),
            ("lines[0]", LINE_ID),
            ("kind", "observation"),
        ]),
        "transcripts/dismiss" => {
            common::execute_sql(
                &server.db_path,
                &format!(
                    "UPDATE transcript_lines SET suggestion_state = NULL WHERE id = {LINE_ID}"
                ),
            )
            .await;
            own(&[("number", "1"), ("line", LINE_ID)])
        }
        "admin/create_user" => {
            let login = format!("person{attempt}");
            own(&[
                ("form[login]", &login),
                ("form[display_name]", "A new colleague"),
                ("form[role]", "viewer"),
                ("form[password]", "a long enough passphrase"),
                ("form[password_confirm]", "a long enough passphrase"),
            ])
        }
        "admin/update_user" => {
            let version = subject_version().await;
            own(&[
                ("id", subject_id),
                ("version", &version),
                ("display_name", &format!("Subject {attempt}")),
                ("role", "viewer"),
                ("active", "on"),
            ])
        }
        "admin/reset_password" => own(&[
            ("id", subject_id),
            ("password", "another long passphrase"),
            ("password_confirm", "another long passphrase"),
        ]),
        "admin/save_metrics" => own(&[("windows", "7, 30")]),
        "admin/add_webhook" => own(&[
            ("url", "https://hooks.example/hook"),
            ("secret", "whsec_0123456789abcdef0123456789abcdef"),
        ]),
        "admin/set_webhook_active" => {
            let id = common::query_text(
                &server.db_path,
                "SELECT COALESCE(MAX(id), 'none') FROM webhook_endpoints",
            )
            .await;
            own(&[("id", &id), ("active", "no")])
        }
        "admin/retry_delivery" => {
            // A delivery id as Debrief writes one: a UUID.
            let id = format!("00000000-0000-4000-8000-{attempt:012}");
            common::execute_sql(
                &server.db_path,
                &format!(
                    "INSERT INTO webhook_deliveries (id, endpoint_id, event, body, state, attempts, \
                     next_attempt_at, created_at) SELECT '{id}', id, 'countermeasure.created', '{{}}', \
                     'failed', 12, 0, 0 FROM webhook_endpoints LIMIT 1"
                ),
            )
            .await;
            own(&[("id", &id)])
        }
        "countermeasures/get" => own(&[("number", "1")]),
        "countermeasures/create" => own(&[
            ("form[title]", &format!("Alert sooner {attempt}")),
            ("form[kind]", "detect_sooner"),
            ("form[priority]", "high"),
            ("form[incidents]", "1"),
            ("confirm_new", "yes"),
        ]),
        "countermeasures/update" => own(&[
            ("number", "1"),
            ("version", &cm_version().await),
            ("form[title]", "Alert sooner on checkout"),
            ("form[kind]", "detect_sooner"),
            ("form[priority]", "high"),
            ("form[incidents]", "1"),
        ]),
        "countermeasures/move" => own(&[
            ("number", "1"),
            ("version", &cm_version().await),
            ("to", "done"),
        ]),
        "countermeasures/similar" => own(&[("title", "Alert on checkout latency")]),
        // A fresh item per attempt: linking and merging each work once.
        "countermeasures/link" => {
            let number = fresh_countermeasure(server, attempt).await;
            own(&[("number", &number), ("incidents", "1")])
        }
        "countermeasures/merge" => {
            let number = fresh_countermeasure(server, attempt).await;
            own(&[("number", &number), ("version", "1"), ("into", "CM-1")])
        }
        "countermeasures/wip_limits" => {
            own(&[("wip_in_progress", &(attempt % 900 + 1).to_string())])
        }
        "postmortem/get" => own(&[("number", "1")]),
        "postmortem/preview" => own(&[("body", "# Impact\n\nWhat did we know?")]),
        "postmortem/save" | "postmortem/status" => {
            let version = query_i64(
                &server.db_path,
                "SELECT COALESCE(MAX(version), 0) FROM postmortems",
            )
            .await
            .to_string();
            if name == "postmortem/save" {
                let body = format!("# Draft {attempt}");
                own(&[("number", "1"), ("version", &version), ("body", &body)])
            } else {
                // The other state each time: publish, then reopen.
                let published = query_i64(
                    &server.db_path,
                    "SELECT count(*) FROM postmortems WHERE status = 'published'",
                )
                .await;
                let to = if published == 1 { "draft" } else { "published" };
                own(&[("number", "1"), ("version", &version), ("status", to)])
            }
        }
        "review/get" | "handout/get" | "search/related" | "meeting/get" => own(&[("number", "1")]),
        "search" => own(&[("query[text]", "checkout")]),
        "meeting/lead" | "meeting/end" => own(&[("number", "1")]),
        // The meeting "editor" leads (an administrator took it over when
        // trying "meeting/lead"); for them the step is refused as a rule,
        // not for their role.
        "meeting/step" | "meeting/note" => {
            common::execute_sql(
                &server.db_path,
                "UPDATE meetings SET facilitator_id = (SELECT id FROM users WHERE login = 'editor')",
            )
            .await;
            if name == "meeting/step" {
                own(&[("number", "1"), ("to", "next")])
            } else {
                own(&[
                    ("number", "1"),
                    ("event", EVENT_ID),
                    ("kind", "question"),
                    ("body", &format!("What did the dashboard show? ({attempt})")),
                ])
            }
        }
        "review/save" | "review/handout" => {
            let version = query_i64(
                &server.db_path,
                "SELECT COALESCE(MAX(version), 0) FROM reviews",
            )
            .await
            .to_string();
            if name == "review/save" {
                let minutes = (15 + attempt % 400).to_string();
                own(&[
                    ("number", "1"),
                    ("version", &version),
                    ("form[minutes]", &minutes),
                ])
            } else {
                let sent = query_i64(
                    &server.db_path,
                    "SELECT count(*) FROM reviews WHERE handout_sent_at IS NOT NULL",
                )
                .await;
                let sent = if sent == 1 { "no" } else { "yes" };
                own(&[("number", "1"), ("version", &version), ("sent", sent)])
            }
        }
        "admin/save_review_policy" => {
            let outage = (attempt % 50 + 1).to_string();
            own(&[("outage", &outage), ("degradation", "5"), ("blip", "5")])
        }
        "admin/save_language_rules" => {
            let rules = format!("hasty{attempt} | Judges the person. | What made it urgent?");
            own(&[("rules", &rules)])
        }
        _ => vec![],
    }
}

/// Files countermeasure 1000 + `attempt` straight into the database;
/// returns its number.
async fn fresh_countermeasure(server: &Server, attempt: usize) -> String {
    let number = 1000 + attempt;
    common::execute_sql(
        &server.db_path,
        &format!(
            "INSERT INTO countermeasures (id, number, title, kind, priority, status, created_at, \
             updated_at) VALUES ('cm-{number}', {number}, 'Runbook {number}', 'process', 'low', \
             'proposed', 0, 0)"
        ),
    )
    .await;
    number.to_string()
}

/// Stages a transcript for incident #1 as "editor"; returns its token.
async fn stage(server: &Server, text: &str) -> String {
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(text.as_bytes().to_vec()).file_name("#ops_20260304.log"),
    );
    // A fresh session: calls made earlier may have ended the server's own.
    let editor = server.as_user("editor").await;
    let res = editor
        .http
        .post(editor.url("/incidents/1/transcripts"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    res.text().await.unwrap()
}

/// The transcript line the promote and dismiss endpoints address.
const LINE_ID: &str = "4444";

/// The attachment the attachment endpoint addresses.
const ATTACHMENT_ID: &str = "33333333-3333-4333-8333-333333333333";

/// The timeline event the event endpoints address.
const EVENT_ID: &str = "22222222-2222-4222-8222-222222222222";

/// Incident #1, which the reads and the edit address, with one event.
async fn seed_incident(server: &Server) {
    let created = server
        .post(
            "/api/incidents/create",
            &incident_form("Seed", "blip", "api"),
        )
        .await;
    assert_eq!(created.status(), 200);
    let added = server
        .post(
            "/api/timeline/quick_add",
            &[("number", "1"), ("line", "14:05 seed event")],
        )
        .await;
    assert_eq!(added.status(), 200);
    common::execute_sql(
        &server.db_path,
        &format!("UPDATE timeline_events SET id = '{EVENT_ID}'"),
    )
    .await;
    let png = b"\x89PNG\r\n\x1a\n and the rest".to_vec();
    let res = server.upload("graph.png", png, None).await;
    assert_eq!(res.status(), 201);
    let id = res.text().await.unwrap();
    common::execute_sql(
        &server.db_path,
        &format!("UPDATE attachments SET id = '{ATTACHMENT_ID}'"),
    )
    .await;
    let files = server.dir.path().join("attachments");
    std::fs::rename(files.join(id), files.join(ATTACHMENT_ID)).unwrap();
    let token = stage(server, "[14:10] <sam> PROBLEM: checkout latency\n").await;
    let res = server
        .post(
            "/api/transcripts/import",
            &[("number", "1"), ("staged", &token)],
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    common::execute_sql(
        &server.db_path,
        &format!("UPDATE transcript_lines SET id = {LINE_ID}"),
    )
    .await;
    let res = server
        .post(
            "/api/countermeasures/create",
            &[
                ("form[title]", "Alert on checkout p99"),
                ("form[kind]", "detect_sooner"),
                ("form[priority]", "high"),
                ("form[incidents]", "1"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
}

/// Every page, with the lowest caller that may read it.
const PAGES: &[(&str, Caller)] = &[
    ("/", Caller::Viewer),
    ("/incidents", Caller::Viewer),
    ("/incidents/1", Caller::Viewer),
    ("/account", Caller::Viewer),
    ("/incidents/new", Caller::Editor),
    ("/incidents/1/edit", Caller::Editor),
    ("/incidents/1/import", Caller::Editor),
    ("/incidents/1/review", Caller::Viewer),
    ("/admin/users", Caller::Admin),
    ("/admin/audit", Caller::Admin),
    ("/admin/metrics", Caller::Admin),
    ("/report", Caller::Viewer),
    ("/countermeasures", Caller::Viewer),
    ("/admin/webhooks", Caller::Admin),
    ("/countermeasures/new", Caller::Editor),
    ("/incidents/1/postmortem", Caller::Viewer),
    ("/admin/language", Caller::Admin),
    ("/incidents/1/handout", Caller::Viewer),
    ("/admin/reviews", Caller::Admin),
    ("/search", Caller::Viewer),
    ("/incidents/1/meeting", Caller::Viewer),
    ("/incidents/restore", Caller::Editor),
    ("/incidents/1/export.json", Caller::Viewer),
];

/// The server's own routes beside the pages (downloads and exports).
const RAW_ROUTES: &[(&str, Caller)] = &[
    ("/incidents/1/export.json", Caller::Viewer),
    ("/incidents/1/export.md", Caller::Viewer),
    ("/incidents/1/export.html", Caller::Viewer),
    ("/incidents/1/postmortem.md", Caller::Viewer),
    ("/incidents/1/postmortem.html", Caller::Viewer),
    ("/report/incidents.csv", Caller::Viewer),
    ("/report/incidents.json", Caller::Viewer),
    ("/countermeasures/export/jira.csv", Caller::Viewer),
    ("/countermeasures/export/github.json", Caller::Viewer),
    ("/countermeasures/1", Caller::Viewer),
    (
        "/attachments/33333333-3333-4333-8333-333333333333",
        Caller::Viewer,
    ),
];

/// Other spellings of `path`: each must be refused (400), or, where only
/// letter case or a trailing slash differ, sent to `path` itself.
fn spellings(path: &str) -> Vec<(String, bool)> {
    let rest = path.trim_start_matches('/');
    let (first, tail) = rest.split_once('/').unwrap_or((rest, ""));
    let mut out = vec![
        (format!("/x/..{path}"), false),
        (format!("/.{path}"), false),
        (format!("/x/%2e%2e{path}"), false),
        (format!("/x/%2E%2E{path}"), false),
        (format!("/x/.%2e{path}"), false),
        (format!("/x/%2e.{path}"), false),
        (format!("/%2e{path}"), false),
        (format!("/{path}"), false),
        (format!("{path}/."), false),
        (format!("{path}/x/.."), false),
        (format!("/x\\..\\{rest}"), false),
        (format!("/x/..%2f{rest}"), false),
        (format!("/x/..%5c{rest}"), false),
    ];
    if !first.is_empty() {
        let mut chars = first.chars();
        let initial = chars.next().unwrap();
        out.push((
            format!(
                "/%{:02x}{}{}",
                initial as u32,
                chars.as_str(),
                if tail.is_empty() {
                    String::new()
                } else {
                    format!("/{tail}")
                }
            ),
            false,
        ));
        let upper = first.to_ascii_uppercase();
        out.push((
            if tail.is_empty() {
                format!("/{upper}")
            } else {
                format!("/{upper}/{tail}")
            },
            true,
        ));
        out.push((format!("{path}/"), true));
    }
    if !tail.is_empty() {
        out.push((format!("/{first}//{tail}"), false));
    }
    out
}

fn refused(status: u16) -> bool {
    matches!(status, 401 | 403)
}

#[tokio::test]
async fn every_server_function_admits_exactly_the_roles_it_should() {
    let server = Server::start();
    common::add_user(&server.db_path, "subject", "viewer");
    common::execute_sql(
        &server.db_path,
        "UPDATE users SET id = '11111111-1111-4111-8111-111111111111' WHERE login = 'subject'",
    )
    .await;
    seed_incident(&server).await;

    // The test's table covers every endpoint the app's own table lists.
    for (name, _, _) in app::domain::access::SERVER_FUNCTIONS {
        assert!(
            ENDPOINTS.iter().any(|e| e.name == *name),
            "{name} is missing from this test's table"
        );
    }

    let mut attempt = 0;
    for endpoint in ENDPOINTS {
        for caller in CALLERS {
            attempt += 1;
            // A fresh session per attempt: some calls end or change sessions.
            let client = client(&server, caller).await;
            let body = body_for(&server, endpoint.name, attempt).await;
            let before = dump(&server.db_path).await;
            let res = client
                .http
                .post(client.url(&format!("/api/{}", endpoint.name)))
                .form(&body)
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            let text = res.text().await.unwrap();
            let what = format!(
                "{:?} calling {} got {status}: {text}",
                caller, endpoint.name
            );
            if caller < endpoint.needs {
                assert!(refused(status), "{what}");
                if caller == Caller::Anonymous {
                    assert_eq!(status, 401, "{what}");
                    assert!(text.contains("SignInRequired"), "{what}");
                } else {
                    assert!(text.contains("does not allow this"), "{what}");
                }
                if endpoint.writes {
                    assert_eq!(dump(&server.db_path).await, before, "{what} changed data");
                }
            } else if endpoint.name == "auth/setup" {
                // Open only on a fresh database: refused to everyone here.
                assert_eq!(status, 403, "{what}");
                assert!(text.contains("already set up"), "{what}");
            } else if caller == endpoint.needs {
                assert!((200..300).contains(&status), "{what}");
            } else {
                assert!(!refused(status), "{what}");
            }
        }
    }
}

#[tokio::test]
async fn changes_go_by_post_only() {
    let server = Server::start();
    for name in ["incidents/create", "admin/create_user", "auth/logout"] {
        let res = server.get(&format!("/api/{name}")).await;
        assert_eq!(res.status(), 405, "GET /api/{name}");
    }
    let unknown = server.post("/api/incidents/drop_everything", &[]).await;
    assert_eq!(unknown.status(), 404);
}

#[tokio::test]
async fn pages_admit_the_roles_they_should() {
    let server = Server::start();
    seed_incident(&server).await;
    let pages = PAGES;
    for caller in CALLERS {
        let client = client(&server, caller).await;
        for (path, needs) in pages {
            let res = client
                .http
                .get(client.url(path))
                .header("accept", "text/html")
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            let location = res
                .headers()
                .get("location")
                .map(|l| l.to_str().unwrap().to_string());
            let what = format!("{caller:?} GET {path}: {status} {location:?}");
            if caller == Caller::Anonymous {
                assert_eq!(status, 303, "{what}");
                let expected = format!("/login?next={}", path.replace('?', "%3F"));
                assert_eq!(location.as_deref(), Some(expected.as_str()), "{what}");
            } else if caller < *needs {
                assert_eq!(status, 403, "{what}");
                let body = res.text().await.unwrap();
                assert!(
                    body.contains("Not allowed") && body.contains("does not allow this"),
                    "{what}"
                );
            } else {
                assert_eq!(status, 200, "{what}");
            }
        }
        // Sign-in page: open to anonymous callers, signed-in people go home.
        let login = client.get("/login").await;
        if caller == Caller::Anonymous {
            assert_eq!(login.status(), 200);
        } else {
            assert_eq!(login.status(), 303);
        }
    }
    // Static files need no session.
    assert_eq!(server.anonymous().get("/healthz").await.status(), 200);
    // (Whether the file is there depends on the browser build; either way the
    // guard lets the request through rather than asking to sign in.)
    let icon = server
        .anonymous()
        .get("/favicon.svg")
        .await
        .status()
        .as_u16();
    assert!(![303, 401, 403].contains(&icon), "{icon}");
}

/// The guard reads only canonical paths; a router further in resolves dot
/// segments and escapes. Every page, route and server function, reached by
/// every caller through every other spelling, is refused (400) or sent to
/// the canonical path, never answered as some other page: a viewer once
/// read the administrators' pages through `/x/../admin/users`.
#[tokio::test]
async fn every_path_spelling_gets_the_canonical_answer() {
    let server = Server::start();
    seed_incident(&server).await;
    for caller in CALLERS {
        let client = client(&server, caller).await;
        let cookie = client.cookie.clone().unwrap_or_default();
        let mut headers = vec![("accept", "text/html")];
        if !cookie.is_empty() {
            headers.push(("cookie", cookie.as_str()));
        }
        let reads = PAGES
            .iter()
            .chain(RAW_ROUTES)
            .map(|(p, _)| ("GET", p.to_string()));
        let calls = ENDPOINTS
            .iter()
            .map(|e| ("POST", format!("/api/{}", e.name)));
        for (method, path) in reads.chain(calls) {
            let canonical = common::raw_request(&server.base, method, &path, &headers, "").await;
            for (spelling, redirects) in spellings(&path) {
                let answer =
                    common::raw_request(&server.base, method, &spelling, &headers, "").await;
                let what = format!(
                    "{caller:?} {method} {spelling} (for {path}, which answers {}): {} {:?} {}",
                    canonical.status,
                    answer.status,
                    answer.header("location"),
                    answer.body.chars().take(300).collect::<String>()
                );
                if redirects && method == "GET" {
                    assert_eq!(answer.status, 308, "{what}");
                    assert_eq!(answer.header("location"), Some(path.as_str()), "{what}");
                    let followed = common::raw_request(
                        &server.base,
                        method,
                        answer.header("location").unwrap(),
                        &headers,
                        "",
                    )
                    .await;
                    assert_eq!(followed.status, canonical.status, "{what}");
                } else {
                    assert_eq!(answer.status, 400, "{what}");
                    // (A raw backslash is refused by the HTTP parser itself, bodiless.)
                    assert!(
                        answer.body.is_empty() || answer.body.contains("not one Debrief serves"),
                        "{what}"
                    );
                }
            }
        }
    }
}
