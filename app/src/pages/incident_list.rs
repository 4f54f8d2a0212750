use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::incidents::{IncidentListView, list_incidents};
use crate::components::error_view::ErrorView;
use crate::components::filter_select::{FilterSelect, options};
use crate::components::labels::{DurationText, SeverityBadge, StatusBadge};
use crate::domain::incident::{Severity, Status};
use crate::domain::incident_list::{IncidentQuery, SortKey};

fn href(query: &IncidentQuery) -> String {
    let params = query.to_params();
    if params.is_empty() {
        return "/incidents".into();
    }
    let pairs: Vec<String> = params
        .into_iter()
        .map(|(k, v)| format!("{k}={}", encode(&v)))
        .collect();
    format!("/incidents?{}", pairs.join("&"))
}

/// Percent-encodes a query value.
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[component]
pub fn IncidentListPage() -> impl IntoView {
    let query_map = use_query_map();
    let query = move || IncidentQuery::from_params(|k| query_map.read().get(k));
    let data = Resource::new(query, list_incidents);
    view! {
        <Title text="Incidents"/>
        <h1>"Incidents"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let q = query();
                match data.await {
                    Ok(list) => view! { <IncidentList list query=q/> }.into_any(),
                    Err(error) => view! { <ErrorView error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Filters(query: IncidentQuery, services: Vec<String>) -> impl IntoView {
    view! {
        <form class="filters" method="get" action="/incidents" role="search" aria-label="Filter incidents">
            <FilterSelect id="filter-status" name="status" label="Status"
                options=options(Status::ALL, Status::code, Status::label)
                selected=query.status.map(|s| s.code().to_string())/>
            <FilterSelect id="filter-severity" name="severity" label="Severity"
                options=options(Severity::ALL, Severity::code, Severity::label)
                selected=query.severity.map(|s| s.code().to_string())/>
            <FilterSelect id="filter-service" name="service" label="Service"
                options=services.into_iter().map(|s| (s.clone(), s)).collect()
                selected=query.service.clone()/>
            {(query.sort != SortKey::Start).then(|| view! { <input type="hidden" name="sort" value=query.sort.code()/> })}
            {(!query.descending).then(|| view! { <input type="hidden" name="dir" value="asc"/> })}
            <div class="actions">
                <button type="submit">"Filter"</button>
                <a href="/incidents">"Clear filters"</a>
            </div>
        </form>
    }
}

#[component]
fn SortHeader(label: &'static str, key: SortKey, query: IncidentQuery) -> impl IntoView {
    let active = query.sort == key;
    let next = IncidentQuery {
        sort: key,
        descending: if active { !query.descending } else { true },
        page: 1,
        ..query.clone()
    };
    let aria = active.then_some(if query.descending {
        "descending"
    } else {
        "ascending"
    });
    let arrow = if active {
        if query.descending { " ↓" } else { " ↑" }
    } else {
        ""
    };
    view! {
        <th scope="col" aria-sort=aria>
            <a href=href(&next) data-sort=key.code()>{label}{arrow}</a>
        </th>
    }
}

#[component]
fn IncidentList(list: IncidentListView, query: IncidentQuery) -> impl IntoView {
    let IncidentListView {
        page,
        started,
        services,
        viewer_zone,
    } = list;
    let page_count = page.page_count();
    let current = page.page;
    let total = page.total;
    let prev = (current > 1).then(|| {
        href(&IncidentQuery {
            page: current - 1,
            ..query.clone()
        })
    });
    let next = (current < page_count).then(|| {
        href(&IncidentQuery {
            page: current + 1,
            ..query.clone()
        })
    });
    let empty = page.rows.is_empty();
    view! {
        <Filters query=query.clone() services/>
        <p class="count" aria-live="polite">
            {format!("{total} incident{} · page {current} of {page_count} · times in {viewer_zone}", if total == 1 { "" } else { "s" })}
        </p>
        {if empty {
            view! {
                <p class="empty">{empty_list_text(&query)}</p>
            }.into_any()
        } else {
            view! {
                <table class="incident-list">
                    <thead>
                        <tr>
                            <th scope="col">"#"</th>
                            <th scope="col">"Title"</th>
                            <SortHeader label="Severity" key=SortKey::Severity query=query.clone()/>
                            <SortHeader label="Status" key=SortKey::Status query=query.clone()/>
                            <th scope="col">"Services"</th>
                            <SortHeader label="Started" key=SortKey::Start query=query.clone()/>
                            <th scope="col">"Impact"</th>
                            <th scope="col">"Countermeasures"</th>
                            <th scope="col">"Review"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {page.rows.into_iter().zip(started).map(|(row, started)| view! {
                            <tr data-number=row.number.0 class:review-overdue=row.review.overdue>
                                <td>{row.number.0}</td>
                                <td><a href=format!("/incidents/{}", row.number.0)>{row.title}</a></td>
                                <td><SeverityBadge severity=row.severity/></td>
                                <td><StatusBadge status=row.status/></td>
                                <td>{row.services.join(", ")}</td>
                                <td>{match started {
                                    Some(t) => view! { <time datetime=t.iso>{t.text}</time> }.into_any(),
                                    None => view! { <span class="missing">"not recorded"</span> }.into_any(),
                                }}</td>
                                <td><DurationText seconds=row.impact_seconds/></td>
                                <td class="cm-counts">
                                    {(row.open_countermeasures > 0).then(|| view! {
                                        <a href=format!("/countermeasures?incident={}", row.number.0)>{format!("{} open", row.open_countermeasures)}</a>
                                    })}
                                    {(row.overdue_countermeasures > 0).then(|| view! {
                                        ", " <strong class="overdue">{format!("{} overdue", row.overdue_countermeasures)}</strong>
                                    })}
                                </td>
                                <td class="review-state"><ReviewState review=row.review number=row.number.0/></td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        }}
        <nav class="pagination" aria-label="Pages">
            {prev.map(|h| view! { <a href=h rel="prev">"← Previous page"</a> })}
            {next.map(|h| view! { <a href=h rel="next">"Next page →"</a> })}
        </nav>
    }
}

/// A row's review: overdue stands out (in words, not only colour); else when
/// it is booked or due.
#[component]
fn ReviewState(review: crate::domain::review::ReviewStatus, number: i64) -> impl IntoView {
    let link = format!("/incidents/{number}#review");
    if review.overdue {
        let due = review.due.map(|d| d.to_string()).unwrap_or_default();
        return view! { <a href=link><strong class="overdue">{format!("Review overdue (due {due})")}</strong></a> }
            .into_any();
    }
    let text = match (review.published, review.held, review.scheduled, review.due) {
        (true, ..) => "Published".to_string(),
        (_, true, ..) => "Held".to_string(),
        (_, _, Some(at), _) => format!("Booked {}", at.date_naive()),
        (_, _, None, Some(due)) => format!("Due by {due}"),
        _ => String::new(),
    };
    view! { <span>{text}</span> }.into_any()
}

/// What an empty list says: nothing recorded yet, or nothing matching the
/// filters (and how to see everything again).
fn empty_list_text(query: &IncidentQuery) -> AnyView {
    let filtered = query.status.is_some() || query.severity.is_some() || query.service.is_some();
    if filtered {
        view! { "No incidents match these filters. "<a href="/incidents">"Show every incident"</a>"." }.into_any()
    } else if query.page > 1 {
        view! { "This page is past the last incident. "<a href="/incidents">"Back to the first page"</a>"." }.into_any()
    } else {
        view! { "No incidents recorded yet. When something goes wrong, "<a href="/incidents/new">"record it as a new incident"</a>" and build its timeline here." }.into_any()
    }
}
