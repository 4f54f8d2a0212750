//! `/report`: the outlier report leadership reads. Filters are a GET form;
//! plots are SVG drawn on the server, each followed by its table.

use crate::routes;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::report::{ReportView, get_report};
use crate::components::error_view::ErrorView;
use crate::components::filter_select::{FilterSelect, options};
use crate::domain::duration_text::human_duration;
use crate::domain::incident::{Cynefin, Severity, Status};
use crate::domain::report::{MetricReport, Report, ReportFilter};
use crate::domain::statistics::{MIN_FOR_STATISTICS, OUTLIER_SCORE};

fn duration(seconds: f64) -> String {
    human_duration(seconds.round() as i64)
}

/// The filter as a query string ("?from=…&severity=…", or "").
fn query_string(filter: &ReportFilter) -> String {
    crate::api::timeline::query_string(&filter.to_params())
}

#[component]
pub fn ReportPage() -> impl IntoView {
    let query_map = use_query_map();
    let filter = move || ReportFilter::from_params(|k| query_map.read().get(k));
    let data = Resource::new(filter, get_report);
    view! {
        <Title text="Outlier report"/>
        <h1>"Outlier report"</h1>
        <p class="lede">
            "Medians and percentiles, never means: a handful of long incidents would distort an average."
        </p>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let f = filter();
                match data.await {
                    Ok(view) => view! { <ReportBody view filter=f/> }.into_any(),
                    Err(error) => view! { <ErrorView error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ReportBody(view: ReportView, filter: ReportFilter) -> impl IntoView {
    let ReportView {
        report,
        services,
        plots,
        matrix,
    } = view;
    let query = query_string(&filter);
    let count = report.incident_count;
    let sections = report
        .metrics
        .iter()
        .cloned()
        .zip(plots)
        .map(|(metric, (strip, trend))| view! { <MetricSection metric strip trend/> })
        .collect_view();
    view! {
        <div class="report">
        <Filters filter services/>
        <p class="report-count" role="status">
            <strong>{count}</strong>
            {if count == 1 { " incident matches." } else { " incidents match." }}
            " Export them: "
            <a href=format!("{}{query}", routes::REPORT_CSV) download="">"CSV"</a>
            " · "
            <a href=format!("{}{query}", routes::REPORT_JSON) download="">"JSON"</a>
        </p>
        <section class="report-rule" aria-labelledby="rule-heading">
            <h2 id="rule-heading">"How outliers are found"</h2>
            <p>
                "An incident is an outlier for a measurement when its duration stands far above the rest on a log scale: its modified z-score over the logarithms of all durations (0.6745 × (ln x − median) ÷ MAD) is above "
                {OUTLIER_SCORE.to_string()}
                ". Only long durations are flagged, and only with at least "
                {MIN_FOR_STATISTICS}
                " incidents; below that the page lists the values themselves. Incidents lacking a moment a measurement needs are listed as data gaps, never counted as zero."
            </p>
        </section>
        <WhereTimeWent report=report.clone()/>
        {sections}
        {report.countermeasures.clone().map(|figures| view! { <CountermeasureSection figures/> })}
        <CynefinSection report matrix/>
        </div>
    }
}

#[component]
fn Filters(filter: ReportFilter, services: Vec<String>) -> impl IntoView {
    let date = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    view! {
        <form class="filters" method="get" action="/report" role="search" aria-label="Filter the report">
            <div class="field">
                <label for="report-from">"From"</label>
                <input id="report-from" type="date" name="from" value=date(filter.from)/>
            </div>
            <div class="field">
                <label for="report-to">"To"</label>
                <input id="report-to" type="date" name="to" value=date(filter.to)/>
            </div>
            <FilterSelect id="report-severity" name="severity" label="Severity"
                options=options(Severity::ALL, Severity::code, Severity::label)
                selected=filter.severity.map(|s| s.code().to_string())/>
            <FilterSelect id="report-status" name="status" label="Status"
                options=options(Status::ALL, Status::code, Status::label)
                selected=filter.status.map(|s| s.code().to_string())/>
            <FilterSelect id="report-service" name="service" label="Service"
                options=services.into_iter().map(|s| (s.clone(), s)).collect()
                selected=filter.service.clone()/>
            <FilterSelect id="report-cynefin" name="cynefin" label="Cynefin (either reading)"
                options=options(Cynefin::ALL, Cynefin::code, Cynefin::label)
                selected=filter.cynefin.map(|c| c.code().to_string())/>
            <div class="actions">
                <button type="submit">"Show"</button>
                <a href="/report">"Clear filters"</a>
            </div>
        </form>
    }
}

/// A bar as long as `share` (0 to 1) of its cell, drawn in SVG: the page's
/// Content-Security-Policy allows no inline `style`.
#[component]
fn ShareBar(share: f64) -> impl IntoView {
    let width = format!("{:.2}", (share.clamp(0.0, 1.0) * 100.0).max(0.5));
    view! {
        <svg class="share-bar" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true" focusable="false">
            <rect x="0" y="0" width=width height="10"></rect>
        </svg>
    }
}

#[component]
fn WhereTimeWent(report: Report) -> impl IntoView {
    let rows = report
        .where_time_went()
        .into_iter()
        .map(|(metric, seconds, share)| {
            view! {
                <tr>
                    <th scope="row">{metric.label()}</th>
                    <td>{human_duration(seconds)}</td>
                    <td>{format!("{:.0}%", share * 100.0)}</td>
                    <td><ShareBar share/></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section aria-labelledby="time-went-heading">
            <h2 id="time-went-heading">"Where the time went"</h2>
            <table class="report-table">
                <caption>"Each phase's share of the time all phases took, over the incidents where it is known; largest first."</caption>
                <thead><tr><th scope="col">"Phase"</th><th scope="col">"Total"</th><th scope="col">"Share"</th><th scope="col"><span class="visually-hidden">"Bar"</span></th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </section>
    }
}

#[component]
fn MetricSection(metric: MetricReport, strip: String, trend: String) -> impl IntoView {
    let code = metric.metric.code();
    let label = metric.metric.label();
    let heading = format!("metric-{code}");
    let labelled_by = heading.clone();
    let meaningful = metric.summary.as_ref().is_some_and(|s| s.is_meaningful());
    let count = metric.count();
    let figures = match (&metric.summary, meaningful) {
        (Some(s), true) => view! {
            <table class="report-table figures">
                <caption>{format!("{label}, in {count} incidents")}</caption>
                <thead><tr>
                    <th scope="col">"Count"</th><th scope="col">"Median"</th><th scope="col">"75th pct."</th>
                    <th scope="col">"90th pct."</th><th scope="col">"Maximum"</th><th scope="col">"MAD"</th>
                </tr></thead>
                <tbody><tr>
                    <td>{s.count}</td><td>{duration(s.median)}</td><td>{duration(s.p75)}</td>
                    <td>{duration(s.p90)}</td><td>{duration(s.max)}</td><td>{duration(s.mad)}</td>
                </tr></tbody>
            </table>
        }
        .into_any(),
        _ => {
            let values = metric
                .values
                .iter()
                .map(|v| {
                    view! { <li><a href=format!("/incidents/{}", v.number)>{format!("#{}", v.number)}</a>" "{human_duration(v.seconds)}</li> }
                })
                .collect_view();
            view! {
                <p class="notice">
                    {format!("Count: {count}. Fewer than {MIN_FOR_STATISTICS} incidents have this measurement, too few for percentiles or outliers; the values themselves:")}
                </p>
                <ul class="raw-values">{values}</ul>
            }
            .into_any()
        }
    };
    let outliers: Vec<_> = metric.outliers().into_iter().cloned().collect();
    let outlier_count = metric.outlier_count;
    let more_outliers = (outlier_count > outliers.len()).then(|| {
        view! {
            <p class="notice">{format!("{outlier_count} outliers; the {} longest are listed. The CSV export holds every incident's durations.", outliers.len())}</p>
        }
    });
    let outlier_table = (!outliers.is_empty()).then(|| {
        let rows = outliers
            .iter()
            .map(|o| {
                let times = metric
                    .times_median(o.seconds)
                    .map(|t| format!("{t:.1}×"))
                    .unwrap_or_else(|| "–".into());
                view! {
                    <tr>
                        <th scope="row"><a href=format!("/incidents/{}", o.number)>{format!("#{} {}", o.number, o.title)}</a></th>
                        <td>{human_duration(o.seconds)}</td>
                        <td>{times}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <table class="report-table outliers">
                <caption>{format!("Outliers: {label} ({outlier_count})")}</caption>
                <thead><tr><th scope="col">"Incident"</th><th scope="col">"Duration"</th><th scope="col">"Times the median"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        }
    });
    let no_outliers =
        (meaningful && outliers.is_empty()).then(|| view! { <p>"No incident stands out."</p> });
    let gaps = (metric.gap_count > 0).then(|| {
        let items = metric
            .gaps
            .iter()
            .map(|g| {
                view! {
                    <li>
                        <a href=format!("/incidents/{}", g.number)>{format!("#{} {}", g.number, g.title)}</a>
                        {format!(": {} not recorded", g.missing.join(" and "))}
                    </li>
                }
            })
            .collect_view();
        let n = metric.gap_count;
        let shown = metric.gaps.len();
        view! {
            <details class="gaps">
                <summary>{format!("Data gaps: {n} incident{} lack{} a moment this needs", if n == 1 { "" } else { "s" }, if n == 1 { "s" } else { "" })}</summary>
                <ul>{items}</ul>
                {(n > shown).then(|| view! { <p>{format!("The {shown} latest are listed; the CSV export holds every incident's moments.")}</p> })}
            </details>
        }
    });
    let trend_rows = metric
        .trend
        .iter()
        .map(|p| {
            view! {
                <tr><th scope="row">{p.month.clone()}</th><td>{p.count}</td><td>{p.median.map(duration).unwrap_or_default()}</td></tr>
            }
        })
        .collect_view();
    let comparison = metric.comparison.clone().map(|c| {
        let interval = |p: &crate::domain::report::Period| match p.interval {
            Some(i) => format!("{} (95% interval {} to {})", p.median.map(duration).unwrap_or_default(), duration(i.low), duration(i.high)),
            None => "–".into(),
        };
        view! {
            <table class="report-table comparison">
                <caption>"Earlier and later half of the period: medians with bootstrap intervals"</caption>
                <thead><tr><th scope="col">"Period"</th><th scope="col">"Count"</th><th scope="col">"Median"</th></tr></thead>
                <tbody>
                    <tr><th scope="row">{c.earlier.label.clone()}</th><td>{c.earlier.count}</td><td>{interval(&c.earlier)}</td></tr>
                    <tr><th scope="row">{c.later.label.clone()}</th><td>{c.later.count}</td><td>{interval(&c.later)}</td></tr>
                </tbody>
            </table>
            {c.small_sample.then(|| view! {
                <p class="notice">"Small samples: with fewer than " {MIN_FOR_STATISTICS} " incidents in a period, only a large change could show; overlapping intervals mean no change can be claimed."</p>
            })}
        }
    });
    view! {
        <section class="metric" aria-labelledby=labelled_by>
            <h2 id=heading>{label}</h2>
            {figures}
            <figure class="plot-figure" inner_html=strip></figure>
            {outlier_table}
            {more_outliers}
            {no_outliers}
            {gaps}
            <figure class="plot-figure" inner_html=trend></figure>
            <details class="table-alternative">
                <summary>{format!("{label}: the monthly medians as a table")}</summary>
                <table class="report-table trend">
                    <caption>{format!("{label}: median by month")}</caption>
                    <thead><tr><th scope="col">"Month"</th><th scope="col">"Count"</th><th scope="col">"Median"</th></tr></thead>
                    <tbody>{trend_rows}</tbody>
                </table>
            </details>
            {comparison}
        </section>
    }
}

#[component]
fn CynefinSection(report: Report, matrix: String) -> impl IntoView {
    let c = report.cynefin;
    let header = Cynefin::ALL
        .iter()
        .map(|d| view! { <th scope="col">{d.label()}</th> })
        .collect_view();
    let rows = Cynefin::ALL
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let cells = (0..Cynefin::ALL.len())
                .map(|j| {
                    let n = c.matrix.get(i).and_then(|r| r.get(j)).copied().unwrap_or(0);
                    view! { <td class=if i == j { "held" } else { "" }>{n}</td> }
                })
                .collect_view();
            view! { <tr><th scope="row">{d.label()}</th>{cells}</tr> }
        })
        .collect_view();
    let quarters = c
        .quarters
        .iter()
        .map(|q| {
            let rate = format!("{:.0}%", 100.0 * q.agreed as f64 / q.count.max(1) as f64);
            let interval = q
                .interval
                .map(|i| format!("{:.0}% to {:.0}%", i.low * 100.0, i.high * 100.0))
                .unwrap_or_default();
            view! { <tr><th scope="row">{q.quarter.clone()}</th><td>{format!("{} of {}", q.agreed, q.count)}</td><td>{rate}</td><td>{interval}</td></tr> }
        })
        .collect_view();
    let mismatches = c
        .mismatches
        .iter()
        .map(|m| {
            let cost = match (m.troubleshoot_median, m.impact_median) {
                (Some(t), Some(i)) => format!("; median time to troubleshoot {}, impact {}", duration(t), duration(i)),
                (Some(t), None) => format!("; median time to troubleshoot {}", duration(t)),
                (None, Some(i)) => format!("; median impact {}", duration(i)),
                (None, None) => String::new(),
            };
            view! { <li>{format!("First read as {}, {} in hindsight: {} incident{}{cost}", m.first.label(), m.hindsight.label(), m.count, if m.count == 1 { "" } else { "s" })}</li> }
        })
        .collect_view();
    let by_domain = c
        .by_hindsight
        .iter()
        .map(|d| {
            let cells = d
                .medians
                .iter()
                .map(|m| view! { <td>{m.map(duration).unwrap_or_else(|| "–".into())}</td> })
                .collect_view();
            view! { <tr><th scope="row">{d.domain.label()}</th><td>{d.count}</td>{cells}</tr> }
        })
        .collect_view();
    let metric_headers = crate::domain::report::Metric::ALL
        .iter()
        .map(|m| view! { <th scope="col">{m.label()}</th> })
        .collect_view();
    let differing = c
        .differing
        .iter()
        .map(|d| {
            view! {
                <li>
                    <a href=format!("/incidents/{}", d.number)>{format!("#{} {}", d.number, d.title)}</a>
                    {format!(": first read as {}, {} in hindsight.", d.first.label(), d.hindsight.label())}
                    {(!d.first_note.is_empty()).then(|| view! { <br/>"Approach taken: " {d.first_note.clone()} })}
                    {(!d.hindsight_note.is_empty()).then(|| view! { <br/>"What would have served better: " {d.hindsight_note.clone()} })}
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="cynefin" aria-labelledby="cynefin-heading">
            <h2 id="cynefin-heading">"Cynefin: first reading and hindsight"</h2>
            <p>{format!("{} incidents have both readings; {} lack one or both.", c.paired, c.unpaired)}</p>
            <figure class="plot-figure" inner_html=matrix></figure>
            <table class="report-table matrix">
                <caption>"Incidents by first reading (rows) and hindsight (columns); the diagonal is where the reading held."</caption>
                <thead><tr><th scope="col">"First reading"</th>{header}</tr></thead>
                <tbody>{rows}</tbody>
            </table>
            <h3>"Agreement by quarter"</h3>
            <table class="report-table">
                <caption>"How often the first reading held, with a 95% Wilson interval"</caption>
                <thead><tr><th scope="col">"Quarter"</th><th scope="col">"Held"</th><th scope="col">"Rate"</th><th scope="col">"Interval"</th></tr></thead>
                <tbody>{quarters}</tbody>
            </table>
            <h3>"Which way the readings changed"</h3>
            <p>{match (c.held_troubleshoot_median, c.held_impact_median) {
                (Some(t), Some(i)) => format!("Where the first reading held: median time to troubleshoot {}, impact {}.", duration(t), duration(i)),
                _ => "Most frequent first.".to_string(),
            }}</p>
            <ul>{mismatches}</ul>
            <h3>"Phase medians by hindsight domain"</h3>
            <table class="report-table">
                <thead><tr><th scope="col">"Hindsight"</th><th scope="col">"Incidents"</th>{metric_headers}</tr></thead>
                <tbody>{by_domain}</tbody>
            </table>
            <h3>"Incidents whose reading changed"</h3>
            <p>{format!("{} incident{} read differently in hindsight{}.", c.differing_count, if c.differing_count == 1 { "" } else { "s" }, if c.differing_count > c.differing.len() { format!("; the {} latest", c.differing.len()) } else { String::new() })}</p>
            <ul class="differing">{differing}</ul>
        </section>
    }
}

#[component]
fn CountermeasureSection(figures: crate::domain::report::CountermeasureFigures) -> impl IntoView {
    let statuses = figures
        .by_status
        .iter()
        .map(|(s, n)| view! { <tr><th scope="row">{s.label()}</th><td>{*n}</td></tr> })
        .collect_view();
    let kinds = figures
        .kinds_by_domain
        .iter()
        .map(|(domain, kinds)| {
            let list = kinds
                .iter()
                .map(|(k, n)| format!("{} {n}", k.label()))
                .collect::<Vec<_>>()
                .join(", ");
            view! { <tr><th scope="row">{domain.label()}</th><td>{list}</td></tr> }
        })
        .collect_view();
    let completion = figures
        .completion
        .map(|c| format!("{:.0}% done", c * 100.0))
        .unwrap_or_else(|| "none to complete yet".into());
    view! {
        <section class="countermeasures" aria-labelledby="cm-heading">
            <h2 id="cm-heading">"Countermeasures"</h2>
            <p class="cm-summary">
                {format!("{} countermeasures are linked to these incidents: {completion} (not counting \"won't do\"), {} overdue.", figures.linked, figures.overdue)}
                " "<a href="/countermeasures">"Open the backlog"</a>
            </p>
            <table class="report-table">
                <caption>"By status"</caption>
                <thead><tr><th scope="col">"Status"</th><th scope="col">"Countermeasures"</th></tr></thead>
                <tbody>{statuses}</tbody>
            </table>
            <table class="report-table">
                <caption>"Kinds by hindsight domain of their incidents"</caption>
                <thead><tr><th scope="col">"Hindsight"</th><th scope="col">"Kinds"</th></tr></thead>
                <tbody>{kinds}</tbody>
            </table>
        </section>
    }
}
