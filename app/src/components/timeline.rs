//! The timeline on the incident page: quick entry, the filtered list of
//! events, the inline editor of one event, and the deleted events. Every
//! form is a plain HTML form that also works without JavaScript; with it,
//! the page updates in place and the quick-entry field keeps the focus.

use crate::routes;
use leptos::html;
use leptos::prelude::*;

use crate::api::timeline::{
    AttachmentRow, DeleteAttachment, DeleteEvent, EventEdit, EventRow, MarkEvent, QuickAdd,
    QuickLine, RestoreEvent, TimelineFilter, TimelineView, UpdateEvent,
};
use crate::components::incident_form::{ErrorSummary, error_for, textarea_text};
use crate::domain::moments::KeyMoment;
use crate::domain::timeline::{EventForm, EventKind, limits};
use crate::error::AppError;

/// The actions of the timeline, shared by its parts so that the page can
/// reload what they change.
#[derive(Clone, Copy)]
pub struct TimelineActions {
    pub quick: ServerAction<QuickAdd>,
    pub update: ServerAction<UpdateEvent>,
    pub delete: ServerAction<DeleteEvent>,
    pub restore: ServerAction<RestoreEvent>,
    pub mark: ServerAction<MarkEvent>,
    pub remove_file: ServerAction<DeleteAttachment>,
}

impl TimelineActions {
    pub fn new() -> Self {
        TimelineActions {
            quick: ServerAction::new(),
            update: ServerAction::new(),
            delete: ServerAction::new(),
            restore: ServerAction::new(),
            mark: ServerAction::new(),
            remove_file: ServerAction::new(),
        }
    }

    /// Changes whenever any of them finished: what the page's data depends on.
    pub fn revision(self) -> usize {
        self.quick.version().get()
            + self.update.version().get()
            + self.delete.version().get()
            + self.restore.version().get()
            + self.mark.version().get()
            + self.remove_file.version().get()
    }
}

impl Default for TimelineActions {
    fn default() -> Self {
        Self::new()
    }
}

/// One line, one event: "14:32 alert: checkout latency above 2 s".
#[component]
pub fn QuickEntry(
    number: i64,
    zone: String,
    actions: TimelineActions,
    focus: bool,
) -> impl IntoView {
    let quick = actions.quick;
    let input = NodeRef::<html::Input>::new();
    // The field empties as soon as a line is sent and keeps the focus, so
    // the next line can be typed while this one is saved. A refused line
    // comes back into the field, unless something new was typed meanwhile
    // (the message quotes it either way).
    Effect::new(move |_| {
        if quick.input().get().is_some()
            && let Some(el) = input.get_untracked()
        {
            el.set_value("");
            let _ = el.focus();
        }
    });
    Effect::new(move |_| {
        if let Some(Err(error)) = quick.value().get()
            && let Some(line) = error.echo::<QuickLine>()
            && let Some(el) = input.get_untracked()
            && el.value().is_empty()
        {
            el.set_value(&line.line);
        }
    });
    let error = move || quick.value().get().and_then(Result::err);
    // The line a refused post (without JavaScript) sent, shown again.
    let echoed = quick
        .value()
        .get_untracked()
        .and_then(Result::err)
        .and_then(|e| e.echo::<QuickLine>())
        .map(|q| q.line)
        .unwrap_or_default();
    let marks = KeyMoment::ALL
        .iter()
        .map(|m| format!("!{}", crate::domain::timeline::mark_word(*m)))
        .collect::<Vec<_>>()
        .join(" ");
    view! {
        <ActionForm action=quick attr:class="quick-entry" attr:id="quick-entry-form" attr:data-unsaved-guard="">
            <input type="hidden" name="number" value=number.to_string()/>
            <label for="quick-entry">"Add to the timeline"</label>
            <div class="quick-row">
                <input
                    type="text"
                    id="quick-entry"
                    name="line"
                    node_ref=input
                    autocomplete="off"
                    spellcheck="false"
                    maxlength="20000"
                    autofocus=focus
                    value=echoed
                    placeholder="14:32 alert: checkout latency above 2 s"
                    aria-describedby="quick-entry-hint quick-entry-error"
                />
                <button type="submit">"Add"</button>
            </div>
            <p class="hint" id="quick-entry-hint">
                "Time first ("<kbd>"14:32"</kbd>" or "<kbd>"14:32:05"</kbd>", in "{zone}
                "; the day is the one nearest the last event), then optionally "<kbd>"alert:"</kbd>
                " or another kind, "<kbd>"@who"</kbd>", and a key moment: "{marks}". Enter adds the event."
            </p>
            <div id="quick-entry-error" aria-live="polite">
                {move || error().map(|e| match e {
                    AppError::Choose { ref message, .. } => {
                        let line = e.echo::<QuickLine>().map(|q| q.line).unwrap_or_default();
                        view! { <QuickChoice message=message.clone() line number quick/> }.into_any()
                    }
                    other => {
                        let line = other.echo::<QuickLine>().map(|q| q.line).unwrap_or_default();
                        view! {
                            <p class="field-error" role="alert">{other.to_string()}" Nothing was added"
                                {(!line.is_empty()).then(|| format!(" (the line was: {line})"))}"."</p>
                        }.into_any()
                    }
                })}
            </div>
        </ActionForm>
    }
}

