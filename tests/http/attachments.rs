//! Attachments through real HTTP: type decided by content, size limited,
//! stored under generated names beside the database, served as downloads
//! with safe headers, and nothing kept from a refused upload.

use crate::common;

use common::{Server, dump, incident_form, query_i64, query_text};

/// A PNG: the signature and a header chunk (enough for the content check).
fn png() -> Vec<u8> {
    let mut bytes = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    bytes.extend_from_slice(b"\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89");
    bytes
}

async fn seed(server: &Server) {
    let res = server
        .post(
            "/api/incidents/create",
            &incident_form("Checkout latency", "outage", "checkout"),
        )
        .await;
    assert_eq!(res.status(), 200);
}

fn stored_files(server: &Server) -> Vec<String> {
    let dir = server.dir.path().join("attachments");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[tokio::test]
async fn an_image_is_typed_by_content_stored_under_a_generated_name_and_served_safely() {
    let server = Server::start();
    seed(&server).await;
    let res = server.upload("../../p99 latency é.pdf", png(), None).await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    let id = res.text().await.unwrap();
    assert_eq!(
        stored_files(&server),
        vec![id.clone()],
        "generated name only"
    );
    assert_eq!(
        query_text(
            &server.db_path,
            "SELECT kind || ' ' || file_name FROM attachments"
        )
        .await,
        "png p99 latency é.pdf.png",
        "the name says PNG too, whatever it claimed"
    );

    let res = server.get(&format!("/attachments/{id}")).await;
    assert_eq!(res.status(), 200);
    let header = |name: &str| res.headers()[name].to_str().unwrap().to_string();
    assert_eq!(header("content-type"), "image/png");
    assert_eq!(header("x-content-type-options"), "nosniff");
    let disposition = header("content-disposition");
    assert!(disposition.starts_with("inline;"), "{disposition}");
    assert!(
        disposition.contains("filename*=UTF-8''p99%20latency%20%C3%A9.pdf.png"),
        "{disposition}"
    );
    assert!(header("content-security-policy").contains("sandbox"));
    assert_eq!(res.bytes().await.unwrap().to_vec(), png());

    let page = server.page("/incidents/1").await;
    assert!(
        page.contains(&format!("<img src=\"/attachments/{id}\"")),
        "thumbnail"
    );
    let history = query_text(
        &server.db_path,
        "SELECT action FROM audit_log WHERE object_kind = 'attachment'",
    )
    .await;
    assert_eq!(history, "attachment_added");
}

#[tokio::test]
async fn invisible_characters_never_reach_a_stored_name() {
    let server = Server::start();
    seed(&server).await;
    // Shown with the right-to-left override, this reads "invoiceexe.png".
    let res = server
        .upload("in\u{200B}voice\u{202E}gnp.exe", png(), None)
        .await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    let id = res.text().await.unwrap();
    assert_eq!(
        query_text(&server.db_path, "SELECT file_name FROM attachments").await,
        "invoicegnp.exe.png"
    );
    let res = server.get(&format!("/attachments/{id}")).await;
    let disposition = res.headers()["content-disposition"].to_str().unwrap();
    assert!(
        disposition.ends_with("filename*=UTF-8''invoicegnp.exe.png"),
        "{disposition}"
    );
}

#[tokio::test]
async fn an_svg_is_only_ever_served_as_a_download() {
    let server = Server::start();
    seed(&server).await;
    let svg = br#"<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script><rect width="10" height="10"/></svg>"#;
    let res = server.upload("graph.svg", svg.to_vec(), None).await;
    assert_eq!(res.status(), 201);
    let id = res.text().await.unwrap();
    let res = server.get(&format!("/attachments/{id}")).await;
    assert_eq!(res.headers()["content-type"], "image/svg+xml");
    let disposition = res.headers()["content-disposition"].to_str().unwrap();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    let csp = res.headers()["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("sandbox") && csp.contains("default-src 'none'"),
        "{csp}"
    );
}

#[tokio::test]
async fn refused_uploads_say_why_and_keep_nothing() {
    let server = Server::start();
    seed(&server).await;
    let before = dump(&server.db_path).await;

    let res = server
        .upload(
            "screenshot.png",
            b"<!DOCTYPE html><html><script>alert(1)</script></html>".to_vec(),
            None,
        )
        .await;
    assert_eq!(res.status(), 400);
    let message = res.text().await.unwrap();
    assert!(message.contains("HTML"), "{message}");

    let res = server
        .upload("anim.gif", b"GIF89a\x01\0\x01\0".to_vec(), None)
        .await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("GIF"));

    // Over the 20 MB default: refused with the limit named.
    let mut big = png();
    big.resize(20 * 1024 * 1024 + 1, 0);
    let res = server.upload("huge.png", big, None).await;
    assert_eq!(res.status(), 413);
    let message = res.text().await.unwrap();
    assert!(message.contains("at most 20 MB"), "{message}");

    // An event that is not on the timeline: the stored file is removed again.
    let res = server
        .upload(
            "graph.png",
            png(),
            Some("00000000-0000-4000-8000-000000000000"),
        )
        .await;
    assert_eq!(res.status(), 400);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("not on this incident's timeline")
    );

    assert_eq!(dump(&server.db_path).await, before, "no row");
    assert!(stored_files(&server).is_empty(), "no file left behind");
}

