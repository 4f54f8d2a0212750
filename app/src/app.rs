//! The document shell, the router and the layout every page shares.

use leptos::prelude::*;
use leptos_meta::{MetaTags, Title, provide_meta_context};
use leptos_router::{
    SsrMode,
    components::{Route, Router, Routes},
    path,
};

use crate::components::session::provide_session;
use crate::components::zone_picker::ZonePicker;
use crate::domain::account::Role;
use crate::pages::{
    account::AccountPage,
    admin_audit::AdminAuditPage,
    admin_language::AdminLanguagePage,
    admin_metrics::AdminMetricsPage,
    admin_reviews::AdminReviewsPage,
    admin_users::AdminUsersPage,
    admin_webhooks::AdminWebhooksPage,
    countermeasures::{BacklogPage, CountermeasureDetailPage, CountermeasureNewPage},
    handout::HandoutPage,
    incident_detail::IncidentDetailPage,
    incident_edit::IncidentEditPage,
    incident_list::IncidentListPage,
    incident_new::IncidentNewPage,
    incident_restore::IncidentRestorePage,
    login::LoginPage,
    meeting::MeetingPage,
    not_found::NotFoundPage,
    postmortem::PostmortemPage,
    report::ReportPage,
    search::SearchPage,
    setup::SetupPage,
    transcript_import::TranscriptImportPage,
    transcript_review::TranscriptReviewPage,
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
                <link id="leptos" rel="stylesheet" href=stylesheet()/>
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

/// The stylesheet's address, with the content hash a release build gives
/// it (the shell is only ever rendered on the server).
fn stylesheet() -> String {
    #[cfg(feature = "ssr")]
    return crate::server::assets::stylesheet();
    #[cfg(not(feature = "ssr"))]
    return "/pkg/debrief.css".into();
}

/// "Page · Debrief". On the server the text is escaped: leptos_meta 0.8.7
/// writes the server-rendered `<title>` without escaping, so a title such as
/// `</title><script>` would otherwise become markup. In the browser it is set
/// as `document.title`, plain text, so it stays as typed.
fn document_title(text: String) -> String {
    let title = if text.is_empty() {
        "Debrief".to_string()
    } else {
        format!("{text} · Debrief")
    };
    if cfg!(feature = "ssr") {
        crate::domain::html_text::escape_text(&title)
    } else {
        title
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let session = provide_session();
    view! {
        <Title formatter=document_title/>
        <Router>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <header class="site-header">
                <a class="brand" href="/">"Debrief"</a>
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        let info = session.await.ok();
                        let zone = info.as_ref().map(|i| i.viewer_zone.clone()).unwrap_or_default();
                        let user = info.and_then(|info| info.user);
                        user.map(|user| {
                            let is_editor = user.role.allows(Role::Editor);
                            let is_admin = user.role.allows(Role::Admin);
                            view! {
                            <nav aria-label="Main">
                                <ul>
                                    <li><a href="/incidents">"Incidents"</a></li>
                                    <li><a href="/countermeasures">"Countermeasures"</a></li>
                                    <li><a href="/report">"Report"</a></li>
                                    <li><a href="/search">"Search"</a></li>
                                    {is_editor.then(|| view! {
                                        <li><a href="/incidents/new">"New incident"</a></li>
                                        <li><a href="/incidents/restore">"Restore"</a></li>
                                    })}
                                    {is_admin.then(|| view! {
                                        <li><a href="/admin/users">"People"</a></li>
                                        <li><a href="/admin/audit">"Audit log"</a></li>
                                        <li><a href="/admin/metrics">"Metrics"</a></li>
                                        <li><a href="/admin/webhooks">"Webhooks"</a></li>
                                        <li><a href="/admin/language">"Language"</a></li>
                                        <li><a href="/admin/reviews">"Reviews"</a></li>
                                    })}
                                </ul>
                            </nav>
                            <ZonePicker current=zone/>
                            <div class="signed-in">
                                <a href="/account" title="Your account">{user.display_name}" ("{user.role.label()}")"</a>
                                <form method="post" action="/api/auth/logout">
                                    <button type="submit" class="link-button">"Sign out"</button>
                                </form>
                            </div>
                        }})
                    })}
                </Suspense>
            </header>
            <main id="main" tabindex="-1">
                <Routes fallback=NotFoundPage>
                    <Route path=path!("/") view=IncidentListPage ssr=SsrMode::Async/>
                    <Route path=path!("/incidents") view=IncidentListPage ssr=SsrMode::Async/>
                    <Route path=path!("/incidents/new") view=IncidentNewPage ssr=SsrMode::Async/>
                    <Route path=path!("/incidents/restore") view=IncidentRestorePage ssr=SsrMode::Async/>
                    <Route path=path!("/incidents/:number") view=IncidentDetailPage ssr=SsrMode::Async/>
                    <Route path=path!("/incidents/:number/edit") view=IncidentEditPage ssr=SsrMode::Async/>
                    <Route path=path!("/incidents/:number/import") view=TranscriptImportPage ssr=SsrMode::Async/>
                    <Route path=path!("/incidents/:number/review") view=TranscriptReviewPage ssr=SsrMode::Async/>
                    <Route path=path!("/incidents/:number/postmortem") view=PostmortemPage ssr=SsrMode::Async/>
                    <Route path=path!("/incidents/:number/handout") view=HandoutPage ssr=SsrMode::Async/>
                    <Route path=path!("/incidents/:number/meeting") view=MeetingPage ssr=SsrMode::Async/>
                    <Route path=path!("/report") view=ReportPage ssr=SsrMode::Async/>
                    <Route path=path!("/search") view=SearchPage ssr=SsrMode::Async/>
                    <Route path=path!("/countermeasures") view=BacklogPage ssr=SsrMode::Async/>
                    <Route path=path!("/countermeasures/new") view=CountermeasureNewPage ssr=SsrMode::Async/>
                    <Route path=path!("/countermeasures/:number") view=CountermeasureDetailPage ssr=SsrMode::Async/>
                    <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async/>
                    <Route path=path!("/setup") view=SetupPage ssr=SsrMode::Async/>
                    <Route path=path!("/account") view=AccountPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/users") view=AdminUsersPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/audit") view=AdminAuditPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/metrics") view=AdminMetricsPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/webhooks") view=AdminWebhooksPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/language") view=AdminLanguagePage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/reviews") view=AdminReviewsPage ssr=SsrMode::Async/>
                </Routes>
            </main>
        </Router>
    }
}
