//! The countermeasure form's fields, shared by "file" and "edit". Fields post
//! as `form[...]`, so the same HTML works without JavaScript.

use leptos::prelude::*;

use super::incident_form::{
    FieldMessage, SelectField, TextField, described_by, error_for, field_id, textarea_text,
};
use crate::domain::countermeasure::{CmStatus, CountermeasureForm, Kind, Priority, limits};
use crate::domain::incident_form::FieldError;

fn choices<T: Copy>(
    all: &[T],
    code: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
) -> Vec<(&'static str, &'static str)> {
    all.iter().map(|&x| (code(x), label(x))).collect()
}

#[component]
pub fn CountermeasureFields(values: CountermeasureForm, errors: Vec<FieldError>) -> impl IntoView {
    let description_id = field_id("description");
    let description_error = error_for(&errors, "description");
    let description_invalid = description_error.is_some();
    let reason_id = field_id("wont_do_reason");
    let reason_error = error_for(&errors, "wont_do_reason");
    let reason_invalid = reason_error.is_some();
    view! {
        <TextField label="Title" field="title" value=values.title errors=errors.clone() required=true
            maxlength=limits::TITLE
            placeholder="What will change, e.g. \"Alert when checkout p99 exceeds 800 ms\""/>
        <div class="field" class:invalid=description_invalid>
            <label for=description_id.clone()>"Description (Markdown)"</label>
            <textarea id=description_id.clone() name="form[description]" rows="6"
                maxlength=limits::DESCRIPTION.to_string()
                placeholder="What responders knew and expected at the time, and what this change gives the next team."
                aria-describedby=described_by(&description_id, false, description_invalid)>
                {textarea_text(&values.description)}
            </textarea>
            <FieldMessage id=description_id error=description_error hint=None/>
        </div>
        <SelectField label="Kind" field="kind" value=values.kind errors=errors.clone()
            options=choices(Kind::ALL, Kind::code, Kind::label) empty="Choose a kind"/>
        <SelectField label="Priority" field="priority" value=values.priority errors=errors.clone()
            options=choices(Priority::ALL, Priority::code, Priority::label) empty="Choose a priority"/>
        <TextField label="Owner" field="owner" value=values.owner errors=errors.clone()
            maxlength=limits::OWNER hint="Who carries it to done; needed once it is accepted."/>
        <div class="field" class:invalid=error_for(&errors, "due").is_some()>
            <label for="field-due">"Due date"</label>
            <input type="date" id="field-due" name="form[due]" value=values.due
                aria-describedby=described_by("field-due", false, error_for(&errors, "due").is_some())/>
            <FieldMessage id="field-due".to_string() error=error_for(&errors, "due") hint=None/>
        </div>
        <SelectField label="Status" field="status" value=values.status errors=errors.clone()
            options=choices(CmStatus::ALL, CmStatus::code, CmStatus::label)/>
        <div class="field" class:invalid=reason_invalid>
            <label for=reason_id.clone()>"Why it won't be done (needed for \"Won't do\")"</label>
            <textarea id=reason_id.clone() name="form[wont_do_reason]" rows="2"
                maxlength=limits::REASON.to_string()
                aria-describedby=described_by(&reason_id, false, reason_invalid)>
                {textarea_text(&values.wont_do_reason)}
            </textarea>
            <FieldMessage id=reason_id error=reason_error hint=None/>
        </div>
        <TextField label="Ticket link" field="ticket_url" value=values.ticket_url errors=errors.clone()
            maxlength=limits::TICKET_URL placeholder="https://tracker.example/PROJ-123"/>
        <TextField label="Incidents" field="incidents" value=values.incidents.clone() errors=errors.clone()
            required=true hint="Incident numbers, separated by commas: the lesson may recur (\"12, 40\")."/>
        <SourceNote incidents=values.incidents.clone() event=values.source_event.clone() line=values.source_line.clone()/>
        <input type="hidden" name="form[source_event]" value=values.source_event/>
        <input type="hidden" name="form[source_line]" value=values.source_line/>
    }
}

/// Where the countermeasure is being filed from (a timeline event or a line
/// of the review), linked, so the author sees what it will point back to.
#[component]
fn SourceNote(incidents: String, event: String, line: String) -> impl IntoView {
    let incident = incidents
        .split([',', ' ', ';'])
        .find_map(|p| p.trim().parse::<i64>().ok())?;
    let (href, what) = if !event.trim().is_empty() {
        (
            format!("/incidents/{incident}#event-{}", event.trim()),
            format!("an event of incident #{incident}'s timeline"),
        )
    } else if let Ok(line) = line.trim().parse::<i64>() {
        (
            format!("/incidents/{incident}/review#line-{line}"),
            format!("a line of incident #{incident}'s chronological review"),
        )
    } else {
        return None;
    };
    Some(view! {
        <p class="hint source-note">"Filed from "<a href=href>{what}</a>"; the countermeasure will link back to it."</p>
    })
}