#[tokio::test]
async fn a_plain_form_upload_returns_to_the_page_or_explains_the_refusal() {
    let server = Server::start();
    seed(&server).await;
    let before = dump(&server.db_path).await;
    let res = server
        .upload_as_html_form("notes.png", b"just text".to_vec())
        .await;
    // Back to the incident page, at the form it came from, where the reason
    // is said: not a bare page without the app around it.
    assert_eq!(res.status(), 303);
    let back = res.headers()["location"].to_str().unwrap().to_string();
    assert!(back.starts_with("/incidents/1?"), "{back}");
    assert!(back.ends_with("#attach-incident"), "{back}");
    let page = server.page(&back).await;
    let alert = page
        .split("role=\"alert\"")
        .nth(1)
        .expect("the refusal is said on the page");
    assert!(alert.contains("Nothing was attached: "), "{alert}");
    assert!(alert.contains("This file is not a PNG"), "{alert}");
    assert!(
        alert.contains("its content looks like plain text"),
        "{alert}"
    );
    assert!(page.contains("id=\"attach-incident\""), "beside its form");
    assert_eq!(dump(&server.db_path).await, before, "no row");

    let res = server.upload_as_html_form("p99.png", png()).await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/incidents/1#attachments");
}

#[tokio::test]
async fn files_attach_to_events_and_can_be_removed() {
    let server = Server::start();
    seed(&server).await;
    let res = server
        .post(
            "/api/timeline/quick_add",
            &[("number", "1"), ("line", "14:10 alert: p99 above 2 s")],
        )
        .await;
    let event: String = serde_json::from_str(&res.text().await.unwrap()).unwrap();
    let res = server.upload("p99.png", png(), Some(&event)).await;
    assert_eq!(res.status(), 201);
    let id = res.text().await.unwrap();
    let page = server.page("/incidents/1").await;
    let item = &page[page.find(&format!("id=\"event-{event}\"")).unwrap()..];
    let item = &item[..item.find("</li>").unwrap()];
    assert!(
        item.contains(&format!("/attachments/{id}")),
        "shown on the event"
    );

    let res = server
        .post(
            "/api/attachments/delete",
            &[("number", "1"), ("id", id.as_str())],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        server.get(&format!("/attachments/{id}")).await.status(),
        404
    );
    assert_eq!(
        query_i64(
            &server.db_path,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'attachment_deleted'"
        )
        .await,
        1
    );
    // The file stays (history and backups still name it).
    assert_eq!(stored_files(&server), vec![id]);
}

#[tokio::test]
async fn only_editors_attach_and_only_signed_in_people_download() {
    let server = Server::start();
    seed(&server).await;
    let res = server.upload("p99.png", png(), None).await;
    let id = res.text().await.unwrap();
    let before = dump(&server.db_path).await;
    let viewer = server.as_user("viewer").await;
    assert_eq!(viewer.upload("x.png", png(), None).await.status(), 403);
    assert_eq!(
        server
            .anonymous()
            .upload("x.png", png(), None)
            .await
            .status(),
        401
    );
    assert_eq!(dump(&server.db_path).await, before);
    assert_eq!(stored_files(&server).len(), 1);
    assert_eq!(
        viewer.get(&format!("/attachments/{id}")).await.status(),
        200
    );
    let anonymous = server.anonymous().get(&format!("/attachments/{id}")).await;
    assert_eq!(anonymous.status(), 303, "sent to sign in");
}
