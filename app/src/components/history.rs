//! A list of audit entries: who changed what, when, field by field.

use leptos::prelude::*;

use crate::api::incidents::ShownTime;
use crate::domain::audit::AuditEntry;

/// Values longer than this are folded into a disclosure.
const LONG: usize = 160;

fn action_text(action: &str) -> &str {
    match action {
        "created" => "created",
        "updated" => "edited",
        "password_changed" => "changed their password",
        "password_reset" => "set a new password",
        "event_added" => "added a timeline event",
        "event_edited" => "edited a timeline event",
        "event_marked" => "marked a key moment on a timeline event",
        "event_unmarked" => "removed a key-moment mark from a timeline event",
        "event_deleted" => "deleted a timeline event",
        "event_restored" => "restored a timeline event",
        "attachment_added" => "attached a file",
        "attachment_deleted" => "removed an attachment",
        "transcript_imported" => "imported a chat transcript",
        "moved" => "moved on the board",
        "linked" => "linked more incidents",
        "merged" => "merged into another countermeasure",
        "merged_in" => "merged another countermeasure into this one",
        other => other,
    }
}

#[component]
fn Value(text: String) -> impl IntoView {
    if text.is_empty() {
        view! { <span class="empty">"(empty)"</span> }.into_any()
    } else if text.chars().count() > LONG {
        let preview: String = text.chars().take(60).collect();
        view! {
            <details><summary>{preview}"…"</summary><pre class="long-value">{text}</pre></details>
        }
        .into_any()
    } else {
        view! { <span>{text}</span> }.into_any()
    }
}

#[component]
pub fn HistoryList(entries: Vec<(AuditEntry, ShownTime)>, show_object: bool) -> impl IntoView {
    if entries.is_empty() {
        return view! { <p>"No changes recorded yet."</p> }.into_any();
    }
    view! {
        <ol class="history">
            {entries.into_iter().map(|(e, at)| view! {
                <li>
                    <p>
                        <time datetime=at.iso>{at.text}</time>": "
                        <strong>{e.actor_name.clone()}</strong>" "{action_text(&e.action).to_string()}
                        {show_object.then(|| format!(" {} {}", e.object_kind, e.object_label))}
                        {(!show_object && e.object_kind != "incident").then(|| view! {
                            ": "<q class="object-label">{e.object_label.clone()}</q>
                        })}
                    </p>
                    {(!e.changes.is_empty()).then(|| view! {
                        <table class="changes">
                            <thead><tr><th scope="col">"Field"</th><th scope="col">"Before"</th><th scope="col">"After"</th></tr></thead>
                            <tbody>
                                {e.changes.into_iter().map(|c| view! {
                                    <tr>
                                        <th scope="row">{c.field}</th>
                                        <td><Value text=c.before/></td>
                                        <td><Value text=c.after/></td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    })}
                </li>
            }).collect_view()}
        </ol>
    }
    .into_any()
}
