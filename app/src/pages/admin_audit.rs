use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::admin::audit_log;
use crate::components::error_view::ErrorView;
use crate::components::history::HistoryList;

/// The audit log: every change to incidents and accounts, newest first.
#[component]
pub fn AdminAuditPage() -> impl IntoView {
    let query = use_query_map();
    let before = move || {
        query
            .read()
            .get("before")
            .and_then(|b| b.parse::<i64>().ok())
    };
    let page = Resource::new(before, audit_log);
    view! {
        <Title text="Audit log"/>
        <h1>"Audit log"</h1>
        <p class="lede">"Every change, who made it and what it changed. Entries are only ever added."</p>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Err(error) => view! { <ErrorView error/> }.into_any(),
                    Ok(view) => view! {
                        <HistoryList entries=view.entries show_object=true/>
                        {view.older.map(|id| view! {
                            <p><a href=format!("/admin/audit?before={id}")>"Older entries"</a></p>
                        })}
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}
