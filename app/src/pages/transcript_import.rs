//! Importing chat transcripts into an incident: upload or paste (a plain
//! multipart form, so it works before the WASM loads), then a preview of what
//! would be stored, then the import itself.

use crate::routes;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::on_incident;
use crate::api::transcripts::{FilePreview, ImportPreview, ImportTranscripts, preview_import};
use crate::components::error_view::ErrorView;

#[component]
pub fn TranscriptImportPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let number = move || params.read().get("number").unwrap_or_default();
    let staged = move || query.read().get("staged").unwrap_or_default();
    view! {
        {move || {
            if staged().is_empty() {
                view! { <UploadForm number=number()/> }.into_any()
            } else {
                view! { <Preview/> }.into_any()
            }
        }}
    }
}

/// Files (any number, from the picker or dropped on it) and a paste box.
/// Without JavaScript the form posts as is; with it, the upload goes through
/// `XMLHttpRequest` so that a progress bar can show how much has been sent.
#[component]
fn UploadForm(number: String) -> impl IntoView {
    let title = format!("Import chat transcripts into incident #{number}");
    let sent = RwSignal::new(None::<f64>);
    let failed = RwSignal::new(None::<String>);
    let on_submit = move |ev: leptos::ev::SubmitEvent| upload::send(ev, sent, failed);
    // Names of the chosen files, and whether files are being dragged over.
    let chosen = RwSignal::new(Vec::<String>::new());
    let dragging = RwSignal::new(false);
    view! {
        <Title text=title.clone()/>
        <p><a href=format!("/incidents/{number}")>"← Back to the incident"</a></p>
        <h1>{title}</h1>
        <p>
            "Add the logs of every channel used during the response. Debrief reads IRC client logs (irssi, WeeChat, ZNC, "
            "HexChat, mIRC, Textual, Limnoria, MeetBot), Slack exports and copied Slack text, plain text with times, and CSV. "
            "You will see a preview before anything is stored."
        </p>
        <form method="post" action=routes::at(routes::TRANSCRIPT_UPLOAD, &number) enctype="multipart/form-data" class="upload-form" on:submit=on_submit>
            <div class="drop-zone" class:dragging=move || dragging.get()
                on:dragover=move |ev| drop_zone::over(ev, dragging)
                on:dragleave=move |_| dragging.set(false)
                on:drop=move |ev| drop_zone::dropped(ev, dragging, chosen)>
                <label for="transcript-files">"Transcript files"</label>
                <input id="transcript-files" type="file" name="file" multiple aria-describedby="files-hint"
                    on:change=move |ev| drop_zone::picked(ev, chosen)/>
                <p id="files-hint" class="hint">"Choose files or drop them anywhere in this box. A Slack export zip holds every channel at once. Up to 256 MB per upload unless your administrator set another limit."</p>
                <p class="chosen" aria-live="polite">
                    {move || {
                        let names = chosen.get();
                        match names.len() {
                            0 => String::new(),
                            1 => format!("Chosen: {}", names[0]),
                            n => format!("{n} files chosen: {}", names.join(", ")),
                        }
                    }}
                </p>
            </div>
            <label for="paste">"Or paste a transcript"</label>
            <textarea id="paste" name="paste" rows="10" placeholder="14:32 sam: the checkout alert fired, looking at the dashboard now"></textarea>
            <label for="paste-name">"Channel of the pasted text"</label>
            <input id="paste-name" name="paste_name" placeholder="#incident-412"/>
            <div class="actions">
                <button type="submit" disabled=move || sent.get().is_some()>"Upload and preview"</button>
            </div>
            {move || sent.get().map(|percent| view! {
                <p>
                    <label for="upload-progress">"Uploading"</label>" "
                    <progress id="upload-progress" max="100" value=format!("{percent:.0}")>{format!("{percent:.0}%")}</progress>
                    {format!(" {percent:.0}%")}
                </p>
            })}
            {move || failed.get().map(|message| view! { <p class="error" role="alert">{message}</p> })}
        </form>
    }
}