/// "Detected is already marked on …": add the line and move the moment to
/// it, or add it without the mark.
#[component]
fn QuickChoice(
    message: String,
    line: String,
    number: i64,
    quick: ServerAction<QuickAdd>,
) -> impl IntoView {
    let line_for_replace = line.clone();
    view! {
        <div class="choice" role="alert">
            <p>{message}" Nothing was added yet."</p>
            <ActionForm action=quick attr:class="inline-form">
                <input type="hidden" name="number" value=number.to_string()/>
                <input type="hidden" name="line" value=line_for_replace/>
                <input type="hidden" name="choice" value="replace"/>
                <button type="submit">"Add it, and this event marks the moment"</button>
            </ActionForm>
            <ActionForm action=quick attr:class="inline-form">
                <input type="hidden" name="number" value=number.to_string()/>
                <input type="hidden" name="line" value=line/>
                <input type="hidden" name="choice" value="unmarked"/>
                <button type="submit">"Add it without the mark"</button>
            </ActionForm>
        </div>
    }
}

/// Filters: by kind, by actor, key moments only. A GET form, so the filtered
/// view has its own address.
#[component]
fn TimelineFilters(filter: TimelineFilter, actors: Vec<String>) -> impl IntoView {
    let active = filter.is_active();
    view! {
        <form method="get" class="timeline-filters" aria-label="Filter the timeline">
            <div class="field">
                <label for="filter-kind">"Kind"</label>
                <select id="filter-kind" name="kind">
                    <option value="" selected=filter.kind.is_empty()>"Every kind"</option>
                    {EventKind::ALL.iter().map(|k| view! {
                        <option value=k.code() selected=filter.kind == k.code()>{k.label()}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="filter-actor">"Actor"</label>
                <select id="filter-actor" name="actor">
                    <option value="" selected=filter.actor.is_empty()>"Everyone"</option>
                    {actors.into_iter().map(|a| {
                        let selected = filter.actor == a;
                        let label = a.clone();
                        view! { <option value=a selected=selected>{label}</option> }
                    }).collect_view()}
                </select>
            </div>
            <div class="field checkbox">
                <input type="checkbox" id="filter-moments" name="moments" value="1" checked=filter.moments_only()/>
                <label for="filter-moments">"Key moments only"</label>
            </div>
            <button type="submit">"Filter"</button>
            {active.then(|| view! { <a href="?#timeline">"Show every event"</a> })}
        </form>
    }
}

fn edit_href(filter: &TimelineFilter, id: &str) -> String {
    let query = filter.query();
    let sep = if query.is_empty() { "" } else { "&" };
    format!("?{query}{sep}edit={id}#event-{id}")
}

fn close_href(filter: &TimelineFilter, id: &str) -> String {
    format!("?{}#event-{id}", filter.query())
}

/// Attached files as thumbnails (images) or links (PDF).
#[component]
fn Attachments(files: Vec<AttachmentRow>) -> impl IntoView {
    (!files.is_empty()).then(|| {
        view! {
            <ul class="attachments">
                {files.into_iter().map(|f| {
                    // The file name follows as the link's text: the image
                    // adds nothing a screen reader should say twice.
                    view! {
                        <li>
                            <a href=f.url.clone() class="attachment" rel="external">
                                {f.image.then(|| view! {
                                    <img src=f.url.clone() alt="" loading="lazy" width="160" height="100"/>
                                })}
                                <span class="file-name">{f.file_name}</span>
                            </a>
                            <span class="file-label">{f.label}</span>
                        </li>
                    }
                }).collect_view()}
            </ul>
        }
    })
}

/// A plain multipart form: attaching works the same with or without JavaScript.
#[component]
fn AttachForm(number: i64, event: Option<String>, max_bytes: u64) -> impl IntoView {
    let field = match &event {
        Some(id) => format!("attach-{id}"),
        None => "attach-incident".to_string(),
    };
    let limit = if max_bytes >= 1024 * 1024 {
        format!("{} MB", max_bytes / (1024 * 1024))
    } else {
        format!("{} KB", max_bytes / 1024)
    };
    // A refused upload comes back here with its reason in the address (the
    // server's attachment route redirects to the form it came from).
    let query = leptos_router::hooks::use_query_map();
    let refusal = {
        let field = field.clone();
        move || {
            let query = query.read();
            (query.get("attach_field").as_deref() == Some(field.as_str()))
                .then(|| query.get("attach_error"))
                .flatten()
        }
    };
    view! {
        <form method="post" enctype="multipart/form-data" class="attach-form"
            action=routes::at(routes::ATTACHMENT_UPLOAD, number)>
            {event.map(|id| view! { <input type="hidden" name="event" value=id/> })}
            <label for=field.clone()>"Attach a screenshot, graph or PDF"</label>
            <input type="file" id=field.clone() name="file" required=true
                accept="image/png,image/jpeg,image/webp,image/svg+xml,application/pdf"
                aria-describedby=format!("{field}-hint")/>
            <button type="submit">"Attach"</button>
            <p class="hint" id=format!("{field}-hint")>
                {format!("PNG, JPEG, WebP, SVG or PDF, up to {limit}. The type is checked from the file's content.")}
            </p>
            {move || refusal().map(|message| view! {
                <p class="field-error" role="alert">"Nothing was attached: " {message}</p>
            })}
        </form>
    }
}

/// One event, read-only.
#[component]
fn EventItem(row: EventRow, edit: Option<String>, file: Option<String>) -> impl IntoView {
    let EventRow {
        id,
        shown,
        kind,
        actor,
        body_html,
        evidence_url,
        provenance,
        key_moment,
        attachments,
        ..
    } = row;
    let edit_label = format!("Edit the event at {}", shown.text);
    view! {
        <li id=format!("event-{id}") class=format!("event kind-{}", kind.code())
            data-kind=kind.code() data-moment=key_moment.map(|m| m.code())>
            <div class="event-head">
                <time datetime=shown.iso>{shown.text}</time>
                <span class="kind">{kind.label()}</span>
                {(!actor.is_empty()).then(|| view! { <span class="actor">{actor}</span> })}
                {key_moment.map(|m| view! { <strong class="moment-badge">{m.label()}</strong> })}
            </div>
            <div class="markdown event-body" inner_html=body_html></div>
            <Attachments files=attachments/>
            <p class="event-foot">
                {(!evidence_url.is_empty()).then(|| view! {
                    <a class="evidence" href=evidence_url rel="noopener noreferrer nofollow">"Evidence"</a>" · "
                })}
                <span class="provenance">{provenance}</span>
                {edit.map(|href| view! { " · "<a class="edit-link" href=href aria-label=edit_label>"Edit"</a> })}
                {file.map(|href| view! { " · "<a class="file-countermeasure" href=href>"File a countermeasure"</a> })}
            </p>
        </li>
    }
}

/// The inline editor of one event: its fields, its key moment, delete.
#[component]
fn EventEditor(
    number: i64,
    edit: EventEdit,
    close: String,
    actions: TimelineActions,
    files: Vec<AttachmentRow>,
    max_bytes: u64,
) -> impl IntoView {
    let update = actions.update;
    let body = NodeRef::<html::Textarea>::new();
    // With JavaScript the editor appears without a page load, where
    // `autofocus` does nothing: focus the text instead.
    Effect::new(move |_| {
        if let Some(el) = body.get() {
            let _ = el.focus();
        }
    });
    // A save made from this editor closes it (without JavaScript the
    // server's redirect does the same).
    let saves_at_open = update.version().get_untracked();
    let navigate = leptos_router::hooks::use_navigate();
    let close_after_save = close.clone();
    Effect::new(move |_| {
        let saves = update.version().get();
        if saves > saves_at_open && matches!(update.value().get_untracked(), Some(Ok(_))) {
            navigate(&close_after_save, Default::default());
        }
    });
    let EventEdit {
        id,
        version,
        form: loaded,
        key_moment,
        zone,
    } = edit;
    let id_for_mark = id.clone();
    let id_for_files = id.clone();
    let close_for_mark = close.clone();
    let item_id = format!("event-{id}");
    view! {
        <li id=item_id class="event editing">
            <ActionForm action=update attr:class="event-editor" attr:data-unsaved-guard="">
                {move || {
                    let error = update.value().get().and_then(Result::err);
                    let values: EventForm = error.as_ref().and_then(|e| e.echo()).unwrap_or_else(|| loaded.clone());
                    let current: Option<EventForm> = error.as_ref().and_then(|e| e.current());
                    let version = match &error {
                        Some(AppError::Conflict { current_version, .. }) => *current_version,
                        _ => version,
                    };
                    let errors = error.as_ref().map(|e| e.field_errors().to_vec()).unwrap_or_default();
                    view! {
                        {error.map(|e| view! { <ErrorSummary message=e.to_string() errors=errors.clone()/> })}
                        {current.map(|c| view! { <CurrentEvent form=c/> })}
                        <input type="hidden" name="number" value=number.to_string()/>
                        <input type="hidden" name="id" value=id.clone()/>
                        <input type="hidden" name="version" value=version.to_string()/>
                        <EventFields values errors zone=zone.clone() body/>
                    }
                }}
                <div class="actions">
                    <button type="submit">"Save event"</button>
                    <a href=close.clone()>"Cancel"</a>
                </div>
            </ActionForm>
            <EventMarkForm number id=id_for_mark version key_moment close=close_for_mark actions/>
            <Attachments files/>
            <AttachForm number event=Some(id_for_files) max_bytes/>
        </li>
    }
}

/// The event's fields; `form[...]` names so the same HTML posts without JS.
#[component]
fn EventFields(
    values: EventForm,
    errors: Vec<crate::domain::incident_form::FieldError>,
    zone: String,
    body: NodeRef<html::Textarea>,
) -> impl IntoView {
    let err = |f: &str| error_for(&errors, f);
    let (at_error, kind_error, actor_error, body_error, evidence_error) = (
        err("at"),
        err("kind"),
        err("actor"),
        err("body"),
        err("evidence_url"),
    );
    let (at_invalid, kind_invalid, actor_invalid, body_invalid, evidence_invalid) = (
        at_error.is_some(),
        kind_error.is_some(),
        actor_error.is_some(),
        body_error.is_some(),
        evidence_error.is_some(),
    );
    view! {
        <div class="event-fields">
            <div class="field" class:invalid=at_invalid>
                <label for="event-at">"Time"</label>
                <input type="text" id="event-at" name="form[at]" value=values.at autocomplete="off"
                    aria-describedby="event-at-hint" aria-invalid=at_invalid.then_some("true")/>
                <p class="hint" id="event-at-hint">"YYYY-MM-DD HH:MM:SS in "{zone}", or with an offset"</p>
                {at_error.map(|e| view! { <p class="field-error">{e}</p> })}
            </div>
            <div class="field" class:invalid=kind_invalid>
                <label for="event-kind">"Kind"</label>
                <select id="event-kind" name="form[kind]">
                    {EventKind::ALL.iter().map(|k| view! {
                        <option value=k.code() selected=values.kind == k.code()>{k.label()}</option>
                    }).collect_view()}
                </select>
                {kind_error.map(|e| view! { <p class="field-error">{e}</p> })}
            </div>
            <div class="field" class:invalid=actor_invalid>
                <label for="event-actor">"Actor"</label>
                <input type="text" id="event-actor" name="form[actor]" value=values.actor
                    maxlength=limits::ACTOR.to_string() placeholder="a person or a system, e.g. PagerDuty"/>
                {actor_error.map(|e| view! { <p class="field-error">{e}</p> })}
            </div>
            <div class="field wide" class:invalid=body_invalid>
                <label for="event-body">"What happened (Markdown)"</label>
                <textarea id="event-body" name="form[body]" rows="4" node_ref=body autofocus=true
                    placeholder="What was seen, known or expected at this moment">{textarea_text(&values.body)}</textarea>
                {body_error.map(|e| view! { <p class="field-error">{e}</p> })}
            </div>
            <div class="field wide" class:invalid=evidence_invalid>
                <label for="event-evidence">"Evidence link"</label>
                <input type="url" id="event-evidence" name="form[evidence_url]" value=values.evidence_url
                    maxlength=limits::EVIDENCE.to_string() placeholder="https://… a graph, log search or ticket"/>
                {evidence_error.map(|e| view! { <p class="field-error">{e}</p> })}
            </div>
        </div>
    }
}

/// The event as someone else saved it, shown beside a refused edit.
#[component]
fn CurrentEvent(form: EventForm) -> impl IntoView {
    view! {
        <div class="current-version" role="note">
            <h3>"The event as it is now"</h3>
            <dl>
                <dt>"Time"</dt><dd>{form.at}</dd>
                <dt>"Kind"</dt><dd>{EventKind::parse(&form.kind).map(|k| k.label()).unwrap_or("")}</dd>
                <dt>"Actor"</dt><dd>{form.actor}</dd>
                <dt>"Text"</dt><dd><pre class="current-text">{form.body}</pre></dd>
                <dt>"Evidence link"</dt><dd>{form.evidence_url}</dd>
            </dl>
            <p class="hint">"Your text is still in the form below; merge what you need and save again."</p>
        </div>
    }
}

/// Mark the event as a key moment, and delete it.
#[component]
fn EventMarkForm(
    number: i64,
    id: String,
    version: i64,
    key_moment: Option<KeyMoment>,
    close: String,
    actions: TimelineActions,
) -> impl IntoView {
    let mark = actions.mark;
    let delete = actions.delete;
    let chosen = RwSignal::new(String::new());
    Effect::new(move |_| {
        if let Some(input) = mark.input().get() {
            chosen.set(input.moment);
        }
    });
    let id_choice = id.clone();
    let id_delete = id.clone();
    view! {
        <div class="event-tools">
            <ActionForm action=mark attr:class="inline-form">
                <input type="hidden" name="number" value=number.to_string()/>
                <input type="hidden" name="id" value=id.clone()/>
                <input type="hidden" name="version" value=version.to_string()/>
                <label for="event-moment">"Key moment"</label>
                <select id="event-moment" name="moment">
                    <option value="" selected=key_moment.is_none()>"Not a key moment"</option>
                    {KeyMoment::ALL.iter().map(|m| view! {
                        <option value=m.code() selected=key_moment == Some(*m)>{m.label()}</option>
                    }).collect_view()}
                </select>
                <button type="submit">"Set key moment"</button>
            </ActionForm>
            {move || mark.value().get().and_then(Result::err).map(|e| { let id_choice = id_choice.clone(); let close = close.clone(); match e {
                AppError::Choose { message, moment, .. } => view! {
                    <div class="choice" role="alert">
                        <p>{message}" Nothing was changed yet."</p>
                        <ActionForm action=mark attr:class="inline-form">
                            <input type="hidden" name="number" value=number.to_string()/>
                            <input type="hidden" name="id" value=id_choice.clone()/>
                            <input type="hidden" name="version" value=version.to_string()/>
                            <input type="hidden" name="moment" value=moment.code()/>
                            <input type="hidden" name="replace" value="1"/>
                            <button type="submit">{format!("This event marks \"{}\"", moment.label())}</button>
                        </ActionForm>
                        <a href=close.clone()>"Keep it as it is"</a>
                    </div>
                }.into_any(),
                other => view! { <p class="field-error" role="alert">{other.to_string()}</p> }.into_any(),
            }})}
            <ActionForm action=delete attr:class="inline-form">
                <input type="hidden" name="number" value=number.to_string()/>
                <input type="hidden" name="id" value=id_delete/>
                <input type="hidden" name="version" value=version.to_string()/>
                <button type="submit" class="danger">"Delete event"</button>
            </ActionForm>
            {move || delete.value().get().and_then(Result::err).map(|e| view! {
                <p class="field-error" role="alert">{e.to_string()}</p>
            })}
        </div>
    }
}

/// The filtered timeline, with the editor open on one event, and the
/// deleted events.
#[component]
pub fn TimelineList(
    view: TimelineView,
    filter: TimelineFilter,
    can_edit: bool,
    actions: TimelineActions,
) -> impl IntoView {
    let TimelineView {
        number,
        rows,
        total,
        deleted,
        actors,
        editing,
        attachments,
        attachment_max_bytes,
        ..
    } = view;
    let shown = rows.len();
    let count = if filter.is_active() {
        format!("{shown} of {total} events match the filter.")
    } else if total == 1 {
        "1 event.".to_string()
    } else {
        format!("{total} events.")
    };
    let editing = editing.filter(|_| can_edit);
    let items = rows
        .into_iter()
        .map(|row| match &editing {
            Some(edit) if edit.id == row.id => view! {
                <EventEditor number edit=edit.clone() close=close_href(&filter, &row.id) actions
                    files=row.attachments max_bytes=attachment_max_bytes/>
            }
            .into_any(),
            _ => {
                let edit = can_edit.then(|| edit_href(&filter, &row.id));
                let file = can_edit
                    .then(|| format!("/countermeasures/new?incident={number}&event={}", row.id));
                view! { <EventItem row edit file/> }.into_any()
            }
        })
        .collect_view();
    let restore = actions.restore;
    let remove_file = actions.remove_file;
    view! {
        <TimelineFilters filter=filter.clone() actors/>
        <p class="timeline-count" aria-live="polite">{count}</p>
        {(shown == 0).then(|| view! {
            <p class="missing">{if total == 0 {
                "No events yet. Start with what was first seen, known or changed."
            } else {
                "No event matches the filter."
            }}</p>
        })}
        <ol class="timeline">{items}</ol>
        {move || restore.value().get().map(|r| match r {
            Ok(Some(note)) => view! { <p class="notice" role="status">{note}</p> }.into_any(),
            Ok(None) => ().into_any(),
            Err(e) => view! { <p class="field-error" role="alert">{e.to_string()}</p> }.into_any(),
        })}
        <section id="attachments" aria-labelledby="attachments-heading" class="incident-attachments">
            <h3 id="attachments-heading">"Attachments"</h3>
            {attachments.is_empty().then(|| view! { <p class="missing">"No files attached to the incident itself."</p> })}
            <ul class="attachments">
                {attachments.into_iter().map(|f| {
                    let id = f.id.clone();
                    view! {
                        <li>
                            <Attachments files=vec![f]/>
                            {can_edit.then(|| view! {
                                <ActionForm action=remove_file attr:class="inline-form">
                                    <input type="hidden" name="number" value=number.to_string()/>
                                    <input type="hidden" name="id" value=id/>
                                    <button type="submit" class="danger">"Remove"</button>
                                </ActionForm>
                            })}
                        </li>
                    }
                }).collect_view()}
            </ul>
            {can_edit.then(|| view! { <AttachForm number event=None max_bytes=attachment_max_bytes/> })}
        </section>
        {(!deleted.is_empty()).then(|| view! {
            <details class="deleted-events">
                <summary>{format!("Deleted events ({})", deleted.len())}</summary>
                <ol>
                    {deleted.into_iter().map(|row| view! {
                        <li class="event deleted">
                            <time datetime=row.shown.iso>{row.shown.text}</time>" "
                            <span class="kind">{row.kind.label()}</span>
                            <div class="markdown event-body" inner_html=row.body_html></div>
                            {can_edit.then(|| view! {
                                <ActionForm action=restore attr:class="inline-form">
                                    <input type="hidden" name="number" value=number.to_string()/>
                                    <input type="hidden" name="id" value=row.id.clone()/>
                                    <button type="submit">"Restore"</button>
                                </ActionForm>
                            })}
                        </li>
                    }).collect_view()}
                </ol>
            </details>
        })}
    }
}
