//! The server under attack on loopback: while one attack runs, a second
//! client asks for `/healthz` and an incident page every 200 ms. For each
//! attack this prints the slowest answer that client got and the server's
//! peak memory (RSS) during the attack, against the goals (answers within
//! 1 s, RSS under 512 MB). A benchmark, not a test: run it with
//! `cargo bench --features ssr --bench attacks` (release build).
//!
//! The attacks are the ones an outside review ran against the release of
//! 2026-12-05: nested-Markdown previews, 200 concurrent password checks, a
//! small zip of huge entries opened in the transcript preview, 1,500
//! connections that stall in their headers, and 200 slow readers of the
//! report export.

#[path = "../tests/common/mod.rs"]
mod common;
mod support;

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use support::{figure, ms};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const INCIDENTS: usize = 10_000;
const ATTACK_FOR: Duration = Duration::from_secs(20);

/// The server's resident memory now, in KB.
fn rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// What the second client saw while an attack ran.
struct Watch {
    slowest_health: Duration,
    slowest_page: Duration,
    failures: u32,
    peak_rss_kb: u64,
}

/// Runs `attack` until it returns, while a second client and a memory
/// sampler watch the server.
async fn watched<F: std::future::Future<Output = String>>(
    server: &common::Server,
    reader: &common::Client,
    attack: F,
) -> (String, Watch) {
    let stop = Arc::new(AtomicBool::new(false));
    let pid = server.pid();
    let sampler = {
        let stop = stop.clone();
        tokio::spawn(async move {
            let mut peak = 0;
            while !stop.load(Ordering::Relaxed) {
                peak = peak.max(rss_kb(pid));
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            peak
        })
    };
    let second = {
        let stop = stop.clone();
        let reader = reader.clone();
        tokio::spawn(async move {
            let (mut health, mut page, mut failures) = (Duration::ZERO, Duration::ZERO, 0);
            while !stop.load(Ordering::Relaxed) {
                for (path, slowest) in [("/healthz", &mut health), ("/incidents/1", &mut page)] {
                    let started = Instant::now();
                    let answer =
                        tokio::time::timeout(Duration::from_secs(30), reader.get(path)).await;
                    *slowest = (*slowest).max(started.elapsed());
                    if !matches!(&answer, Ok(res) if res.status() == 200) {
                        failures += 1;
                    }
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            (health, page, failures)
        })
    };
    let said = attack.await;
    stop.store(true, Ordering::Relaxed);
    let (slowest_health, slowest_page, failures) = second.await.unwrap();
    let peak_rss_kb = sampler.await.unwrap();
    (
        said,
        Watch {
            slowest_health,
            slowest_page,
            failures,
            peak_rss_kb,
        },
    )
}

/// Repeats `one` from `clients` tasks until the attack time is over;
/// returns how the answers' statuses were spread.
async fn flood<F, Fut>(clients: usize, one: F) -> String
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = u16> + Send,
{
    let one = Arc::new(one);
    let until = Instant::now() + ATTACK_FOR;
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let one = one.clone();
            tokio::spawn(async move {
                let mut statuses = std::collections::BTreeMap::<u16, u32>::new();
                while Instant::now() < until {
                    *statuses.entry(one().await).or_default() += 1;
                }
                statuses
            })
        })
        .collect();
    let mut all = std::collections::BTreeMap::<u16, u32>::new();
    for task in tasks {
        for (status, n) in task.await.unwrap() {
            *all.entry(status).or_default() += n;
        }
    }
    all.iter()
        .map(|(status, n)| format!("{n} × {status}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A zip of `entries` entries, each `entry_mb` MB that the Zulip reader
/// would keep (a `zerver_message` head, then padding that compresses to
/// almost nothing).
fn zip_bomb(entries: usize, entry_mb: usize) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut out);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    let padding = vec![b' '; 1024 * 1024];
    for i in 0..entries {
        zip.start_file(format!("messages-{i:06}.json"), options)
            .unwrap();
        zip.write_all(b"{\"zerver_message\": [").unwrap();
        for _ in 0..entry_mb {
            zip.write_all(&padding).unwrap();
        }
        zip.write_all(b"]}").unwrap();
    }
    zip.write_all(b"").unwrap();
    zip.finish().unwrap();
    out.into_inner()
}

#[tokio::main]
async fn main() {
    let server = common::Server::start();
    support::seed(&server.db_path, INCIDENTS);
    let editor = server.as_user("editor").await;
    let viewer = server.as_user("viewer").await;
    let reader = server.as_user("viewer").await;
    assert!(reader.page("/incidents/1").await.contains("</html>"));
    let mut rows = Vec::new();

    // 1. Nested Markdown in previews, four clients at a time.
    let attack = {
        let editor = editor.clone();
        flood(4, move || {
            let editor = editor.clone();
            async move {
                let body = if rand_bit() {
                    ">".repeat(16_000)
                } else {
                    "<div>".repeat(32_000)
                };
                editor
                    .post("/api/postmortem/preview", &[("body", body.as_str())])
                    .await
                    .status()
                    .as_u16()
            }
        })
    };
    rows.push((
        "nested-Markdown previews (4 clients)",
        watched(&server, &reader, attack).await,
    ));

    // 2. Wrong current passwords on the change-password form, 200 at once.
    let attack = {
        let viewer = viewer.clone();
        flood(200, move || {
            let viewer = viewer.clone();
            async move {
                viewer
                    .post(
                        "/api/account/change_password",
                        &[
                            ("current", "not the password at all"),
                            ("password", "a new long passphrase"),
                            ("password_confirm", "a new long passphrase"),
                        ],
                    )
                    .await
                    .status()
                    .as_u16()
            }
        })
    };
    rows.push((
        "200 concurrent password checks",
        watched(&server, &reader, attack).await,
    ));

    // 3. A 24-entry zip of 250 MB entries, staged and previewed, twice at once.
    let bomb = zip_bomb(24, 250);
    let bomb_mb = bomb.len() as f64 / 1e6;
    let attack = {
        let editor = editor.clone();
        flood(2, move || {
            let editor = editor.clone();
            let bomb = bomb.clone();
            async move {
                let res = editor
                    .post_files("/incidents/1/transcripts", vec![("export.zip", bomb)])
                    .await;
                let status = res.status().as_u16();
                if status != 201 {
                    return status;
                }
                let token = res.text().await.unwrap_or_default();
                editor
                    .post(
                        "/api/transcripts/preview",
                        &[("number", "1"), ("staged", token.as_str())],
                    )
                    .await
                    .status()
                    .as_u16()
            }
        })
    };
    rows.push((
        "zip of 24 × 250 MB entries, previewed (2 clients)",
        watched(&server, &reader, attack).await,
    ));
    println!("  (the zip is {bomb_mb:.1} MB)");

    // 4. 1,500 connections that send half their headers and stall.
    let authority = server.base.trim_start_matches("http://").to_string();
    let attack = async move {
        let until = Instant::now() + ATTACK_FOR;
        let tasks: Vec<_> = (0..1500)
            .map(|_| {
                let authority = authority.clone();
                tokio::spawn(async move {
                    let mut cut_off = 0u32;
                    while Instant::now() < until {
                        let Ok(mut stream) = tokio::net::TcpStream::connect(&authority).await
                        else {
                            tokio::time::sleep(Duration::from_millis(100)).await;
                            continue;
                        };
                        let _ = stream
                            .write_all(b"GET /incidents HTTP/1.1\r\nHost: x\r\nX-Slow: ")
                            .await;
                        let mut buffer = [0u8; 64];
                        let left = until.saturating_duration_since(Instant::now());
                        if let Ok(Ok(_)) =
                            tokio::time::timeout(left, stream.read(&mut buffer)).await
                        {
                            cut_off += 1;
                        }
                    }
                    cut_off
                })
            })
            .collect();
        let mut cut_off = 0;
        for task in tasks {
            cut_off += task.await.unwrap();
        }
        format!("{cut_off} stalled connections cut off by the server")
    };
    rows.push((
        "1,500 connections stalled in their headers",
        watched(&server, &reader, attack).await,
    ));

    // 5. 200 readers of the report export that read 4 KB a second.
    let cookie = viewer.cookie.clone().unwrap();
    let authority = server.base.trim_start_matches("http://").to_string();
    let attack = async move {
        let until = Instant::now() + ATTACK_FOR;
        let tasks: Vec<_> = (0..200)
            .map(|_| {
                let (authority, cookie) = (authority.clone(), cookie.clone());
                tokio::spawn(async move {
                    let Ok(mut stream) = tokio::net::TcpStream::connect(&authority).await else {
                        return 0;
                    };
                    let request = format!(
                        "GET /report/incidents.json HTTP/1.1\r\nHost: x\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n"
                    );
                    let _ = stream.write_all(request.as_bytes()).await;
                    let mut read = 0usize;
                    let mut buffer = [0u8; 4096];
                    while Instant::now() < until {
                        match stream.read(&mut buffer).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => read += n,
                        }
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                    read
                })
            })
            .collect();
        let mut read = 0;
        for task in tasks {
            read += task.await.unwrap();
        }
        format!("{:.1} MB read in all", read as f64 / 1e6)
    };
    rows.push((
        "200 slow readers of /report/incidents.json",
        watched(&server, &reader, attack).await,
    ));

    println!(
        "attacks on loopback ({INCIDENTS} incidents, {} s each; a second client asks for /healthz and /incidents/1 every 200 ms):",
        ATTACK_FOR.as_secs()
    );
    let mut all_met = true;
    for (what, (said, watch)) in &rows {
        let slowest = watch.slowest_health.max(watch.slowest_page);
        let met = slowest < Duration::from_secs(1)
            && watch.failures == 0
            && watch.peak_rss_kb < 512 * 1024;
        all_met &= met;
        println!(
            "  {what}: second client's slowest /healthz {:.0} ms, incident page {:.0} ms, {} failed; peak RSS {:.0} MB; goal {}. Attack: {said}",
            ms(watch.slowest_health),
            ms(watch.slowest_page),
            watch.failures,
            watch.peak_rss_kb as f64 / 1024.0,
            if met { "met" } else { "NOT met" }
        );
        figure(
            &format!("under attack: {what}"),
            "second client's slowest answer; server peak RSS (goals: < 1 s, < 512 MB)",
            &format!(
                "{:.0} ms; {:.0} MB ({})",
                ms(slowest),
                watch.peak_rss_kb as f64 / 1024.0,
                if met { "met" } else { "not met" }
            ),
        );
    }
    if !all_met {
        std::process::exit(1);
    }
}

/// A coin toss, from the clock (good enough to mix two payloads).
fn rand_bit() -> bool {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos() % 2 == 0)
        .unwrap_or(true)
}
