//! `/search`: full-text search across incidents, timeline events, transcript
//! lines, post-mortems and countermeasures, filtered by kind and date; the
//! exact phrase ranks first. With no query it shows the incidents of this
//! calendar week in earlier years. A plain GET form: it works without
//! JavaScript and every search has an address to share.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::search::{SearchView, search};
use crate::components::error_view::ErrorView;
use crate::domain::search::{QUERY_MAX, RESULT_LIMIT, SearchKind, SearchQuery};

#[component]
pub fn SearchPage() -> impl IntoView {
    let query = use_query_map();
    let asked = move || SearchQuery::from_params(|k| query.read().get(k));
    let data = Resource::new(asked, search);
    view! {
        <Title text="Search"/>
        <h1>"Search"</h1>
        <Suspense fallback=|| view! { <p>"Searching…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(error) => view! { <ErrorView error/> }.into_any(),
                    Ok(view) => view! { <SearchForm query=view.query.clone()/><Results view/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn SearchForm(query: SearchQuery) -> impl IntoView {
    let kind = query.kind.map(|k| k.code()).unwrap_or("");
    view! {
        <form method="get" action="/search" class="filters search-form" role="search">
            <div class="field">
                <label for="search-q">"Words or a phrase"</label>
                <input id="search-q" type="search" name="q" value=query.text.clone()
                    maxlength=QUERY_MAX.to_string() placeholder="e.g. connection pool exhausted"/>
            </div>
            <div class="field">
                <label for="search-kind">"In"</label>
                <select id="search-kind" name="kind">
                    <option value="" selected=kind.is_empty()>"Everything"</option>
                    {SearchKind::ALL.iter().map(|k| view! {
                        <option value=k.code() selected=kind == k.code()>{k.label()}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="search-from">"From"</label>
                <input id="search-from" type="date" name="from" value=query.from.map(|d| d.to_string()).unwrap_or_default()/>
            </div>
            <div class="field">
                <label for="search-to">"To"</label>
                <input id="search-to" type="date" name="to" value=query.to.map(|d| d.to_string()).unwrap_or_default()/>
            </div>
            <div class="actions"><button type="submit">"Search"</button></div>
        </form>
    }
}

#[component]
fn Results(view: SearchView) -> impl IntoView {
    let asked = !view.query.text.trim().is_empty();
    let count = view.results.len();
    let pending = view.lines_pending;
    view! {
        {(pending > 0).then(|| view! {
            <p class="notice" role="status">
                {format!("{pending} transcript lines of a large import are still being indexed; they appear in search within a minute.")}
            </p>
        })}
        {asked.then(|| view! {
            <p class="count" role="status">
                {match count {
                    0 => "Nothing matches. Try fewer or other words, or widen the dates.".to_string(),
                    1 => "1 result.".to_string(),
                    n if view.limited => format!("The first {n} results, the exact phrase first; add words or dates to narrow them."),
                    n => format!("{n} results, the exact phrase first."),
                }}
            </p>
            <ol class="search-results">
                {view.results.into_iter().map(|r| view! {
                    <li class:exact=r.exact>
                        <p class="result-head">
                            <span class="badge">{r.kind.label()}</span>" "
                            <a href=r.link>{r.label}</a>" · "
                            <time datetime=r.at.iso>{r.at.text}</time>
                        </p>
                        <p class="snippet" inner_html=r.snippet_html></p>
                    </li>
                }).collect_view()}
            </ol>
        })}
        <section aria-labelledby="past-weeks-heading">
            <h2 id="past-weeks-heading">"This week in past years"</h2>
            {if view.this_week.is_empty() {
                view! { <p class="missing">"No incidents in this calendar week of earlier years."</p> }.into_any()
            } else {
                view! {
                    {view.this_week.into_iter().map(|w| view! {
                        <h3>{format!("{} ({} to {})", w.year, w.from, w.to)}</h3>
                        <ul>
                            {w.incidents.into_iter().map(|(n, title, at)| view! {
                                <li><a href=format!("/incidents/{n}")>{format!("#{n} {title}")}</a>" · "<time datetime=at.iso>{at.text}</time></li>
                            }).collect_view()}
                        </ul>
                    }).collect_view()}
                }.into_any()
            }}
        </section>
        <p class="hint">{format!("Up to {RESULT_LIMIT} results are shown.")}</p>
    }
}
