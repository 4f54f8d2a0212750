//! Small labelled values: severity and status badges, durations.

use leptos::prelude::*;

use crate::domain::duration_text::{human_duration, iso_duration};
use crate::domain::incident::{Severity, Status};

#[component]
pub fn SeverityBadge(severity: Severity) -> impl IntoView {
    view! {
        <span class=format!("badge severity-{}", severity.code()) title=severity.description()>
            {severity.label()}
        </span>
    }
}

#[component]
pub fn StatusBadge(status: Status) -> impl IntoView {
    view! { <span class=format!("badge status-{}", status.code())>{status.label()}</span> }
}

/// A duration in human form with the exact seconds in data; "missing" when
/// unknown, never zero.
#[component]
pub fn DurationText(seconds: Option<i64>) -> impl IntoView {
    match seconds {
        Some(s) => view! {
            <time class="duration" datetime=iso_duration(s) data-seconds=s.to_string()>{human_duration(s)}</time>
        }
        .into_any(),
        None => view! { <span class="duration missing" data-seconds="">"missing"</span> }.into_any(),
    }
}
