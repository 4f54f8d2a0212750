//! The fields of the incident form, shared by the "new" and "edit" pages. Every
//! field posts as `form[...]` so that the same HTML works as a plain form
//! without JavaScript and as a server-function call with it.

use leptos::prelude::*;

use crate::domain::common_zones::COMMON_ZONES;
use crate::domain::incident::{Cynefin, DetectionMethod, Severity, Status};
use crate::domain::incident_form::{FieldError, IncidentForm, limits};
use crate::domain::moments::KeyMoment;

/// The content of a `<textarea>`. tachys 0.2.19 writes textarea children
/// unescaped on the server (`ESCAPE_CHILDREN = false`), so text holding
/// `</textarea>` would end the element and become markup. Browsers decode
/// character references inside a textarea, so escaping on the server shows
/// the text exactly as typed; in the browser the text is a DOM text node and
/// needs nothing.
pub(crate) fn textarea_text(text: &str) -> String {
    if cfg!(feature = "ssr") {
        crate::domain::html_text::escape_text(text)
    } else {
        text.to_string()
    }
}

pub(crate) fn field_id(field: &str) -> String {
    format!("field-{}", field.replace(['.', '_'], "-"))
}

pub(crate) fn error_for(errors: &[FieldError], field: &str) -> Option<String> {
    let messages: Vec<&str> = errors
        .iter()
        .filter(|e| e.field == field)
        .map(|e| e.message.as_str())
        .collect();
    (!messages.is_empty()).then(|| messages.join(" "))
}

/// The list of every refused field, linking to each; announced to screen readers.
#[component]
pub fn ErrorSummary(message: String, errors: Vec<FieldError>) -> impl IntoView {
    view! {
        <div class="error-summary" role="alert" tabindex="-1">
            <h2>"Nothing was saved"</h2>
            <p>{message}</p>
            {(!errors.is_empty()).then(|| view! {
                <ul>
                    {errors.into_iter().map(|e| view! {
                        <li><a href=format!("#{}", field_id(&e.field))>{e.message}</a></li>
                    }).collect_view()}
                </ul>
            })}
        </div>
    }
}

/// [`ErrorSummary`] for a refused action's error: its message and fields.
pub fn error_summary(error: crate::error::AppError) -> impl IntoView {
    let errors = error.field_errors().to_vec();
    view! { <ErrorSummary message=error.to_string() errors/> }
}

/// The zone names offered by zone inputs.
#[component]
pub fn ZoneNames() -> impl IntoView {
    view! {
        <datalist id="zone-names">
            {COMMON_ZONES.iter().map(|z| view! { <option value=*z></option> }).collect_view()}
        </datalist>
    }
}

#[component]
pub(crate) fn FieldMessage(
    id: String,
    error: Option<String>,
    hint: Option<&'static str>,
) -> impl IntoView {
    view! {
        {hint.map(|h| view! { <p class="hint" id=format!("{id}-hint")>{h}</p> })}
        {error.map(|e| view! { <p class="field-error" id=format!("{id}-error")>{e}</p> })}
    }
}

pub(crate) fn described_by(id: &str, hint: bool, error: bool) -> Option<String> {
    let mut ids = Vec::new();
    if hint {
        ids.push(format!("{id}-hint"));
    }
    if error {
        ids.push(format!("{id}-error"));
    }
    (!ids.is_empty()).then(|| ids.join(" "))
}

