//! The incident page's "Review meeting" section: when the review is due and
//! whether it is late, when and where it is booked and who comes, the
//! calendar invitation, the handout and whether it went out, and (for
//! editors) the scheduling form. Plain forms: they work without JavaScript.

use crate::routes;
use leptos::prelude::*;

use crate::api::review::{MarkHandout, ReviewView, SaveReview};
use crate::components::incident_form::{ErrorSummary, TextField, error_for, textarea_text};
use crate::domain::review::{ATTENDEE_MAX, LOCATION_MAX, MAX_ATTENDEES, ReviewForm};

/// The section, from the review as loaded (the page holds the resource and
/// the actions: a Suspense nested in a resolved view does not hydrate
/// reliably, so this renders inside the page's own).
#[component]
pub fn ReviewSection(
    view: ReviewView,
    save: ServerAction<SaveReview>,
    handout: ServerAction<MarkHandout>,
) -> impl IntoView {
    view! {
        <section id="review" aria-labelledby="review-heading">
            <h2 id="review-heading">"Review meeting"</h2>
            <Review view save handout/>
        </section>
    }
}

fn due_line(view: &ReviewView) -> String {
    let s = &view.status;
    match (s.published, s.held, s.due) {
        (true, _, _) => "Reviewed: the post-mortem is published.".to_string(),
        (_, true, _) => "The review has been held.".to_string(),
        (_, _, None) => {
            "No review due yet: it falls due a few working days after the incident is resolved."
                .to_string()
        }
        (_, _, Some(due)) if s.overdue => format!(
            "Review overdue by {} day{}: it was due by {due}.",
            view.days_late,
            if view.days_late == 1 { "" } else { "s" }
        ),
        (_, _, Some(due)) => format!("Review due by {due}."),
    }
}

#[component]
fn Review(
    view: ReviewView,
    save: ServerAction<SaveReview>,
    handout: ServerAction<MarkHandout>,
) -> impl IntoView {
    let n = view.number;
    let overdue = view.status.overdue;
    let r = view.review.clone();
    let booked = match view.scheduled.clone() {
        None => view! { <p>"Not scheduled yet."</p> }.into_any(),
        Some(at) => view! {
            <dl class="facts">
                <dt>"When"</dt>
                <dd><time datetime=at.iso>{at.text}</time>{format!(" ({} minutes)", r.minutes)}</dd>
                <dt>"Where"</dt>
                <dd>{if r.location.is_empty() { "not set".to_string() } else { r.location.clone() }}</dd>
                <dt>"Facilitator"</dt>
                <dd>{if view.facilitator.is_empty() { "not named (set it on the incident)".to_string() } else { view.facilitator.clone() }}</dd>
                <dt>"Attendees"</dt>
                <dd>{if r.attendees.is_empty() { "none listed".to_string() } else { r.attendees.join(", ") }}</dd>
            </dl>
            <p><a href=routes::at(routes::REVIEW_ICS, n) download=format!("review-{n}.ics")>"Download the invitation (.ics)"</a></p>
        }
        .into_any(),
    };
    let sent = view.handout_sent.clone();
    let handout_line = match &sent {
        Some(at) => view! {
            "Handout sent by "{r.handout_sent_by.clone()}" at "<time datetime=at.iso.clone()>{at.text.clone()}</time>"."
        }
        .into_any(),
        None => view! { "The handout has not been sent yet." }.into_any(),
    };
    view! {
        <p class:overdue=overdue role=overdue.then_some("status")>{due_line(&view)}</p>
        {booked}
        <p>
            <a href=format!("/incidents/{n}/handout")>"The handout"</a>
            " (printable: key moments, phases, the timeline and open questions). "{handout_line}
        </p>
        <p><a href=format!("/incidents/{n}/meeting")>"Meeting mode"</a>
            ": walk the timeline event by event on a shared screen; everyone who opens it follows."</p>
        {view.can_edit.then(|| view! {
            {move || handout.value().get().and_then(Result::err).map(crate::components::incident_form::error_summary)}
            <ActionForm action=handout attr:class="inline-form">
                <input type="hidden" name="number" value=n.to_string()/>
                <input type="hidden" name="version" value=view.review.version.to_string()/>
                <input type="hidden" name="sent" value=if sent.is_some() { "no" } else { "yes" }/>
                <button type="submit">{if sent.is_some() { "Mark the handout as not sent" } else { "Mark the handout as sent" }}</button>
            </ActionForm>
            <ScheduleForm view=view.clone() save/>
        })}
    }
}

#[component]
fn ScheduleForm(view: ReviewView, save: ServerAction<SaveReview>) -> impl IntoView {
    let n = view.number;
    let error = save.value().get_untracked().and_then(Result::err);
    let values = error
        .as_ref()
        .and_then(|e| e.echo::<ReviewForm>())
        .unwrap_or_else(|| view.form.clone());
    let errors = error
        .as_ref()
        .map(|e| e.field_errors().to_vec())
        .unwrap_or_default();
    let version = match &error {
        Some(crate::error::AppError::Conflict {
            current_version, ..
        }) => *current_version,
        _ => view.review.version,
    };
    let open = error.is_some() || view.review.scheduled_at.is_none();
    let attendees_error = error_for(&errors, "attendees");
    let attendees_invalid = attendees_error.is_some();
    view! {
        <details open=open>
            <summary>{if view.review.scheduled_at.is_some() { "Reschedule" } else { "Schedule the review" }}</summary>
            <ActionForm action=save attr:class="stacked" attr:data-unsaved-guard="">
                {error.map(|e| view! { <ErrorSummary message=e.to_string() errors=errors.clone()/> })}
                <input type="hidden" name="number" value=n.to_string()/>
                <input type="hidden" name="version" value=version.to_string()/>
                <TextField label="When" field="scheduled_at" value=values.scheduled_at errors=errors.clone()
                    hint="YYYY-MM-DD HH:MM, in the incident's time zone; empty: not scheduled"
                    placeholder="2026-03-10 14:00"/>
                <TextField label="Length in minutes" field="minutes" value=values.minutes errors=errors.clone()/>
                <TextField label="Where" field="location" value=values.location errors=errors.clone()
                    maxlength=LOCATION_MAX hint="a room, or a video-call link"/>
                <div class="field" class:invalid=attendees_invalid>
                    <label for="field-attendees">"Attendees"</label>
                    <textarea id="field-attendees" name="form[attendees]" rows="4"
                        aria-describedby=if attendees_invalid { "field-attendees-hint field-attendees-error" } else { "field-attendees-hint" }>
                        {textarea_text(&values.attendees)}
                    </textarea>
                    <p class="hint" id="field-attendees-hint">
                        {format!("One per line, up to {MAX_ATTENDEES} of at most {ATTENDEE_MAX} characters. Write \"Name <address>\" to invite someone through the calendar file.")}
                    </p>
                    {attendees_error.map(|e| view! { <p class="field-error" id="field-attendees-error">{e}</p> })}
                </div>
                <div class="actions"><button type="submit">"Save the review"</button></div>
            </ActionForm>
        </details>
    }
}
