//! The document shell, the router and the layout every page shares.

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::{
    SsrMode,
    components::{Route, Router, Routes},
    path,
};

use crate::components::zone_picker::ZonePicker;
use crate::pages::{
    incident_detail::IncidentDetailPage, incident_edit::IncidentEditPage,
    incident_list::IncidentListPage, incident_new::IncidentNewPage, not_found::NotFoundPage,
};

/// The HTML document the server sends; the app hydrates inside `<body>`.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/debrief.css"/>
        <Title formatter=|text: String| if text.is_empty() { "Debrief".to_string() } else { format!("{text} · Debrief") }/>
        <Router>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <header class="site-header">
                <a class="brand" href="/">"Debrief"</a>
                <nav aria-label="Main">
                    <ul>
                        <li><a href="/incidents">"Incidents"</a></li>
                        <li><a href="/incidents/new">"New incident"</a></li>
                    </ul>
                </nav>
                <ZonePicker/>
            </header>
            <main id="main" tabindex="-1">
                <Routes fallback=NotFoundPage>
                    <Route path=path!("/") view=IncidentListPage ssr=SsrMode::Async/>
                    <Route path=path!("/incidents") view=IncidentListPage ssr=SsrMode::Async/>
                    <Route path=path!("/incidents/new") view=IncidentNewPage ssr=SsrMode::Async/>
                    <Route path=path!("/incidents/:number") view=IncidentDetailPage ssr=SsrMode::Async/>
                    <Route path=path!("/incidents/:number/edit") view=IncidentEditPage ssr=SsrMode::Async/>
                </Routes>
            </main>
        </Router>
    }
}
