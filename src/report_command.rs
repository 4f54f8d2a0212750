//! `debrief report` prints the outlier report the page shows (the same
//! workflow: `flows::report::report`); `debrief seed` fills a database with
//! synthetic incidents for demos and benchmarks.

use app::db::Db;
use app::domain::audit::Actor;
use app::domain::report::{PAGE_LIST_LIMIT, ReportFilter};
use app::domain::{report_export, seed};
use app::flows::report::{self as report_flow, ReportCache};

use crate::{ReportArgs, SeedArgs};

pub async fn report(database_url: &str, args: &ReportArgs) -> Result<(), String> {
    let date = |s: &Option<String>, what: &str| -> Result<Option<chrono::NaiveDate>, String> {
        s.as_deref()
            .map(|d| {
                chrono::NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d")
                    .map_err(|_| format!("--{what} {d:?} is not a date like 2026-03-04"))
            })
            .transpose()
    };
    let code = |s: &Option<String>, what: &str, codes: String, valid: bool| {
        if s.is_some() && !valid {
            Err(format!("--{what} must be one of {codes}"))
        } else {
            Ok(())
        }
    };
    use app::domain::incident::{Cynefin, Severity, Status};
    let filter = ReportFilter {
        from: date(&args.from, "from")?,
        to: date(&args.to, "to")?,
        severity: args.severity.as_deref().and_then(Severity::parse),
        status: args.status.as_deref().and_then(Status::parse),
        service: args.service.clone(),
        cynefin: args.cynefin.as_deref().and_then(Cynefin::parse),
    };
    code(
        &args.severity,
        "severity",
        Severity::codes(),
        filter.severity.is_some(),
    )?;
    code(
        &args.status,
        "status",
        Status::codes(),
        filter.status.is_some(),
    )?;
    code(
        &args.cynefin,
        "cynefin",
        Cynefin::codes(),
        filter.cynefin.is_some(),
    )?;
    let db = Db::open(database_url).await.map_err(|e| e.to_string())?;
    let reports = ReportCache::default();
    let outcome = report_flow::report(&db, &reports, &filter)
        .await
        .map_err(|e| e.to_string());
    db.close().await;
    let (report, selection) = outcome?;
    let report = report.for_page(PAGE_LIST_LIMIT);
    let incidents = selection.incidents();
    let out = match args.format.as_str() {
        "json" => report_export::json(&report, &incidents),
        "csv" => report_export::csv(&incidents),
        "text" => report_export::text(&report),
        other => return Err(format!("--format {other:?}: use json, csv or text")),
    };
    print!("{out}");
    Ok(())
}

pub async fn seed(database_url: &str, args: &SeedArgs) -> Result<(), String> {
    let now = chrono::Utc::now();
    let contents = seed::incidents(args.incidents, args.seed, now, args.days);
    let db = Db::open(database_url).await.map_err(|e| e.to_string())?;
    let outcome = db
        .create_incidents(&contents, &Actor::command_line("seed"), now)
        .await
        .map_err(|e| e.to_string());
    db.close().await;
    let n = outcome?;
    eprintln!(
        "debrief: added {n} synthetic incidents (titles start with {:?}) over the last {} days",
        seed::MARK,
        args.days
    );
    Ok(())
}
