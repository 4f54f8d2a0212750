//! The post-mortem document of one incident: the editor with its live
//! preview and language check while it is a draft, the read-only document
//! once published, and every saved version. Every action is a plain form,
//! so the page works before (and without) the WASM.

use crate::routes;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::on_incident;
use crate::api::postmortem::{
    PostmortemView, PreviewPostmortem, SavePostmortem, SetPostmortemStatus, get_postmortem,
};
use crate::components::blameless_editor::BlamelessEditor;
use crate::components::error_view::ErrorView;
use crate::components::incident_form::error_summary;
use crate::domain::postmortem::{BODY_MAX, DocStatus};
use crate::error::AppError;

#[component]
pub fn PostmortemPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let number = move || params.read().get("number").unwrap_or_default();
    let version = move || query.read().get("version").and_then(|v| v.parse().ok());
    let save = ServerAction::<SavePostmortem>::new();
    let status = ServerAction::<SetPostmortemStatus>::new();
    let data = Resource::new(
        move || {
            (
                number(),
                version(),
                save.version().get(),
                status.version().get(),
            )
        },
        |(n, v, _, _)| on_incident(n, move |n| get_postmortem(n, v)),
    );
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(error) => view! { <ErrorView error/> }.into_any(),
                    Ok(view) => view! { <Postmortem view save status/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Postmortem(
    view: PostmortemView,
    save: ServerAction<SavePostmortem>,
    status: ServerAction<SetPostmortemStatus>,
) -> impl IntoView {
    let n = view.number;
    let title = format!("Post-mortem of #{n}: {}", view.incident_title);
    let published = view.status == DocStatus::Published;
    let editing = view.can_edit && !published && view.showing_version.is_none();
    let state = if view.exists {
        view.status.label()
    } else {
        "Not started: this is the template"
    };
    let body = if editing {
        view! { <Editor view=view.clone() save/> }.into_any()
    } else {
        view! {
            {view.showing_version.map(|v| view! {
                <p class="notice" role="status">
                    {format!("You are reading version {v}. ")}
                    <a href=format!("/incidents/{n}/postmortem")>"Back to the current version"</a>
                </p>
            })}
            <article class="markdown postmortem-body" inner_html=view.body_html.clone()></article>
        }
        .into_any()
    };
    view! {
        <Title text=title.clone()/>
        <p class="breadcrumb"><a href=format!("/incidents/{n}")>{format!("Incident #{n}")}</a></p>
        <h1>{title}</h1>
        <p class="doc-state">
            <span class=format!("badge status-{}", view.status.code())>{state}</span>
            {view.updated.clone().map(|(by, at)| view! {
                " Last saved by "{by}" at "<time datetime=at.iso>{at.text}</time>"."
            })}
        </p>
        <p class="no-print">
            <a href=format!("/incidents/{n}/handout")>"Review handout"</a>
            {view.exists.then(|| view! {
                " · Download: "<a href=routes::at(routes::POSTMORTEM_MD, n) rel="external">"Markdown"</a>
                " · "<a href=routes::at(routes::POSTMORTEM_HTML, n) rel="external">"standalone HTML"</a>
            })}
        </p>
        {move || status.value().get().and_then(Result::err).map(error_summary)}
        <StatusForm view=view.clone() status/>
        {body}
        <VersionList view/>
    }
}

/// Publish (a saved draft) or reopen (a published document).
#[component]
fn StatusForm(view: PostmortemView, status: ServerAction<SetPostmortemStatus>) -> impl IntoView {
    if !view.can_edit || !view.exists || view.showing_version.is_some() {
        return None;
    }
    // A draft is published from the editor ("Save and publish"), so that
    // what is published is the text on screen, saved first.
    let (target, button, help) = match view.status {
        DocStatus::Draft => return None,
        DocStatus::Published => (
            DocStatus::Draft,
            "Reopen for editing",
            "Published and read-only. Reopening makes it a draft again; every version stays in the history.",
        ),
    };
    Some(view! {
        <ActionForm action=status attr:class="inline-form doc-status">
            <input type="hidden" name="number" value=view.number.to_string()/>
            <input type="hidden" name="version" value=view.version.to_string()/>
            <input type="hidden" name="status" value=target.code()/>
            <button type="submit">{button}</button>
            <span class="hint">" "{help}</span>
        </ActionForm>
    })
}

/// How long the preview waits after the last keystroke.
const PREVIEW_DELAY_MS: u64 = 400;

#[component]
fn Editor(view: PostmortemView, save: ServerAction<SavePostmortem>) -> impl IntoView {
    // After a refused save, the text that was sent (without JavaScript, the
    // error carries it back); else the stored text or the template.
    let error = save.value().get_untracked().and_then(Result::err);
    let start = error
        .as_ref()
        .and_then(|e| e.echo::<String>())
        .unwrap_or_else(|| view.body.clone());
    let version = match &error {
        Some(AppError::Conflict {
            current_version, ..
        }) => *current_version,
        _ => view.version,
    };
    let body_error = error.as_ref().and_then(|e| {
        e.field_errors()
            .iter()
            .find(|f| f.field == "body")
            .map(|f| f.message.clone())
    });
    let text = RwSignal::new(start);
    let preview = ServerAction::<PreviewPostmortem>::new();
    let preview_html = RwSignal::new(view.body_html.clone());
    Effect::new(move |_| {
        if let Some(Ok(p)) = preview.value().get() {
            preview_html.set(p.html);
        }
    });
    // Renders the preview once the author pauses (only in the browser:
    // effects never run on the server).
    let typed = RwSignal::new(0u64);
    Effect::new(move |first: Option<()>| {
        text.track();
        if first.is_none() {
            return;
        }
        let ticket = typed.get_untracked() + 1;
        typed.set(ticket);
        set_timeout(
            move || {
                // The page may have been left since: its signals are gone.
                if typed.try_get_untracked() == Some(ticket)
                    && let Some(body) = text.try_get_untracked()
                {
                    preview.dispatch(PreviewPostmortem { body });
                }
            },
            std::time::Duration::from_millis(PREVIEW_DELAY_MS),
        );
    });
    let n = view.number;
    view! {
        {move || save.value().get().and_then(Result::err).map(|e| {
            let conflict = matches!(e, AppError::Conflict { .. });
            view! {
                {error_summary(e)}
                {conflict.then(|| view! {
                    <p class="conflict-help">
                        <a href=format!("/incidents/{n}/postmortem") target="_blank">"Open the current version in a new tab"</a>
                    </p>
                })}
            }
        })}
        <div class="postmortem-editor">
            <ActionForm action=save attr:class="postmortem-form" attr:data-unsaved-guard="">
                <input type="hidden" name="number" value=n.to_string()/>
                <input type="hidden" name="version" value=version.to_string()/>
                <BlamelessEditor name="body" label="Post-mortem" text added_rules=view.added_rules.clone()
                    error=body_error maxlength=BODY_MAX/>
                <div class="actions">
                    <button type="submit" disabled=move || save.pending().get()>"Save draft"</button>
                    <button type="submit" name="publish" value="yes" class="secondary" disabled=move || save.pending().get()
                        title="Saves the text as it is here, then publishes it (read-only until reopened)">"Save and publish"</button>
                    <a href=format!("/incidents/{n}")>"Back to the incident"</a>
                </div>
            </ActionForm>
            <section class="preview" aria-labelledby="preview-heading">
                <h2 id="preview-heading">"Preview"</h2>
                <p class="hint">"As saved; with JavaScript it follows your typing."</p>
                {move || preview.value().get().and_then(Result::err).map(|e| view! {
                    <p class="error" role="status">{e.to_string()}</p>
                })}
                <article class="markdown postmortem-body" inner_html=move || preview_html.get()></article>
            </section>
        </div>
    }
}

#[component]
fn VersionList(view: PostmortemView) -> impl IntoView {
    if view.versions.is_empty() {
        return None;
    }
    let n = view.number;
    Some(view! {
        <section class="versions" aria-labelledby="versions-heading">
            <h2 id="versions-heading">"Versions"</h2>
            <table>
                <thead>
                    <tr><th scope="col">"Version"</th><th scope="col">"What"</th><th scope="col">"By"</th>
                        <th scope="col">"When"</th><th scope="col">"Length"</th></tr>
                </thead>
                <tbody>
                    {view.versions.into_iter().map(|(v, at)| view! {
                        <tr>
                            <td><a href=format!("/incidents/{n}/postmortem?version={}", v.version)>{format!("v{}", v.version)}</a></td>
                            <td>{v.action}</td>
                            <td>{v.saved_by}</td>
                            <td><time datetime=at.iso>{at.text}</time></td>
                            <td>{format!("{} characters", v.chars)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    })
}
