//! The outlier report's server function: thin, it loads and shapes.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::report::{Report, ReportFilter};
use crate::error::AppError;

/// The report as the page shows it ([`Report::for_page`]) with its plots,
/// drawn from every incident.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportView {
    pub report: Report,
    /// Services named on any incident, for the filter.
    pub services: Vec<String>,
    /// Per metric of the report: the strip plot and the trend plot (SVG).
    pub plots: Vec<(String, String)>,
    /// The Cynefin matrix (SVG).
    pub matrix: String,
}

#[server(prefix = "/api", endpoint = "report")]
pub async fn get_report(#[server(default)] filter: ReportFilter) -> Result<ReportView, AppError> {
    crate::server::context::serve("report", async {
        use crate::domain::plot;
        let db = crate::server::context::db()?;
        let reports = crate::server::context::report_cache()?;
        let (report, _) = crate::flows::report::report(&db, &reports, &filter).await?;
        let report = report.as_ref();
        let plots = report
            .metrics
            .iter()
            .map(|m| {
                let code = m.metric.code();
                let median = m.summary.as_ref().map(|s| s.median);
                (
                    plot::strip_plot(
                        &format!("strip-{code}"),
                        m.metric.label(),
                        &m.values,
                        median,
                    ),
                    plot::trend_plot(&format!("trend-{code}"), m.metric.label(), &m.trend),
                )
            })
            .collect();
        Ok(ReportView {
            matrix: plot::cynefin_matrix("cynefin-matrix", &report.cynefin.matrix),
            services: db.known_services().await?,
            plots,
            report: report.for_page(crate::domain::report::PAGE_LIST_LIMIT),
        })
    })
    .await
}
