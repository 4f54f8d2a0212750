//! What every benchmark shares: the figure lines `scripts/bench` gathers into
//! its table, and a server's peak memory.

#![allow(dead_code)]

/// One line of the table `scripts/bench` prints: what, for what input, how much.
pub fn figure(what: &str, input: &str, value: &str) {
    println!("figure\t{what}\t{input}\t{value}");
}

/// A process's peak resident set (VmHWM), in KB.
pub fn peak_rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .unwrap()
        .parse()
        .unwrap()
}

/// A duration in milliseconds.
pub fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Fills the database at `db_path` with `incidents` synthetic incidents
/// through the release binary's `debrief seed`.
pub fn seed(db_path: &std::path::Path, incidents: usize) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_debrief"))
        .args([
            "seed",
            "--incidents",
            &incidents.to_string(),
            "--database-url",
        ])
        .arg(db_path)
        .args(["--log-level", "warn"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// What one wrk run measured.
pub struct Run {
    pub requests_per_second: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub errors: u64,
    pub timeouts: u64,
}

/// Loads `url` with wrk (2 threads, `connections` connections, `seconds`
/// long), carrying the session `cookie`.
pub fn wrk(url: &str, cookie: &str, connections: u32, seconds: u32) -> Run {
    let out = std::process::Command::new("wrk")
        // A generous timeout: a slow answer is measured, not dropped.
        .args(["--latency", "-t", "2", "--timeout", "10s"])
        .args(["-c", &connections.to_string()])
        .args(["-d", &format!("{seconds}s")])
        .args(["-H", &format!("Cookie: {cookie}")])
        .arg(url)
        .output()
        .expect("wrk is installed (apt-get install wrk; scripts/bench does it)");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    let field = |label: &str| {
        text.lines()
            .map(str::trim)
            .find_map(|l| l.strip_prefix(label))
            .unwrap_or_else(|| panic!("{label} in wrk's output: {text}"))
            .split_whitespace()
            .next()
            .unwrap()
            .to_string()
    };
    let errors = text
        .lines()
        .map(str::trim)
        .find_map(|l| l.strip_prefix("Non-2xx or 3xx responses:"))
        .map_or(0, |n| n.trim().parse().unwrap());
    // "Socket errors: connect 0, read 0, write 0, timeout 12"
    let timeouts = text
        .lines()
        .map(str::trim)
        .find_map(|l| l.strip_prefix("Socket errors:"))
        .and_then(|l| l.rsplit("timeout").next())
        .map_or(0, |n| n.trim().parse().unwrap_or(0));
    Run {
        requests_per_second: field("Requests/sec:").parse().unwrap(),
        p50_ms: millis(&field("50%")),
        p99_ms: millis(&field("99%")),
        errors,
        timeouts,
    }
}

/// wrk's "812.00us", "1.20ms" or "2.01s" in milliseconds.
fn millis(value: &str) -> f64 {
    let split = value.find(|c: char| c.is_ascii_alphabetic()).unwrap();
    let (n, unit) = value.split_at(split);
    let n: f64 = n.parse().unwrap();
    match unit {
        "us" => n / 1000.0,
        "ms" => n,
        "s" => n * 1000.0,
        "m" => n * 60_000.0,
        other => panic!("unit {other} in {value}"),
    }
}