#[component]
fn Preview() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let args = move || {
        let q = query.read();
        let list = |key: &str| {
            let mut values = Vec::new();
            for i in 0..100 {
                match q.get(&format!("{key}[{i}]")) {
                    Some(v) => values.push(v),
                    None => break,
                }
            }
            Some(values).filter(|v| !v.is_empty())
        };
        (
            params.read().get("number").unwrap_or_default(),
            q.get("staged").unwrap_or_default(),
            list("formats"),
            list("channels"),
            q.get("zone"),
            q.get("date"),
        )
    };
    let preview = Resource::new(args, |(number, staged, formats, channels, zone, date)| {
        on_incident(number, move |n| {
            preview_import(n, staged, formats, channels, zone, date)
        })
    });
    view! {
        <Suspense fallback=|| view! { <p>"Reading the transcripts…"</p> }>
            {move || Suspend::new(async move {
                match preview.await {
                    Err(error) => view! { <ErrorView error/> }.into_any(),
                    Ok(p) => view! { <PreviewView preview=p/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn PreviewView(preview: ImportPreview) -> impl IntoView {
    let import = ServerAction::<ImportTranscripts>::new();
    let navigate = leptos_router::hooks::use_navigate();
    let number = preview.number;
    Effect::new(move |_| {
        if let Some(Ok(_)) = import.value().get() {
            navigate(&format!("/incidents/{number}/review"), Default::default());
        }
    });
    let title = format!("Preview: transcripts for incident #{}", preview.number);
    let settings = move |p: &ImportPreview| {
        let files = p.files.clone();
        let formats = p.formats.clone();
        view! {
            <input type="hidden" name="number" value=p.number.to_string()/>
            <input type="hidden" name="staged" value=p.staged.clone()/>
            {files.into_iter().map(|f| {
                let i = f.index;
                let chosen = f.format.clone();
                view! {
                    <fieldset class="file-settings">
                        <legend>{f.name.clone()}</legend>
                        <label for=format!("format-{i}")>"Format"</label>
                        <select id=format!("format-{i}") name=format!("formats[{i}]")>
                            {formats.iter().map(|c| {
                                let selected = c.code == chosen;
                                view! { <option value=c.code.clone() selected=selected>{c.label.clone()}</option> }
                            }).collect_view()}
                        </select>
                        <label for=format!("channel-{i}")>"Channel"</label>
                        <input id=format!("channel-{i}") name=format!("channels[{i}]") value=f.channel.clone() maxlength="80"/>
                    </fieldset>
                }
            }).collect_view()}
            <label for="zone">"Time zone of times without an offset"</label>
            <input id="zone" name="zone" value=p.zone.clone()/>
            <label for="date">"Date of the first line, when the file does not say"</label>
            <input id="date" name="date" type="date" value=p.date.clone()/>
        }
    };
    let reread = settings(&preview);
    let confirm = settings(&preview);
    let ready = preview.ready;
    view! {
        <Title text=title.clone()/>
        <p><a href=format!("/incidents/{}", preview.number)>"← Back to the incident"</a></p>
        <h1>{title}</h1>
        <p>"Nothing is stored yet. Check what Debrief read; change a format, channel, zone or date and read again; then import."</p>
        {preview.files.iter().cloned().map(|f| view! { <FileSummary file=f/> }).collect_view()}
        <form method="get" action=format!("/incidents/{}/import", preview.number) class="reread-form">
            {reread}
            <div class="actions"><button type="submit">"Read again with these settings"</button></div>
        </form>
        <ActionForm action=import attr:class="import-form">
            <div hidden>{confirm}</div>
            {move || import.value().get().and_then(Result::err).map(|e| view! {
                <p class="error" role="alert">{e.to_string()}</p>
            })}
            <div class="actions">
                <button type="submit" disabled=move || !ready || import.pending().get()>
                    {move || if import.pending().get() { "Importing…" } else { "Import" }}
                </button>
                {(!ready).then(|| view! { <p class="hint">"A file not recognised, or with no readable line, cannot be imported: choose its format and read it again, or leave it out."</p> })}
            </div>
            {move || import.pending().get().then(|| view! {
                <progress aria-label="Importing"></progress>
            })}
        </ActionForm>
    }
}

#[component]
fn FileSummary(file: FilePreview) -> impl IntoView {
    let confidence = match file.confidence {
        Some(c) => format!("detected, {c}% sure"),
        None => "chosen by you".into(),
    };
    let range = match (&file.first, &file.last) {
        (Some(f), Some(l)) => format!("{f} to {l}"),
        _ => "no times".into(),
    };
    let more = file
        .participant_count
        .saturating_sub(file.participants.len());
    view! {
        <section class="file-preview" aria-label=format!("Preview of {}", file.name)>
            <h2>{file.name.clone()}" "<small>{file.size.clone()}</small></h2>
            {(!file.recognised).then(|| view! {
                <p class="error unrecognised" role="alert">
                    "Debrief does not recognise this file as a chat log or export it reads. It was read as "
                    {file.format_label.clone()}", its best guess"
                    {(!file.alternatives.is_empty()).then(|| format!(
                        " (other guesses: {})",
                        file.alternatives.iter().map(|(_, label, c)| format!("{label}, {c}%")).collect::<Vec<_>>().join("; ")
                    ))}
                    ". Choose its format below and read it again, or leave it out."
                </p>
            })}
            <dl class="facts">
                <dt>"Format"</dt><dd class="format">{file.format_label.clone()}" ("{confidence}")"</dd>
                <dt>"Channel"</dt><dd class="channel">{file.channel.clone()}</dd>
                <dt>"Lines"</dt><dd class="line-count">{file.lines}</dd>
                <dt>"Time range"</dt><dd>{range}</dd>
                <dt>"Dates from"</dt><dd>{file.dates_from.clone()}</dd>
                {file.zones_read.clone().map(|z| view! { <dt>"Zones"</dt><dd class="zones-read">{z}</dd> })}
                {(file.approximate > 0).then(|| view! {
                    <dt>"Estimated times"</dt><dd class="approximate">{format!("{} lines give their time as an estimate (~, around, approx.)", file.approximate)}</dd>
                })}
                {(file.continuations > 0).then(|| view! {
                    <dt>"Joined lines"</dt><dd class="continuations">{format!("{} lines without a time of their own continue the message above them", file.continuations)}</dd>
                })}
                <dt>"Participants"</dt>
                <dd>
                    {file.participants.iter().map(|(a, n)| format!("{a} ({n})")).collect::<Vec<_>>().join(", ")}
                    {(more > 0).then(|| format!(" and {more} more"))}
                </dd>
                {(!file.channels.is_empty()).then(|| view! {
                    <dt>"Channels inside"</dt>
                    <dd>{file.channels.iter().map(|(c, n)| format!("{c} ({n})")).collect::<Vec<_>>().join(", ")}</dd>
                })}
                <dt>"Kinds"</dt>
                <dd>{file.kinds.iter().map(|(k, n)| format!("{k}: {n}")).collect::<Vec<_>>().join(", ")}</dd>
            </dl>
            {(!file.sample.is_empty()).then(|| view! {
                <table class="sample">
                    <caption>"Lines as read: the first, the last, and those whose time needs a look"</caption>
                    <thead><tr><th scope="col">"Line"</th><th scope="col">"Time"</th><th scope="col">"Who"</th><th scope="col">"Text"</th></tr></thead>
                    <tbody>
                        {file.sample.iter().map(|l| view! {
                            <tr class:noted=!l.note.is_empty()>
                                <td>{l.line}</td>
                                <td>{l.time.clone()}</td>
                                <td>{if l.author.is_empty() { "—".to_string() } else { l.author.clone() }}</td>
                                <td>{l.text.clone()}{(!l.note.is_empty()).then(|| view! { <span class="note">" ("{l.note.clone()}")"</span> })}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            })}
            {(!file.alternatives.is_empty()).then(|| view! {
                <p class="hint">"Also possible: "
                    {file.alternatives.iter().map(|(_, label, c)| format!("{label} ({c}%)")).collect::<Vec<_>>().join(", ")}
                </p>
            })}
            {(file.problem_count > 0).then(|| view! {
                <details class="problems" open>
                    <summary>{format!("{} lines could not be read (they will not be imported)", file.problem_count)}</summary>
                    <ul>
                        {file.problems.iter().map(|(line, reason)| view! {
                            <li>{if *line == 0 { "end of file".to_string() } else { format!("Line {line}") }}": "{reason.clone()}</li>
                        }).collect_view()}
                    </ul>
                </details>
            })}
            {(file.flagged_count > 0).then(|| view! {
                <details class="flagged">
                    <summary>{format!("{} lines have a time to check", file.flagged_count)}</summary>
                    <ul>
                        {file.flagged.iter().map(|(line, why)| view! { <li>{format!("Line {line}: {why}")}</li> }).collect_view()}
                    </ul>
                </details>
            })}
        </section>
    }
}

/// Files dropped on the upload box go into its file input, so the form (with
/// or without the progress bar) sends them as if they had been picked.
mod drop_zone {
    use leptos::prelude::*;

    #[cfg(not(feature = "hydrate"))]
    pub fn over(_: leptos::ev::DragEvent, _: RwSignal<bool>) {}
    #[cfg(not(feature = "hydrate"))]
    pub fn dropped(_: leptos::ev::DragEvent, _: RwSignal<bool>, _: RwSignal<Vec<String>>) {}
    #[cfg(not(feature = "hydrate"))]
    pub fn picked(_: leptos::ev::Event, _: RwSignal<Vec<String>>) {}

    #[cfg(feature = "hydrate")]
    pub fn over(ev: leptos::ev::DragEvent, dragging: RwSignal<bool>) {
        // Accepting the drag is what lets the box receive the drop.
        ev.prevent_default();
        if let Some(transfer) = ev.data_transfer() {
            transfer.set_drop_effect("copy");
        }
        dragging.set(true);
    }

    #[cfg(feature = "hydrate")]
    pub fn dropped(
        ev: leptos::ev::DragEvent,
        dragging: RwSignal<bool>,
        chosen: RwSignal<Vec<String>>,
    ) {
        use leptos::wasm_bindgen::JsCast;
        dragging.set(false);
        let Some(files) = ev.data_transfer().and_then(|t| t.files()) else {
            return;
        };
        if files.length() == 0 {
            return;
        }
        ev.prevent_default();
        let input = document()
            .get_element_by_id("transcript-files")
            .and_then(|el| el.dyn_into::<web_sys::HtmlInputElement>().ok());
        if let Some(input) = input {
            input.set_files(Some(&files));
            chosen.set(names(&files));
        }
    }

    #[cfg(feature = "hydrate")]
    pub fn picked(ev: leptos::ev::Event, chosen: RwSignal<Vec<String>>) {
        use leptos::wasm_bindgen::JsCast;
        let files = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            .and_then(|input| input.files());
        chosen.set(files.map(|f| names(&f)).unwrap_or_default());
    }

    #[cfg(feature = "hydrate")]
    fn names(files: &web_sys::FileList) -> Vec<String> {
        (0..files.length())
            .filter_map(|i| files.get(i))
            .map(|f| f.name())
            .collect()
    }
}

/// The upload with a progress bar (browser only).
mod upload {
    use leptos::prelude::*;

    #[cfg(not(feature = "hydrate"))]
    pub fn send(_: leptos::ev::SubmitEvent, _: RwSignal<Option<f64>>, _: RwSignal<Option<String>>) {
    }

    #[cfg(feature = "hydrate")]
    pub fn send(
        ev: leptos::ev::SubmitEvent,
        sent: RwSignal<Option<f64>>,
        failed: RwSignal<Option<String>>,
    ) {
        use leptos::wasm_bindgen::JsCast;
        use leptos::wasm_bindgen::closure::Closure;
        use web_sys::{FormData, HtmlFormElement, ProgressEvent, XmlHttpRequest};
        let Some(form) = ev
            .target()
            .and_then(|t| t.dyn_into::<HtmlFormElement>().ok())
        else {
            return;
        };
        let (Ok(data), Ok(xhr)) = (FormData::new_with_form(&form), XmlHttpRequest::new()) else {
            return; // The browser posts the form itself.
        };
        if xhr.open("POST", &form.action()).is_err()
            || xhr.set_request_header("Accept", "text/plain").is_err()
        {
            return;
        }
        ev.prevent_default();
        failed.set(None);
        sent.set(Some(0.0));
        if let Ok(upload) = xhr.upload() {
            let on_progress = Closure::<dyn FnMut(ProgressEvent)>::new(move |p: ProgressEvent| {
                if p.length_computable() && p.total() > 0.0 {
                    sent.set(Some(p.loaded() / p.total() * 100.0));
                }
            });
            upload.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
            on_progress.forget();
        }
        let done = {
            let xhr = xhr.clone();
            Closure::<dyn FnMut()>::new(move || {
                let status = xhr.status().unwrap_or(0);
                let location = xhr.get_response_header("Location").ok().flatten();
                match (status, location) {
                    (201, Some(to)) => {
                        let _ = window().location().set_href(&to);
                    }
                    _ => {
                        sent.set(None);
                        let text = xhr.response_text().ok().flatten().unwrap_or_default();
                        failed.set(Some(if text.is_empty() {
                            "The upload did not reach the server; check the connection and try again.".into()
                        } else {
                            text
                        }));
                    }
                }
            })
        };
        xhr.set_onloadend(Some(done.as_ref().unchecked_ref()));
        done.forget();
        if xhr.send_with_opt_form_data(Some(&data)).is_err() {
            sent.set(None);
            failed.set(Some("The upload could not be sent; try again.".into()));
        }
    }
}
