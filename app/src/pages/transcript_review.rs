//! The chronological review: every transcript of an incident in one list,
//! filtered, navigable from the keyboard, from which lines become timeline
//! events and key moments.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::on_incident;
use crate::api::transcripts::{
    DismissSuggestion, PromoteLines, ReviewQuery, ReviewRow, ReviewView, get_review,
};
use crate::components::error_view::ErrorView;
use crate::error::AppError;

#[component]
pub fn TranscriptReviewPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let promote = ServerAction::<PromoteLines>::new();
    let dismiss = ServerAction::<DismissSuggestion>::new();
    let args = move || {
        (
            params.read().get("number").unwrap_or_default(),
            review_query(&query.read()),
            promote.version().get() + dismiss.version().get(),
        )
    };
    let review = Resource::new(args, |(number, query, _)| {
        on_incident(number, |n| get_review(n, query))
    });
    view! {
        <Transition fallback=|| view! { <p>"Loading the review…"</p> }>
            {move || Suspend::new(async move {
                match review.await {
                    Err(error) => view! { <ErrorView error/> }.into_any(),
                    Ok(view) => view! { <Review view promote dismiss/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The review's filters and page from the address's query string.
fn review_query(q: &leptos_router::params::ParamsMap) -> ReviewQuery {
    let get = |k: &str| q.get(k).unwrap_or_default();
    ReviewQuery {
        channel: get("channel"),
        author: get("author"),
        kind: get("kind"),
        text: get("text"),
        presence: get("presence"),
        suggested: get("suggested"),
        thread: get("thread"),
        page: get("page"),
    }
}

#[component]
fn Review(
    view: ReviewView,
    promote: ServerAction<PromoteLines>,
    dismiss: ServerAction<DismissSuggestion>,
) -> impl IntoView {
    let query = use_query_map();
    let n = view.number;
    let title = format!("Chronological review: incident #{n}");
    let current = review_query(&query.read_untracked());
    let in_thread = !current.thread.is_empty();
    let filters_query = ReviewQuery {
        page: String::new(),
        ..current
    }
    .query();
    let page_link = move |page: i64| {
        let q = if filters_query.is_empty() {
            format!("page={page}")
        } else {
            format!("{filters_query}&page={page}")
        };
        format!("/incidents/{n}/review?{q}")
    };
    let (page, pages, total) = (view.page, view.pages, view.total);
    let event_kinds = view.event_kinds.clone();
    let moments = view.moments.clone();
    let empty = view.transcripts.is_empty();
    let can_edit = view.can_edit;
    view! {
        <Title text=title.clone()/>
        <p>
            <a href=format!("/incidents/{n}")>"← Back to the incident"</a>
            {can_edit.then(|| view! { " · "<a href=format!("/incidents/{n}/import")>"Import more transcripts"</a> })}
        </p>
        <h1>{title}</h1>
        <p class="incident-title">{view.title.clone()}</p>
        <section aria-labelledby="durations-heading" class="review-durations">
            <h2 id="durations-heading">"Durations"</h2>
            <dl class="durations">
                {view.durations.iter().map(|(phase, shown)| view! {
                    <div><dt>{phase.clone()}</dt><dd>{shown.clone()}</dd></div>
                }).collect_view()}
            </dl>
        </section>
        {empty.then(|| view! {
            <p>"No transcript yet. "{can_edit.then(|| view! { <a href=format!("/incidents/{n}/import")>"Import the chat logs of the response"</a>" to review them here." })}</p>
        })}
        <Transcripts rows=view.transcripts.clone()/>
        <Filters view=view.clone()/>
        {in_thread.then(|| view! {
            <p class="notice thread-notice" role="status">
                "Showing one thread: the message that started it and its replies. "
                <a href=format!("/incidents/{n}/review")>"Show every line"</a>
            </p>
        })}
        {can_edit.then(|| view! { <PromoteBar n promote event_kinds moments/> })}
        <p class="review-count" aria-live="polite">
            {format!("{total} lines")}
            {(pages > 1).then(|| format!(", page {page} of {pages}"))}
            " · Keys: j/k or ↓/↑ move, x selects, a accepts a suggestion, d dismisses it, e makes an event from the selection."
        </p>
        <ReviewLines rows=view.rows.clone() n promote dismiss can_edit/>
        {(pages > 1).then(|| view! {
            <nav class="pager" aria-label="Pages of the review">
                {(page > 1).then(|| view! { <a href=page_link(page - 1) rel="prev">"← Earlier lines"</a> })}
                " "
                {(page < pages).then(|| view! { <a href=page_link(page + 1) rel="next">"Later lines →"</a> })}
            </nav>
        })}
    }
}

#[component]
fn Transcripts(rows: Vec<crate::api::transcripts::TranscriptRow>) -> impl IntoView {
    (!rows.is_empty()).then(|| {
        view! {
            <details class="transcripts">
                <summary>{format!("{} transcripts", rows.len())}</summary>
                <table>
                    <thead><tr><th scope="col">"Channel"</th><th scope="col">"File"</th><th scope="col">"Format"</th><th scope="col">"Lines"</th><th scope="col">"Already seen"</th><th scope="col">"Not read"</th><th scope="col">"Imported"</th></tr></thead>
                    <tbody>
                        {rows.into_iter().map(|t| view! {
                            <tr>
                                <td>{t.channel}</td><td>{t.file_name}</td><td>{t.format}</td>
                                <td>{t.lines}</td><td>{t.duplicates}</td>
                                <td>
                                    {t.problems}
                                    {(!t.problem_lines.is_empty()).then(|| view! {
                                        <ul class="problems">
                                            {t.problem_lines.into_iter().map(|(line, reason)| view! { <li>{format!("Line {line}: {reason}")}</li> }).collect_view()}
                                        </ul>
                                    })}
                                </td>
                                <td>{t.imported}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </details>
        }
    })
}

#[component]
fn Filters(view: ReviewView) -> impl IntoView {
    let query = use_query_map();
    let current = move |k: &str| query.read_untracked().get(k).unwrap_or_default();
    let (channel, author, kind) = (current("channel"), current("author"), current("kind"));
    view! {
        <form method="get" action=format!("/incidents/{}/review", view.number) class="review-filters" role="search">
            <label for="f-channel">"Channel"</label>
            <select id="f-channel" name="channel">
                <option value="">"All channels"</option>
                {view.channels.into_iter().map(|c| {
                    let selected = c == channel;
                    let value = c.clone();
                    view! { <option value=value selected=selected>{c}</option> }
                }).collect_view()}
            </select>
            <label for="f-author">"Author"</label>
            <select id="f-author" name="author">
                <option value="">"Everyone"</option>
                {view.authors.into_iter().map(|a| {
                    let selected = a == author;
                    let value = a.clone();
                    view! { <option value=value selected=selected>{a}</option> }
                }).collect_view()}
            </select>
            <label for="f-kind">"Kind"</label>
            <select id="f-kind" name="kind">
                <option value="">"All kinds"</option>
                {view.kinds.into_iter().map(|(code, label)| {
                    let selected = code == kind;
                    view! { <option value=code selected=selected>{label}</option> }
                }).collect_view()}
            </select>
            <label for="f-text">"Text"</label>
            <input id="f-text" name="text" type="search" value=current("text")/>
            <label><input type="checkbox" name="presence" value="1" checked=current("presence") == "1"/>" Show joins, parts and quits"</label>
            <label><input type="checkbox" name="suggested" value="1" checked=current("suggested") == "1"/>" Only suggestions"</label>
            {(!current("thread").is_empty()).then(|| view! { <input type="hidden" name="thread" value=current("thread")/> })}
            <button type="submit">"Filter"</button>
        </form>
    }
}

/// Makes one event from the selected lines (their checkboxes belong to this form).
#[component]
fn PromoteBar(
    n: i64,
    promote: ServerAction<PromoteLines>,
    event_kinds: Vec<(String, String)>,
    moments: Vec<(String, String)>,
) -> impl IntoView {
    view! {
        <div class="promote-bar">
            <ActionForm action=promote attr:id="promote" attr:class="promote-form">
                <input type="hidden" name="number" value=n.to_string()/>
                <label for="promote-kind">"Event kind"</label>
                <select id="promote-kind" name="kind">
                    {event_kinds.into_iter().map(|(code, label)| view! { <option value=code>{label}</option> }).collect_view()}
                </select>
                <label for="promote-mark">"Marks"</label>
                <select id="promote-mark" name="mark">
                    <option value="">"No key moment"</option>
                    {moments.into_iter().map(|(code, label)| view! { <option value=code>{label}</option> }).collect_view()}
                </select>
                <button type="submit" id="promote-submit" disabled=move || promote.pending().get()>"Make an event from the selected lines"</button>
            </ActionForm>
            <PromoteOutcome n promote/>
        </div>
    }
}

/// The outcome of the last promotion made with the bar: an error, or a
/// question to answer. (An Accept's refusal shows beside its line.)
#[component]
fn PromoteOutcome(n: i64, promote: ServerAction<PromoteLines>) -> impl IntoView {
    move || {
        Some(match promote.value().get()? {
            Ok(_) => {
                view! { <p class="notice" role="status">"Added to the timeline."</p> }.into_any()
            }
            Err(e) => {
                // The refusal carries what was sent: the action forgets its
                // input once it completes, and without JavaScript there is
                // no input at all, only the refusal read back from the address.
                let sent = e.echo::<PromoteLines>();
                if sent.as_ref().and_then(|s| s.from.as_deref()) == Some("suggestion") {
                    return None;
                }
                view! { <PromoteRefusal n promote error=e sent/> }.into_any()
            }
        })
    }
}

/// The outcome of Accept on line `id`'s suggestion, beside that line.
#[component]
fn AcceptOutcome(n: i64, id: i64, promote: ServerAction<PromoteLines>) -> impl IntoView {
    move || {
        let Err(e) = promote.value().get()? else {
            return None;
        };
        let sent = e.echo::<PromoteLines>()?;
        let here = sent.from.as_deref() == Some("suggestion")
            && sent.lines.first().map(|l| l.get()) == Some(id);
        here.then(|| view! { <PromoteRefusal n promote error=e sent=Some(sent)/> })
    }
}

/// A refused promotion: "which line marks it?" with both choices, or why it
/// was refused. The choices send the same lines again.
#[component]
fn PromoteRefusal(
    n: i64,
    promote: ServerAction<PromoteLines>,
    error: AppError,
    sent: Option<PromoteLines>,
) -> impl IntoView {
    match (error, sent) {
        (AppError::Choose { message, .. }, Some(input)) => {
            let hidden = move |input: &PromoteLines| {
                view! {
                    <input type="hidden" name="number" value=n.to_string()/>
                    {input.lines.iter().enumerate().map(|(i, l)| view! { <input type="hidden" name=format!("lines[{i}]") value=l.to_string()/> }).collect_view()}
                    <input type="hidden" name="kind" value=input.kind.clone()/>
                    <input type="hidden" name="mark" value=input.mark.clone().unwrap_or_default()/>
                    <input type="hidden" name="from" value=input.from.clone().unwrap_or_default()/>
                }
            };
            let (first, second) = (hidden(&input), hidden(&input));
            view! {
                <div class="question" role="alert">
                    <p>{message}" Nothing was added yet."</p>
                    <ActionForm action=promote attr:class="inline-form">
                        {first}
                        <button type="submit" name="choice" value="replace">"This line marks it"</button>
                    </ActionForm>
                    <ActionForm action=promote attr:class="inline-form">
                        {second}
                        <button type="submit" name="choice" value="unmarked" class="secondary">"Add the event without the mark"</button>
                    </ActionForm>
                </div>
            }
            .into_any()
        }
        (e, _) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
    }
}

#[component]
fn ReviewLines(
    rows: Vec<ReviewRow>,
    n: i64,
    promote: ServerAction<PromoteLines>,
    dismiss: ServerAction<DismissSuggestion>,
    can_edit: bool,
) -> impl IntoView {
    let mut last_date = String::new();
    let items = rows
        .into_iter()
        .enumerate()
        .map(|(i, row)| {
            let new_day = row.date != last_date;
            last_date = row.date.clone();
            view! {
                {new_day.then(|| view! { <li class="day"><h3>{row.date.clone()}</h3></li> })}
                <ReviewLine row i n promote dismiss can_edit/>
            }
        })
        .collect_view();
    view! {
        <ol class="review" on:keydown=keyboard::on_key>
            {items}
        </ol>
    }
}

#[component]
fn ReviewLine(
    row: ReviewRow,
    i: usize,
    n: i64,
    promote: ServerAction<PromoteLines>,
    dismiss: ServerAction<DismissSuggestion>,
    can_edit: bool,
) -> impl IntoView {
    let id = row.id;
    let on_timeline = !row.events.is_empty();
    let class = format!(
        "line kind-{}{}{}",
        row.kind,
        if on_timeline { " on-timeline" } else { "" },
        if row.suggestion.is_some() {
            " suggested"
        } else {
            ""
        }
    );
    let label = format!("{} {} {}", row.time, row.author, row.text);
    view! {
        <li id=format!("line-{id}") class=class data-line=id.to_string()>
            <input type="checkbox" form="promote" name=format!("lines[{i}]") value=id.to_string()
                id=format!("select-{id}") class="select" aria-label=format!("Select: {label}")/>
            <time datetime=row.iso.clone()>{row.time.clone()}</time>
            <span class="channel">{row.channel.clone()}</span>
            <span class="author">{if row.author.is_empty() { "—".to_string() } else { row.author.clone() }}</span>
            <span class="text">
                {(row.kind != "message").then(|| view! { <span class="kind">{row.kind_label.clone()}": "</span> })}
                {row.text.clone()}
            </span>
            {on_timeline.then(|| view! { <span class="badge on-timeline-badge">"On the timeline"</span> })}
            {row.flag.clone().map(|f| { let title = f.clone(); view! { <span class="badge flag" title=title>"Check the time: "{f}</span> } })}
            <ThreadBadge row=row.clone() n/>
            {(!row.also_in.is_empty()).then(|| view! { <span class="badge also">"Also in "{row.also_in.join(", ")}</span> })}
            <span class="source">{format!("line {}", row.line_no)}</span>
            {can_edit.then(|| view! { <a class="file-countermeasure" href=format!("/countermeasures/new?incident={n}&line={id}")>"File a countermeasure"</a> })}
            {row.suggestion.clone().filter(|_| can_edit).map(|s| {
                let offer = match &s.moment_label {
                    Some(m) => format!("Suggested: {} event, marks {m}", s.event_kind_label),
                    None => format!("Suggested: {} event", s.event_kind_label),
                };
                view! {
                    <div class="suggestion">
                        <span title=s.why.clone()>{offer}" ("{s.rule.clone()}")"</span>
                        <ActionForm action=promote attr:class="inline-form accept-form">
                            <input type="hidden" name="number" value=n.to_string()/>
                            <input type="hidden" name="lines[0]" value=id.to_string()/>
                            <input type="hidden" name="kind" value=s.event_kind.clone()/>
                            <input type="hidden" name="mark" value=s.moment.clone().unwrap_or_default()/>
                            <input type="hidden" name="from" value="suggestion"/>
                            <button type="submit" class="accept">"Accept"</button>
                        </ActionForm>
                        <ActionForm action=dismiss attr:class="inline-form dismiss-form">
                            <input type="hidden" name="number" value=n.to_string()/>
                            <input type="hidden" name="line" value=id.to_string()/>
                            <button type="submit" class="dismiss secondary">"Dismiss"</button>
                        </ActionForm>
                        <AcceptOutcome n id promote/>
                    </div>
                }
            })}
        </li>
    }
}

/// Where a line sits in a thread: a reply links to the thread's first line,
/// and a first line says how many replies it has; both open the thread.
#[component]
fn ThreadBadge(row: ReviewRow, n: i64) -> impl IntoView {
    let thread = row.thread?;
    let open = format!(
        "/incidents/{n}/review?{}",
        ReviewQuery {
            channel: row.channel.clone(),
            thread,
            presence: "1".into(),
            ..Default::default()
        }
        .query()
    );
    Some(match row.reply_to {
        Some(start) => view! {
            <a class="badge thread" href=format!("{open}#line-{}", start.id)>
                {format!("Reply in {}'s thread from {}", display_author(&start.author), start.time)}
            </a>
        }
        .into_any(),
        None if row.replies > 0 => view! {
            <a class="badge thread" href=open>
                {format!("Thread: {} {}", row.replies, if row.replies == 1 { "reply" } else { "replies" })}
            </a>
        }
        .into_any(),
        None => view! { <span class="badge thread">"In a thread"</span> }.into_any(),
    })
}

fn display_author(author: &str) -> &str {
    if author.is_empty() { "someone" } else { author }
}

/// Keyboard use of the review: the focus sits on a line's checkbox.
mod keyboard {
    use leptos::ev::KeyboardEvent;

    pub fn on_key(ev: KeyboardEvent) {
        #[cfg(feature = "hydrate")]
        {
            use leptos::wasm_bindgen::JsCast;
            use leptos::web_sys::{Element, HtmlElement};
            if ev.ctrl_key() || ev.meta_key() || ev.alt_key() {
                return;
            }
            let Some(target) = ev.target().and_then(|t| t.dyn_into::<Element>().ok()) else {
                return;
            };
            let Ok(Some(line)) = target.closest("li.line") else {
                return;
            };
            let click = |selector: &str| {
                if let Ok(Some(el)) = line.query_selector(selector)
                    && let Ok(el) = el.dyn_into::<HtmlElement>()
                {
                    el.click();
                }
            };
            let focus_line = |el: Option<Element>| {
                let mut next = el;
                while let Some(candidate) = next {
                    if candidate.class_list().contains("line") {
                        if let Ok(Some(cb)) = candidate.query_selector("input.select")
                            && let Ok(cb) = cb.dyn_into::<HtmlElement>()
                        {
                            let _ = cb.focus();
                        }
                        return;
                    }
                    next = if ev.key() == "j" || ev.key() == "ArrowDown" {
                        candidate.next_element_sibling()
                    } else {
                        candidate.previous_element_sibling()
                    };
                }
            };
            match ev.key().as_str() {
                "j" | "ArrowDown" => {
                    ev.prevent_default();
                    focus_line(line.next_element_sibling());
                }
                "k" | "ArrowUp" => {
                    ev.prevent_default();
                    focus_line(line.previous_element_sibling());
                }
                "x" => {
                    ev.prevent_default();
                    click("input.select");
                }
                "a" => {
                    ev.prevent_default();
                    click("button.accept");
                }
                "d" => {
                    ev.prevent_default();
                    click("button.dismiss");
                }
                "e" => {
                    ev.prevent_default();
                    if let Some(button) = leptos::prelude::document()
                        .get_element_by_id("promote-submit")
                        .and_then(|b| b.dyn_into::<HtmlElement>().ok())
                    {
                        button.click();
                    }
                }
                _ => {}
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    }
}