#[component]
pub(crate) fn TextField(
    label: &'static str,
    field: &'static str,
    value: String,
    errors: Vec<FieldError>,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional)] maxlength: Option<usize>,
    #[prop(optional)] required: bool,
    #[prop(optional)] placeholder: Option<&'static str>,
    #[prop(optional)] list: Option<&'static str>,
) -> impl IntoView {
    let id = field_id(field);
    let error = error_for(&errors, field);
    let invalid = error.is_some();
    view! {
        <div class="field" class:invalid=invalid>
            <label for=id.clone()>{label}{required.then_some(" (required)")}</label>
            <input
                type="text"
                id=id.clone()
                name=format!("form[{field}]")
                value=value
                maxlength=maxlength.map(|m| m.to_string())
                required=required
                placeholder=placeholder
                list=list
                autocomplete="off"
                aria-invalid=invalid.then_some("true")
                aria-describedby=described_by(&id, hint.is_some(), invalid)
            />
            <FieldMessage id=id error hint/>
        </div>
    }
}

#[component]
pub(crate) fn SelectField(
    label: &'static str,
    field: &'static str,
    value: String,
    errors: Vec<FieldError>,
    options: Vec<(&'static str, &'static str)>,
    #[prop(optional)] empty: Option<&'static str>,
) -> impl IntoView {
    let id = field_id(field);
    let error = error_for(&errors, field);
    let invalid = error.is_some();
    view! {
        <div class="field" class:invalid=invalid>
            <label for=id.clone()>{label}</label>
            <select id=id.clone() name=format!("form[{field}]") aria-invalid=invalid.then_some("true")
                aria-describedby=described_by(&id, false, invalid)>
                {empty.map(|text| view! { <option value="" selected=value.is_empty()>{text}</option> })}
                {options.into_iter().map(|(code, text)| view! {
                    <option value=code selected=value == code>{text}</option>
                }).collect_view()}
            </select>
            <FieldMessage id=id error hint=None/>
        </div>
    }
}

#[component]
fn NoteField(
    label: &'static str,
    field: &'static str,
    value: String,
    errors: Vec<FieldError>,
    placeholder: &'static str,
) -> impl IntoView {
    let id = field_id(field);
    let error = error_for(&errors, field);
    let invalid = error.is_some();
    view! {
        <div class="field" class:invalid=invalid>
            <label for=id.clone()>{label}</label>
            <textarea id=id.clone() name=format!("form[{field}]") rows="2" maxlength=limits::NOTE.to_string()
                placeholder=placeholder aria-describedby=described_by(&id, false, invalid)>{textarea_text(&value)}</textarea>
            <FieldMessage id=id error hint=None/>
        </div>
    }
}

