//! An incident's key moments and phase durations as tables: on the incident
//! page and in the review handout.

use leptos::prelude::*;

use crate::api::incidents::MomentRow;
use crate::components::labels::DurationText;
use crate::domain::phases::{Phase, PhaseBreakdown};

#[component]
pub fn MomentsTable(moments: Vec<MomentRow>) -> impl IntoView {
    view! {
        <table class="moments">
            <thead><tr><th scope="col">"Moment"</th><th scope="col">"Time"</th></tr></thead>
            <tbody>
                {moments.into_iter().map(|row| view! {
                    <tr data-moment=row.moment.code()>
                        <th scope="row">{row.moment.label()}</th>
                        <td>{match row.shown {
                            Some(t) => view! {
                                <time datetime=t.iso>{t.text}</time>
                                {row.estimated.then_some(view! { " " <span class="estimate">"(estimate)"</span> })}
                            }.into_any(),
                            None => view! { <span class="missing">"not recorded"</span> }.into_any(),
                        }}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
pub fn DurationsTable(breakdown: PhaseBreakdown) -> impl IntoView {
    view! {
        <table class="durations">
            <thead><tr><th scope="col">"Phase"</th><th scope="col">"From → to"</th><th scope="col">"Duration"</th></tr></thead>
            <tbody>
                {Phase::ALL.into_iter().map(|p| view! {
                    <tr data-phase=p.code()>
                        <th scope="row">{p.metric_label()}</th>
                        <td>{p.from().label()}" → "{p.to().label()}</td>
                        <td><DurationText seconds=breakdown.phase_seconds(p)/></td>
                    </tr>
                }).collect_view()}
                <tr data-phase="impact" class="total">
                    <th scope="row">"Impact duration"</th>
                    <td>"Impact started → Repaired"</td>
                    <td><DurationText seconds=breakdown.impact_seconds/></td>
                </tr>
            </tbody>
        </table>
    }
}
