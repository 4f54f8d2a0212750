//! What a browser is sent compressed: pages and JSON in brotli or gzip,
//! whichever the request accepts (brotli first), said in `Content-Encoding`
//! and varied on `Accept-Encoding` for caches; a client that accepts
//! neither gets the plain bytes.

use crate::common::{Client, Server, incident_form};

async fn fetch(client: &Client, path: &str, accept: Option<&str>) -> reqwest::Response {
    let mut req = client.http.get(client.url(path));
    if let Some(accept) = accept {
        req = req.header("accept-encoding", accept);
    }
    req.send().await.expect("GET")
}

fn encoding(res: &reqwest::Response) -> Option<String> {
    res.headers()
        .get("content-encoding")
        .map(|v| v.to_str().unwrap().to_string())
}

#[tokio::test]
async fn pages_and_json_are_compressed_for_clients_that_accept_it() {
    let server = Server::start();
    let res = server
        .post(
            "/api/incidents/create",
            &incident_form("Checkout slow for some customers", "outage", "checkout"),
        )
        .await;
    assert_eq!(res.status(), 200);
    let viewer = server.as_user("viewer").await;
    let anonymous = server.anonymous();
    for (client, path) in [
        (&viewer, "/incidents"),
        (&viewer, "/incidents/1"),
        (&viewer, "/report/incidents.json"),
        (&anonymous, "/login"),
    ] {
        let plain = fetch(client, path, None).await;
        assert_eq!(plain.status(), 200, "{path}");
        assert_eq!(
            encoding(&plain),
            None,
            "{path}: nothing asked, nothing compressed"
        );
        let plain = plain.bytes().await.unwrap();

        let br = fetch(client, path, Some("gzip, deflate, br")).await;
        assert_eq!(br.status(), 200, "{path}");
        assert_eq!(encoding(&br).as_deref(), Some("br"), "{path}");
        let vary = br.headers()["vary"].to_str().unwrap().to_ascii_lowercase();
        assert!(vary.contains("accept-encoding"), "{path}: vary {vary}");
        let br = br.bytes().await.unwrap();
        assert!(
            br.len() < plain.len(),
            "{path}: {} compressed bytes for {} plain",
            br.len(),
            plain.len()
        );

        let gzip = fetch(client, path, Some("gzip")).await;
        assert_eq!(encoding(&gzip).as_deref(), Some("gzip"), "{path}");
        let gzip = gzip.bytes().await.unwrap();
        assert_eq!(&gzip[..2], &[0x1f, 0x8b], "{path}: a gzip stream");
    }
}

/// A release build's assets: the precompressed file a build wrote is sent
/// to a browser that accepts it, the plain one otherwise. A name with a
/// content hash is kept for good; any other may be kept, but is asked for
/// again before reuse (304 when unchanged).
#[tokio::test]
async fn assets_are_sent_precompressed_and_revalidated() {
    let site = tempfile::tempdir().unwrap();
    let pkg = site.path().join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    let wasm = vec![0u8; 4096];
    std::fs::write(pkg.join("debrief.wasm"), &wasm).unwrap();
    std::fs::write(pkg.join("debrief.wasm.br"), b"brotli bytes").unwrap();
    std::fs::write(pkg.join("debrief.wasm.gz"), b"gzip bytes").unwrap();
    let hashed = "debrief.Q2hlY2tvdXQgbGF0ZW5j.wasm";
    std::fs::write(pkg.join(hashed), &wasm).unwrap();
    std::fs::write(pkg.join(format!("{hashed}.br")), b"brotli bytes").unwrap();
    let server = Server::start_with_args(&["--site-root", site.path().to_str().unwrap()]);
    let client = server.anonymous();

    let br = fetch(&client, "/pkg/debrief.wasm", Some("gzip, deflate, br")).await;
    assert_eq!(br.status(), 200);
    assert_eq!(encoding(&br).as_deref(), Some("br"));
    assert_eq!(br.headers()["cache-control"], "no-cache");
    let modified = br.headers()["last-modified"].clone();
    assert_eq!(&br.bytes().await.unwrap()[..], b"brotli bytes");

    let gzip = fetch(&client, "/pkg/debrief.wasm", Some("gzip")).await;
    assert_eq!(encoding(&gzip).as_deref(), Some("gzip"));
    assert_eq!(&gzip.bytes().await.unwrap()[..], b"gzip bytes");

    let plain = fetch(&client, "/pkg/debrief.wasm", None).await;
    assert_eq!(encoding(&plain), None);
    assert_eq!(plain.bytes().await.unwrap().len(), wasm.len());

    let again = client
        .http
        .get(client.url("/pkg/debrief.wasm"))
        .header("if-modified-since", modified)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304, "an unchanged asset is not sent again");
    assert_eq!(again.headers()["cache-control"], "no-cache");

    for accepts in [Some("br"), None] {
        let kept = fetch(&client, &format!("/pkg/{hashed}"), accepts).await;
        assert_eq!(kept.status(), 200);
        assert_eq!(
            kept.headers()["cache-control"],
            "public, max-age=31536000, immutable",
            "{accepts:?}"
        );
    }
    let missing = fetch(&client, "/pkg/debrief.Q2hlY2tvdXQgbGF0ZW5k.wasm", None).await;
    assert_eq!(missing.status(), 404);
    assert!(
        missing
            .headers()
            .get("cache-control")
            .is_none_or(|c| c != "public, max-age=31536000, immutable"),
        "a missing asset is not kept"
    );
}
