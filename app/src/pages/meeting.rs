//! `/incidents/N/meeting`: the review meeting, walked through the timeline
//! one event at a time. The facilitator steps with the arrow keys (Home and
//! End for the ends) or the buttons, and adds notes and questions to each
//! event; everyone else who opens the page follows live, through the
//! server's event stream, and a late joiner lands on the current event.
//! The buttons are plain forms, so the facilitator's controls work without
//! JavaScript too (followers then reload to follow).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::meeting::{
    AddMeetingNote, EndMeeting, LeadMeeting, MeetingView, StepMeeting, get_meeting,
};
use crate::api::on_incident;
use crate::components::error_view::ErrorView;
use crate::components::incident_form::error_summary;
use crate::domain::meeting::{MeetingLive, NOTE_MAX, NoteKind};

#[component]
pub fn MeetingPage() -> impl IntoView {
    let params = use_params_map();
    let number = move || params.read().get("number").unwrap_or_default();
    let data = Resource::new(number, |n| on_incident(n, get_meeting));
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(error) => view! { <ErrorView error/> }.into_any(),
                    Ok(view) => view! { <Meeting view/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// Follows the server's event stream: every message is the meeting's new
/// state. Browser only (effects never run on the server).
fn follow(number: i64, live: RwSignal<MeetingLive>) {
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        {
            use leptos::wasm_bindgen::JsCast;
            use leptos::wasm_bindgen::closure::Closure;
            let Ok(source) =
                web_sys::EventSource::new(&crate::routes::at(crate::routes::MEETING_LIVE, number))
            else {
                return;
            };
            let on_state = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(
                move |message: web_sys::MessageEvent| {
                    if let Some(text) = message.data().as_string()
                        && let Ok(state) = serde_json::from_str::<MeetingLive>(&text)
                    {
                        live.set(state);
                    }
                },
            );
            let _ =
                source.add_event_listener_with_callback("state", on_state.as_ref().unchecked_ref());
            on_state.forget();
            let source = StoredValue::new_local(source);
            on_cleanup(move || source.with_value(|s| s.close()));
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (number, live);
    });
}

#[component]
fn Meeting(view: MeetingView) -> impl IntoView {
    let n = view.number;
    let live = RwSignal::new(view.live.clone());
    follow(n, live);
    let step = ServerAction::<StepMeeting>::new();
    let lead = ServerAction::<LeadMeeting>::new();
    let note = ServerAction::<AddMeetingNote>::new();
    // A note once added leaves the box empty, so a second Add cannot post it twice.
    let note_body = NodeRef::<leptos::html::Textarea>::new();
    Effect::new(move |_| {
        if matches!(note.value().get(), Some(Ok(_)))
            && let Some(area) = note_body.get_untracked()
        {
            area.set_value("");
        }
    });
    let end = ServerAction::<EndMeeting>::new();
    // The facilitator's own changes come back as the new state at once.
    for value in [step.value(), lead.value(), note.value(), end.value()] {
        Effect::new(move |_| {
            if let Some(Ok(state)) = value.get() {
                live.set(state);
            }
        });
    }
    let me = view.me.clone();
    let leading = Memo::new(move |_| live.with(|l| l.running && l.facilitator_id == me));
    // Arrow keys, Home and End step the meeting (not while typing a note).
    let keys = window_event_listener(leptos::ev::keydown, move |e| {
        if !leading.get_untracked() {
            return;
        }
        let typing = e
            .target()
            .and_then(|t| {
                use leptos::wasm_bindgen::JsCast;
                t.dyn_into::<leptos::web_sys::Element>().ok()
            })
            .is_some_and(|el| matches!(el.tag_name().as_str(), "TEXTAREA" | "INPUT" | "SELECT"));
        let key = e.key();
        if typing || !matches!(key.as_str(), "ArrowLeft" | "ArrowRight" | "Home" | "End") {
            return;
        }
        e.prevent_default();
        step.dispatch(StepMeeting {
            number: crate::domain::incident::IncidentNumber(n),
            to: key,
        });
    });
    on_cleanup(move || keys.remove());
    let events = StoredValue::new(view.events.clone());
    let count = view.events.len();
    let has_events = count != 0;
    let title = format!("Review meeting: #{n} {}", view.title);
    let can_lead = view.can_lead;
    let current = move || {
        let position = live.with(|l| l.position);
        events.with_value(|e| e.get(position).cloned())
    };
    let error = move || {
        [step.value(), lead.value(), note.value(), end.value()]
            .into_iter()
            .find_map(|v| v.get().and_then(Result::err))
            .map(error_summary)
    };
    let stage = NodeRef::<leptos::html::Article>::new();
    view! {
        <Title text=title.clone()/>
        <article class="meeting" node_ref=stage>
            <FullScreenButton stage/>
            <p class="breadcrumb"><a href=format!("/incidents/{n}")>{format!("Incident #{n}")}</a></p>
            <h1>{title}</h1>
            {error}
            <p class="meeting-status" role="status" aria-live="polite">
                {move || {
                    let l = live.get();
                    if !l.running {
                        "No meeting is running.".to_string()
                    } else if count == 0 {
                        format!("Facilitated by {}. The timeline has no events yet.", l.facilitator)
                    } else {
                        format!("Facilitated by {} · event {} of {count}", l.facilitator, l.position + 1)
                    }
                }}
            </p>
            {move || {
                let l = live.get();
                (can_lead && !leading.get()).then(|| view! {
                    <ActionForm action=lead attr:class="inline-form">
                        <input type="hidden" name="number" value=n.to_string()/>
                        <button type="submit">{if l.running { "Take over as facilitator" } else { "Start the meeting (you facilitate)" }}</button>
                    </ActionForm>
                })
            }}
            <Show when=move || leading.get() && has_events>
                <nav class="meeting-controls" aria-label="Step through the timeline">
                    {[("first", "« First"), ("previous", "← Previous"), ("next", "Next →"), ("last", "Last »")]
                        .into_iter()
                        .map(|(to, label)| view! {
                            <ActionForm action=step attr:class="inline-form">
                                <input type="hidden" name="number" value=n.to_string()/>
                                <input type="hidden" name="to" value=to/>
                                <button type="submit">{label}</button>
                            </ActionForm>
                        })
                        .collect_view()}
                    <span class="hint">" Keys: ← → step, Home and End jump to the ends."</span>
                </nav>
            </Show>
            {move || current().map(|e| {
                let id = e.id.clone();
                let notes: Vec<_> = live.with(|l| l.notes.iter().filter(|x| x.event_id == id).cloned().collect());
                view! {
                    <section class="meeting-event" class:key-moment=e.key_moment.is_some() aria-labelledby="current-event">
                        <h2 id="current-event">
                            <time datetime=e.shown.iso.clone()>{e.shown.text.clone()}</time>
                            " · "{e.kind.label()}
                            {(!e.actor.is_empty()).then(|| format!(" · {}", e.actor))}
                        </h2>
                        {e.key_moment.map(|m| view! { <p class="moment-label">{format!("Key moment: {}", m.label())}</p> })}
                        <div class="markdown" inner_html=e.body_html.clone()></div>
                        <h3>"Notes and questions"</h3>
                        {if notes.is_empty() {
                            view! { <p class="missing">"None yet."</p> }.into_any()
                        } else {
                            view! {
                                <ul class="meeting-notes">
                                    {notes.into_iter().map(|x| view! {
                                        <li class=format!("note-{}", x.kind.code())>
                                            <strong>{x.kind.label()}</strong>" ("{x.author}"): "{x.body}
                                        </li>
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        }}
                        {(can_lead && live.with(|l| l.running)).then(|| view! {
                            <ActionForm action=note attr:class="stacked meeting-note-form" attr:data-unsaved-guard="">
                                <input type="hidden" name="number" value=n.to_string()/>
                                <input type="hidden" name="event" value=e.id.clone()/>
                                <div class="field">
                                    <label for="note-kind">"Kind"</label>
                                    <select id="note-kind" name="kind">
                                        {NoteKind::ALL.iter().map(|k| view! { <option value=k.code()>{k.label()}</option> }).collect_view()}
                                    </select>
                                </div>
                                <div class="field">
                                    <label for="note-body">"Note or question for this event"</label>
                                    <textarea id="note-body" name="body" rows="2" maxlength=NOTE_MAX.to_string() node_ref=note_body
                                        placeholder="What did people know here, and what did they expect?"></textarea>
                                </div>
                                <div class="actions"><button type="submit" disabled=move || note.pending().get()>"Add"</button></div>
                            </ActionForm>
                        })}
                    </section>
                }
            })}
            <section aria-labelledby="meeting-timeline">
                <h2 id="meeting-timeline">"The timeline"</h2>
                <ol class="meeting-timeline">
                    {view.events.iter().enumerate().map(|(i, e)| {
                        let is_current = move || live.with(|l| l.running && l.position == i);
                        view! {
                            <li class:current=is_current class:key-moment=e.key_moment.is_some()
                                aria-current=move || is_current().then_some("step")>
                                <time datetime=e.shown.iso.clone()>{e.shown.text.clone()}</time>
                                {e.key_moment.map(|m| view! { " "<strong>{m.label()}</strong> })}
                                " · "{e.kind.label()}
                            </li>
                        }
                    }).collect_view()}
                </ol>
            </section>
            <Show when=move || leading.get()>
                <ActionForm action=end attr:class="inline-form">
                    <input type="hidden" name="number" value=n.to_string()/>
                    <button type="submit">"End the meeting"</button>
                </ActionForm>
            </Show>
        </article>
    }
}

/// Shows the meeting alone on the screen (the browser's full-screen mode;
/// Escape leaves it). Only once hydrated: it needs JavaScript.
#[component]
fn FullScreenButton(stage: NodeRef<leptos::html::Article>) -> impl IntoView {
    let live = RwSignal::new(false);
    Effect::new(move |_| live.set(true));
    // Rendered hidden and shown once hydrated (a node that appears only in
    // the browser would not match the server's page).
    view! {
        <button type="button" class="full-screen" hidden=move || !live.get() on:click=move |_| {
            if let Some(stage) = stage.get() {
                let _ = stage.request_fullscreen();
            }
        }>"Full screen"</button>
    }
}
