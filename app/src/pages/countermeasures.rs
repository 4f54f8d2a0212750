//! Countermeasures: the backlog (a list, or a board with a column per
//! status), filing one (pre-linked to an incident, event or line), and one
//! item with its edit form. Moves are small forms: they work from the
//! keyboard and without JavaScript.

use crate::routes;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::countermeasures::{
    BacklogItem, BacklogView, CreateCountermeasure, LinkCountermeasure, MergeCountermeasure,
    MoveCountermeasure, SaveWipLimits, UpdateCountermeasure, backlog, get_countermeasure,
    similar_countermeasures,
};
use crate::components::countermeasure_form::CountermeasureFields;
use crate::components::error_view::ErrorView;
use crate::components::filter_select::{FilterSelect, options};
use crate::components::history::HistoryList;
use crate::components::incident_form::{ErrorSummary, error_summary};
use crate::domain::countermeasure::{BacklogFilter, CmStatus, CountermeasureForm, Kind};
use crate::error::AppError;

fn query_string(filter: &BacklogFilter, board: bool) -> String {
    let mut params = filter.to_params();
    if board {
        params.push(("view", "board".to_string()));
    }
    crate::api::timeline::query_string(&params)
}

#[component]
pub fn BacklogPage() -> impl IntoView {
    let query = use_query_map();
    let filter = move || BacklogFilter::from_params(|k| query.read().get(k));
    let board = move || query.read().get("view").as_deref() == Some("board");
    let moved = ServerAction::<MoveCountermeasure>::new();
    let data = Resource::new(
        move || (filter(), moved.version().get()),
        |(f, _)| backlog(f),
    );
    view! {
        <Title text="Countermeasures"/>
        <h1>"Countermeasures"</h1>
        <p class="lede">"Every lesson a review turned into a change, tracked to done."</p>
        {move || moved.value().get().and_then(Result::err).map(error_summary)}
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let f = filter();
                let as_board = board();
                match data.await {
                    Err(error) => view! { <ErrorView error/> }.into_any(),
                    Ok(view) => view! { <Backlog view filter=f board=as_board moved/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Backlog(
    view: BacklogView,
    filter: BacklogFilter,
    board: bool,
    moved: ServerAction<MoveCountermeasure>,
) -> impl IntoView {
    let BacklogView {
        items,
        owners,
        services,
        wip_limits,
        can_edit,
        can_configure,
    } = view;
    let here = format!("/countermeasures{}", query_string(&filter, board));
    let overdue = items.iter().filter(|i| i.overdue).count();
    let count = items.len();
    let switch = if board {
        view! { <a href=format!("/countermeasures{}", query_string(&filter, false))>"Show as a list"</a> }
    } else {
        view! { <a href=format!("/countermeasures{}", query_string(&filter, true))>"Show as a board"</a> }
    };
    view! {
        <form class="filters" method="get" action="/countermeasures" role="search" aria-label="Filter countermeasures">
            {board.then(|| view! { <input type="hidden" name="view" value="board"/> })}
            <FilterSelect id="cm-owner" name="owner" label="Owner"
                options=owners.into_iter().map(|o| (o.clone(), o)).collect() selected=filter.owner.clone()/>
            <FilterSelect id="cm-kind" name="kind" label="Kind"
                options=options(Kind::ALL, Kind::code, Kind::label) selected=filter.kind.map(|k| k.code().to_string())/>
            <FilterSelect id="cm-status" name="status" label="Status"
                options=options(CmStatus::ALL, CmStatus::code, CmStatus::label) selected=filter.status.map(|s| s.code().to_string())/>
            <FilterSelect id="cm-service" name="service" label="Service"
                options=services.into_iter().map(|s| (s.clone(), s)).collect() selected=filter.service.clone()/>
            <div class="field">
                <label for="cm-incident">"Incident number"</label>
                <input id="cm-incident" name="incident" type="text" inputmode="numeric" size="6"
                    value=filter.incident.map(|n| n.to_string()).unwrap_or_default()/>
            </div>
            <div class="field choice-inline">
                <input id="cm-overdue" name="overdue" type="checkbox" value="1" checked=filter.overdue/>
                <label for="cm-overdue">"Overdue only"</label>
            </div>
            <div class="actions">
                <button type="submit">"Filter"</button>
                <a href=if board { "/countermeasures?view=board" } else { "/countermeasures" }>"Clear filters"</a>
            </div>
        </form>
        <p role="status">
            {format!("{count} countermeasure{}", if count == 1 { "" } else { "s" })}
            {(overdue > 0).then(|| view! { ", " <strong class="overdue">{format!("{overdue} overdue")}</strong> })}
            ". " {switch} " · Export: "
            <a href=format!("{}{}", routes::JIRA_CSV, query_string(&filter, false)) rel="external">"Jira CSV"</a>
            " · "
            <a href=format!("{}{}", routes::GITHUB_JSON, query_string(&filter, false)) rel="external">"GitHub issues JSON"</a>
        </p>
        {if board {
            view! {
                <Board items wip_limits=wip_limits.clone() can_edit here moved/>
                {can_configure.then(|| view! { <WipLimitsForm limits=wip_limits/> })}
            }.into_any()
        } else {
            view! { <List items/> }.into_any()
        }}
    }
}

/// The admin's form for the board's work-in-progress limits: one number
/// per open column, empty for none.
#[component]
fn WipLimitsForm(limits: Vec<(CmStatus, u32)>) -> impl IntoView {
    use crate::domain::countermeasure::wip_field;
    let save = ServerAction::<SaveWipLimits>::new();
    let fields = [CmStatus::Proposed, CmStatus::Accepted, CmStatus::InProgress]
        .into_iter()
        .map(|status| {
            let name = wip_field(status);
            let id = format!("field-{name}");
            let value = limits
                .iter()
                .find(|(c, _)| *c == status)
                .map(|(_, l)| l.to_string())
                .unwrap_or_default();
            view! {
                <div class="field">
                    <label for=id.clone()>{status.label()}</label>
                    <input id=id name=name type="number" min="1" max="1000" inputmode="numeric" value=value/>
                </div>
            }
        })
        .collect_view();
    view! {
        <section class="wip-settings" aria-labelledby="wip-heading">
            <h2 id="wip-heading">"Work-in-progress limits"</h2>
            <p>"A column over its limit stands out on the board. Leave a field empty for no limit."</p>
            {move || save.value().get().and_then(Result::err).map(error_summary)}
            <ActionForm action=save attr:class="filters">
                {fields}
                <div class="actions"><button type="submit">"Save limits"</button></div>
            </ActionForm>
        </section>
    }
}

#[component]
fn Due(item: BacklogItem) -> impl IntoView {
    let due = item.item.content.due;
    view! {
        {match due {
            None => view! { <span class="missing">"no due date"</span> }.into_any(),
            Some(d) if item.overdue => view! {
                <span class="overdue"><strong>"Overdue: "</strong>{format!("due {d}")}</span>
            }.into_any(),
            Some(d) => view! { <span>{format!("due {d}")}</span> }.into_any(),
        }}
    }
}

fn incidents_text(item: &BacklogItem) -> String {
    let numbers: Vec<String> = item
        .item
        .incidents
        .iter()
        .map(|i| format!("#{}", i.number))
        .collect();
    match numbers.len() {
        0 => String::new(),
        1 => numbers[0].clone(),
        n => format!("seen in {n} incidents: {}", numbers.join(", ")),
    }
}

#[component]
fn List(items: Vec<BacklogItem>) -> impl IntoView {
    if items.is_empty() {
        return view! { <p>"No countermeasure matches. File one from an incident, a timeline event or a line of the chronological review."</p> }.into_any();
    }
    let rows = items
        .into_iter()
        .map(|i| {
            let c = &i.item.content;
            let status = c.status.label();
            let kind = c.kind.label();
            let priority = c.priority.label();
            let owner = c.owner.clone();
            let link = format!("/countermeasures/{}", i.item.number);
            let title = format!("{} {}", i.item.code(), c.title);
            let incidents = incidents_text(&i);
            let row_class = if i.overdue { "overdue-row" } else { "" };
            view! {
                <tr class=row_class>
                    <th scope="row"><a href=link>{title}</a></th>
                    <td>{status}</td>
                    <td>{kind}</td>
                    <td>{priority}</td>
                    <td>{owner}</td>
                    <td><Due item=i.clone()/></td>
                    <td>{incidents}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="report-table backlog">
            <caption class="visually-hidden">"Countermeasures"</caption>
            <thead><tr>
                <th scope="col">"Countermeasure"</th><th scope="col">"Status"</th><th scope="col">"Kind"</th>
                <th scope="col">"Priority"</th><th scope="col">"Owner"</th><th scope="col">"Due"</th><th scope="col">"Incidents"</th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

#[component]
fn Board(
    items: Vec<BacklogItem>,
    wip_limits: Vec<(CmStatus, u32)>,
    can_edit: bool,
    here: String,
    moved: ServerAction<MoveCountermeasure>,
) -> impl IntoView {
    let columns = CmStatus::ALL
        .iter()
        .map(|&status| {
            let cards: Vec<BacklogItem> = items
                .iter()
                .filter(|i| i.item.content.status == status)
                .cloned()
                .collect();
            let limit = wip_limits
                .iter()
                .find(|(column, _)| *column == status)
                .map(|(_, l)| *l);
            let over = limit.is_some_and(|l| cards.len() as u32 > l);
            let heading_id = format!("column-{}", status.code());
            let count = match limit {
                Some(l) => format!("{} of a limit of {l}", cards.len()),
                None => cards.len().to_string(),
            };
            let cards_view = cards
                .into_iter()
                .map(|card| view! { <Card card can_edit here=here.clone() moved/> })
                .collect_view();
            let labelled_by = heading_id.clone();
            view! {
                <section class="column" class:over-limit=over aria-labelledby=labelled_by>
                    <h2 id=heading_id>{status.label()} " " <span class="column-count">{format!("({count})")}</span></h2>
                    {over.then(|| view! { <p class="over-limit-note">"Over its work-in-progress limit: finish something before starting more."</p> })}
                    <ul class="cards">{cards_view}</ul>
                </section>
            }
        })
        .collect_view();
    view! { <div class="board">{columns}</div> }
}

#[component]
fn Card(
    card: BacklogItem,
    can_edit: bool,
    here: String,
    moved: ServerAction<MoveCountermeasure>,
) -> impl IntoView {
    let c = card.item.content.clone();
    let number = card.item.number;
    let version = card.item.version;
    let (before, after) = c.status.neighbours();
    let title = format!("{} {}", card.item.code(), c.title);
    let card_title = c.title.clone();
    let move_form = move |to: CmStatus, forward: bool| {
        let label = if forward {
            format!("Move to {} →", to.label())
        } else {
            format!("← Move to {}", to.label())
        };
        let aria = format!("{label}: {card_title}");
        let needs_reason = to == CmStatus::WontDo;
        let reason_id = format!("reason-{number}");
        view! {
            <ActionForm action=moved attr:class="move">
                <input type="hidden" name="number" value=number.to_string()/>
                <input type="hidden" name="version" value=version.to_string()/>
                <input type="hidden" name="to" value=to.code()/>
                <input type="hidden" name="back" value=here.clone()/>
                {needs_reason.then(|| view! {
                    <label for=reason_id.clone()>"Why it won't be done"</label>
                    <input id=reason_id.clone() name="reason" type="text" required maxlength="2000"/>
                })}
                <button type="submit" aria-label=aria>{label}</button>
            </ActionForm>
        }
    };
    view! {
        <li class="card" class:overdue-card=card.overdue>
            <a href=format!("/countermeasures/{number}")>{title}</a>
            <p class="card-meta">
                {c.kind.label()} " · " {c.priority.label()}
                {(!c.owner.is_empty()).then(|| format!(" · {}", c.owner))}
            </p>
            <p class="card-meta"><Due item=card.clone()/>" " {incidents_text(&card)}</p>
            {can_edit.then(|| view! {
                <div class="moves">
                    {before.map(|to| move_form.clone()(to, false))}
                    {after.map(|to| move_form(to, true))}
                </div>
            })}
        </li>
    }
}

/// `/countermeasures/new?incident=12&event=…&line=…`: files one, pre-linked.
#[component]
pub fn CountermeasureNewPage() -> impl IntoView {
    let query = use_query_map();
    let create = ServerAction::<CreateCountermeasure>::new();
    let defaults = move || {
        let q = query.read();
        CountermeasureForm {
            incidents: q.get("incident").unwrap_or_default(),
            source_event: q.get("event").unwrap_or_default(),
            source_line: q.get("line").unwrap_or_default(),
            priority: "medium".into(),
            status: "proposed".into(),
            ..CountermeasureForm::default()
        }
    };
    // When the title is like open ones, the refused form's title and
    // incidents: what the "link instead" offers use.
    let held = move || {
        create
            .value()
            .get()
            .and_then(Result::err)
            .filter(|e| e.field_errors().iter().any(|f| f.field == "similar"))
            .and_then(|e| e.echo::<CountermeasureForm>())
    };
    view! {
        <Title text="File a countermeasure"/>
        <h1>"File a countermeasure"</h1>
        <p class="lede">"Describe the change to the system or the way of working, not the person: what would make the next response easier?"</p>
        {move || held().map(|form| view! { <LinkInstead form/> })}
        <ActionForm action=create attr:class="stacked" attr:data-unsaved-guard="">
            {move || {
                let (values, errors, message) = match create.value().get() {
                    Some(Err(e)) => (
                        e.echo().unwrap_or_else(defaults),
                        e.field_errors().to_vec(),
                        Some(e.to_string()),
                    ),
                    _ => (defaults(), Vec::new(), None),
                };
                let similar = errors.iter().any(|e| e.field == "similar");
                view! {
                    {message.map(|m| view! { <ErrorSummary message=m errors=errors.clone()/> })}
                    <CountermeasureFields values errors/>
                    {similar.then(|| view! {
                        <div class="field choice-inline" id="field-similar">
                            <input id="confirm-new" name="confirm_new" type="checkbox" value="yes"/>
                            <label for="confirm-new">"None of those: file it as a new one"</label>
                        </div>
                    })}
                }
            }}
            <div class="actions"><button type="submit">"File countermeasure"</button></div>
        </ActionForm>
    }
}

/// The open countermeasures like the one being filed, each with a button
/// that links the form's incidents to it instead of filing a duplicate.
#[component]
fn LinkInstead(form: CountermeasureForm) -> impl IntoView {
    let link = ServerAction::<LinkCountermeasure>::new();
    let title = form.title.clone();
    let offers = Resource::new(move || title.clone(), similar_countermeasures);
    let incidents = form.incidents.clone();
    view! {
        <section class="notice link-instead" aria-labelledby="link-instead-heading">
            <h2 id="link-instead-heading">"Is this lesson already on the backlog?"</h2>
            {move || link.value().get().and_then(Result::err).map(error_summary)}
            <Suspense fallback=|| view! { <p>"Looking for similar countermeasures…"</p> }>
                {move || {
                    let incidents = incidents.clone();
                    Suspend::new(async move {
                        let found = offers.await.unwrap_or_default();
                        let what = if incidents.trim().is_empty() {
                            "this incident".to_string()
                        } else {
                            format!("incident {}", incidents.trim())
                        };
                        view! {
                            <ul class="similar">
                                {found.into_iter().map(|(number, title, linked)| {
                                    let wanted = crate::domain::countermeasure::parse_incident_numbers(&incidents).unwrap_or_default();
                                    let already = !wanted.is_empty() && wanted.iter().all(|n| linked.contains(n));
                                    let incidents = incidents.clone();
                                    let label = format!("Link {what} to CM-{number} instead");
                                    view! {
                                        <li>
                                            <a href=format!("/countermeasures/{number}")>{format!("CM-{number} {title}")}</a>
                                            {if already {
                                                view! { <span class="hint">{format!(" ({what} is linked to it already)")}</span> }.into_any()
                                            } else {
                                                view! {
                                                    <ActionForm action=link attr:class="inline">
                                                        <input type="hidden" name="number" value=number.to_string()/>
                                                        <input type="hidden" name="incidents" value=incidents/>
                                                        <button type="submit">{label}</button>
                                                    </ActionForm>
                                                }.into_any()
                                            }}
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }
                    })
                }}
            </Suspense>
        </section>
    }
}

/// `/countermeasures/:number`: one item, its moves, and its edit form.
#[component]
pub fn CountermeasureDetailPage() -> impl IntoView {
    let params = use_params_map();
    // The number, or the text typed in its place (for the "not found").
    let number = move || {
        let raw = params.read().get("number").unwrap_or_default();
        raw.trim_start_matches("CM-")
            .parse::<i64>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or(raw)
    };
    let update = ServerAction::<UpdateCountermeasure>::new();
    let moved = ServerAction::<MoveCountermeasure>::new();
    let merge = ServerAction::<MergeCountermeasure>::new();
    let link = ServerAction::<LinkCountermeasure>::new();
    let data = Resource::new(
        move || {
            (
                number(),
                update.version().get(),
                moved.version().get(),
                link.version().get(),
            )
        },
        |(n, _, _, _)| async move {
            match n {
                Ok(n) => get_countermeasure(n).await,
                Err(raw) => Err(AppError::NotFound {
                    what: format!("Countermeasure {raw}"),
                }),
            }
        },
    );
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(error) => view! { <ErrorView error/> }.into_any(),
                    Ok(view) => {
                        let item = view.item.clone();
                        let c = item.item.content.clone();
                        let title = format!("{} {}", item.item.code(), c.title);
                        let here = format!("/countermeasures/{}", item.item.number);
                        let form = item.item.to_form();
                        let number = item.item.number;
                        let version = item.item.version;
                        let incidents = item.item.incidents.iter().map(|i| view! {
                            <li><a href=format!("/incidents/{}", i.number)>{format!("#{} {}", i.number, i.title)}</a></li>
                        }).collect_view();
                        view! {
                            <Title text=title.clone()/>
                            <h1>{title}</h1>
                            {item.item.merged_into.map(|m| view! {
                                <p class="notice">{format!("Merged into CM-{m}; read-only.")}</p>
                            })}
                            <dl class="facts">
                                <dt>"Status"</dt><dd>{c.status.label()}</dd>
                                <dt>"Kind"</dt><dd>{c.kind.label()}</dd>
                                <dt>"Priority"</dt><dd>{c.priority.label()}</dd>
                                <dt>"Owner"</dt><dd>{if c.owner.is_empty() { "nobody yet".to_string() } else { c.owner.clone() }}</dd>
                                <dt>"Due"</dt><dd><Due item=item.clone()/></dd>
                                <dt>"Filed"</dt><dd>{format!("{} days ago by {}", item.age_days, item.item.created_by)}</dd>
                                {(!c.wont_do_reason.is_empty()).then(|| view! { <dt>"Why it won't be done"</dt><dd>{c.wont_do_reason.clone()}</dd> })}
                                {(!c.ticket_url.is_empty()).then(|| view! { <dt>"Ticket"</dt><dd><a href=c.ticket_url.clone() rel="noopener noreferrer">{c.ticket_url.clone()}</a></dd> })}
                            </dl>
                            <h2>"Incidents"</h2>
                            <ul>{incidents}</ul>
                            {(!view.merged_from.is_empty()).then(|| view! {
                                <h2>"Merged into this one"</h2>
                                <ul>{view.merged_from.iter().map(|(n, t)| view! {
                                    <li><a href=format!("/countermeasures/{n}")>{format!("CM-{n} {t}")}</a></li>
                                }).collect_view()}</ul>
                            })}
                            <h2>"Description"</h2>
                            <div class="markdown" inner_html=view.description_html></div>
                            {(view.can_edit && item.item.merged_into.is_none()).then(|| view! {
                                <LinkAndMerge number version link merge/>
                            })}
                            {(view.can_edit && item.item.merged_into.is_none()).then(|| view! {
                                <h2 id="edit-heading">"Edit"</h2>
                                <ActionForm action=update attr:class="stacked" attr:aria-labelledby="edit-heading" attr:data-unsaved-guard="">
                                    <input type="hidden" name="number" value=number.to_string()/>
                                    <input type="hidden" name="version" value=version.to_string()/>
                                    {move || {
                                        let error = update.value().get().and_then(Result::err);
                                        let values = error.as_ref().and_then(|e| e.echo()).unwrap_or_else(|| form.clone());
                                        let errors = error.as_ref().map(|e| e.field_errors().to_vec()).unwrap_or_default();
                                        view! {
                                            {error.map(|e| view! { <ErrorSummary message=e.to_string() errors=errors.clone()/> })}
                                            <CountermeasureFields values errors/>
                                        }
                                    }}
                                    <div class="actions"><button type="submit">"Save"</button></div>
                                </ActionForm>
                                <p><a href=format!("{here}#edit-heading")>"Back to the top of the form"</a></p>
                            })}
                            {move || moved.value().get().and_then(Result::err).map(error_summary)}
                            <section aria-labelledby="history-heading" class="history-section">
                                <h2 id="history-heading">"History"</h2>
                                <HistoryList entries=view.history show_object=false/>
                            </section>
                        }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}

/// Two small forms on an item: link more incidents to it ("seen in 3
/// incidents"), and merge it into another that records the same lesson.
#[component]
fn LinkAndMerge(
    number: i64,
    version: i64,
    link: ServerAction<LinkCountermeasure>,
    merge: ServerAction<MergeCountermeasure>,
) -> impl IntoView {
    view! {
        <h2 id="link-heading">"Seen again?"</h2>
        {move || link.value().get().and_then(Result::err).map(error_summary)}
        <ActionForm action=link attr:class="filters" attr:aria-labelledby="link-heading">
            <input type="hidden" name="number" value=number.to_string()/>
            <div class="field">
                <label for="field-incidents">"Link incidents (numbers)"</label>
                <input id="field-incidents" name="incidents" type="text" inputmode="numeric" size="10" required/>
            </div>
            <div class="actions"><button type="submit">"Link"</button></div>
        </ActionForm>
        <h2 id="merge-heading">"Same lesson as another?"</h2>
        <p>"Merging keeps this item, read-only, with its history; the other gains its incidents and shows both histories."</p>
        {move || merge.value().get().and_then(Result::err).map(error_summary)}
        <ActionForm action=merge attr:class="filters" attr:aria-labelledby="merge-heading">
            <input type="hidden" name="number" value=number.to_string()/>
            <input type="hidden" name="version" value=version.to_string()/>
            <div class="field">
                <label for="field-into">"Merge into (for example CM-12)"</label>
                <input id="field-into" name="into" type="text" size="10" required/>
            </div>
            <div class="actions"><button type="submit">"Merge"</button></div>
        </ActionForm>
    }
}