#[component]
pub fn IncidentFields(values: IncidentForm, errors: Vec<FieldError>) -> impl IntoView {
    let severity_error = error_for(&errors, "severity");
    let severity_described = severity_error.as_ref().map(|_| "field-severity-error");
    let cynefin_options: Vec<(&str, &str)> =
        Cynefin::ALL.iter().map(|c| (c.code(), c.label())).collect();
    let summary_id = field_id("summary");
    let summary_error = error_for(&errors, "summary");
    let summary_invalid = summary_error.is_some();
    view! {
        <fieldset>
            <legend>"What happened"</legend>
            <TextField label="Title" field="title" value=values.title.clone() errors=errors.clone()
                required=true maxlength=limits::TITLE
                placeholder="Checkout latency after the cache configuration change"
                hint="Describe the effect on users, not a person or a cause."/>
            <fieldset class="choices" aria-describedby=severity_described>
                <legend id="field-severity">"Severity (required)"</legend>
                {Severity::ALL.iter().map(|s| view! {
                    <label class="choice">
                        <input type="radio" name="form[severity]" value=s.code() checked=values.severity == s.code()/>
                        <span class="choice-label">{s.label()}</span>
                        <span class="choice-description">{s.description()}</span>
                    </label>
                }).collect_view()}
                {severity_error.map(|e| view! { <p class="field-error" id="field-severity-error">{e}</p> })}
            </fieldset>
            <SelectField label="Status" field="status" value=values.status.clone() errors=errors.clone()
                options=Status::ALL.iter().map(|s| (s.code(), s.label())).collect()/>
            <TextField label="Affected services" field="services" value=values.services.clone() errors=errors.clone()
                placeholder="checkout, payments" hint="Separate services with commas."/>
            <SelectField label="How it was detected" field="detection_method" value=values.detection_method.clone()
                errors=errors.clone() empty="Not recorded yet"
                options=DetectionMethod::ALL.iter().map(|d| (d.code(), d.label())).collect()/>
        </fieldset>
        <fieldset>
            <legend>"People"</legend>
            <TextField label="Incident commander" field="commander" value=values.commander.clone() errors=errors.clone()
                maxlength=limits::PERSON/>
            <TextField label="Review facilitator" field="facilitator" value=values.facilitator.clone() errors=errors.clone()
                maxlength=limits::PERSON hint="Who runs the blameless review meeting."/>
        </fieldset>
        <fieldset>
            <legend>"Key moments"</legend>
            <TextField label="Time zone of these times" field="time_zone" value=values.time_zone.clone() errors=errors.clone()
                list="zone-names" hint="IANA name, e.g. Europe/Paris. A time written with an offset (2026-03-04T14:32+01:00) is taken as is."/>
            <ZoneNames/>
            <table class="moments-input">
                <thead><tr><th scope="col">"Moment"</th><th scope="col">"Time (YYYY-MM-DD HH:MM[:SS])"</th><th scope="col">"Estimate?"</th></tr></thead>
                <tbody>
                    {KeyMoment::ALL.into_iter().map(|m| {
                        let field = IncidentForm::moment_field(m);
                        let id = field_id(&field);
                        let error = error_for(&errors, &field);
                        let invalid = error.is_some();
                        let input = values.moment(m).clone();
                        view! {
                            <tr class:invalid=invalid>
                                <th scope="row"><label for=id.clone()>{m.label()}</label>
                                    <span class="hint" id=format!("{id}-hint")>{m.hint()}</span></th>
                                <td>
                                    <input type="text" id=id.clone() name=format!("form[{}][at]", m.code()) value=input.at.clone()
                                        placeholder="YYYY-MM-DD HH:MM" inputmode="numeric" autocomplete="off"
                                        aria-invalid=invalid.then_some("true")
                                        aria-describedby=described_by(&id, true, invalid)/>
                                    {error.map(|e| view! { <p class="field-error" id=format!("{id}-error")>{e}</p> })}
                                </td>
                                <td>
                                    <input type="checkbox" id=format!("{id}-estimated") name=format!("form[{}][estimated]", m.code())
                                        checked=input.is_estimated()
                                        aria-label=format!("{} is an estimate", m.label())/>
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </fieldset>
        <fieldset>
            <legend>"Cynefin: how the situation was read"</legend>
            <SelectField label="First reading (during the response)" field="cynefin_first" value=values.cynefin_first.clone()
                errors=errors.clone() empty="Not recorded" options=cynefin_options.clone()/>
            <NoteField label="What approach we took" field="cynefin_first_note" value=values.cynefin_first_note.clone()
                errors=errors.clone() placeholder="We treated it as a known failure and followed the cache runbook."/>
            <SelectField label="In hindsight" field="cynefin_hindsight" value=values.cynefin_hindsight.clone()
                errors=errors.clone() empty="Not recorded" options=cynefin_options/>
            <NoteField label="What would have served better" field="cynefin_hindsight_note" value=values.cynefin_hindsight_note.clone()
                errors=errors.clone() placeholder="Small safe-to-fail probes before committing to one theory."/>
        </fieldset>
        <div class="field" class:invalid=summary_invalid>
            <label for=summary_id.clone()>"Summary (Markdown)"</label>
            <textarea id=summary_id.clone() name="form[summary]" rows="10"
                placeholder="What did responders know and expect at each point? What made their actions make sense at the time?"
                aria-describedby=described_by(&summary_id, false, summary_invalid)>{textarea_text(&values.summary)}</textarea>
            <FieldMessage id=summary_id error=summary_error hint=None/>
        </div>
    }
}
