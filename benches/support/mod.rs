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
