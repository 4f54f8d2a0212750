//! The write-up editor: a Markdown textarea whose blaming or hindsight
//! wording is underlined in place while the author types, and listed below
//! with a question to ask instead. The check is `domain::blameless`, the same
//! code the server runs, so the page is right before the WASM loads too: the
//! server lists the findings of the saved text, and the in-place underline
//! appears once the browser can keep it in step with the typing. It advises;
//! saving is never blocked.

use leptos::prelude::*;

use crate::domain::blameless::{Finding, Rule, check, default_rules, line_of, segments};

#[component]
pub fn BlamelessEditor(
    /// The form field's name and id.
    name: &'static str,
    label: &'static str,
    /// The text; the editor updates it on every keystroke.
    text: RwSignal<String>,
    /// Rules an administrator added (the defaults are built in).
    added_rules: Vec<Rule>,
    /// Why the last save was refused, when it concerned this field.
    error: Option<String>,
    maxlength: usize,
) -> impl IntoView {
    let rules = StoredValue::new({
        let mut rules = default_rules();
        rules.extend(added_rules);
        rules
    });
    let findings = Memo::new(move |_| text.with(|t| rules.with_value(|r| check(t, r))));
    // Effects run only in the browser: the in-place underline is drawn once
    // it can follow the typing (without JavaScript it would fall behind).
    let live = RwSignal::new(false);
    Effect::new(move |_| live.set(true));
    let area = NodeRef::<leptos::html::Textarea>::new();
    let backdrop = NodeRef::<leptos::html::Div>::new();
    let follow_scroll = move || {
        if let (Some(area), Some(backdrop)) = (area.get(), backdrop.get()) {
            backdrop.set_scroll_top(area.scroll_top());
        }
    };
    let id = name;
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let invalid = error.is_some();
    let described = if invalid {
        format!("{hint_id} {error_id}")
    } else {
        hint_id.clone()
    };
    let select = move |finding: &Finding| {
        let Some(area) = area.get() else { return };
        // The textarea counts UTF-16 units; findings are byte offsets.
        let (start, end) = text.with_untracked(|t| {
            let units = |at: usize| t[..at.min(t.len())].encode_utf16().count() as u32;
            (units(finding.start), units(finding.end))
        });
        let _ = area.focus();
        let _ = area.set_selection_range(start, end);
    };
    let initial = text.get_untracked();
    view! {
        <div class="field blameless-editor" class:invalid=invalid>
            <label for=id>{label}</label>
            <p class="hint" id=hint_id>
                "Markdown. Wording that assigns blame or reasons from hindsight is underlined, with a question to ask instead; it never stops you saving. Quoted chat lines, block quotes and code are evidence and are left alone."
            </p>
            {error.map(|e| view! { <p class="field-error" id=error_id>{e}</p> })}
            <div class="editor-stack" class:live=move || live.get()>
                <div class="editor-backdrop" aria-hidden="true" node_ref=backdrop>
                    {move || {
                        let findings = findings.get();
                        text.with(|t| {
                            segments(t, &findings)
                                .into_iter()
                                .map(|(piece, f)| match f {
                                    Some(_) => view! { <mark>{piece.to_string()}</mark> }.into_any(),
                                    None => piece.to_string().into_any(),
                                })
                                .collect_view()
                        })
                    }}
                    // A last line the textarea may scroll to.
                    "\n "
                </div>
                <textarea id=id name=name rows="24" spellcheck="true" node_ref=area
                    maxlength=maxlength.to_string()
                    aria-describedby=described
                    on:input=move |ev| text.set(event_target_value(&ev))
                    on:scroll=move |_| follow_scroll()>
                    {crate::components::incident_form::textarea_text(&initial)}
                </textarea>
            </div>
            <section class="language-check" aria-live="polite" aria-labelledby=format!("{id}-check")>
                <h2 id=format!("{id}-check")>
                    {move || match findings.with(Vec::len) {
                        0 => "Language check: nothing to reconsider".to_string(),
                        1 => "Language check: 1 phrase to reconsider".to_string(),
                        n => format!("Language check: {n} phrases to reconsider"),
                    }}
                </h2>
                <ul>
                    {move || {
                        findings
                            .get()
                            .into_iter()
                            .map(|f| {
                                let line = text.with_untracked(|t| line_of(t, f.start));
                                let shown = f.clone();
                                view! {
                                    <li>
                                        <button type="button" class="link" on:click=move |_| select(&shown)>
                                            {format!("Line {line}")}
                                        </button>
                                        " "<mark>{f.text.clone()}</mark>": "{f.why.clone()}
                                        " Ask instead: "<q>{f.ask.clone()}</q>
                                    </li>
                                }
                            })
                            .collect_view()
                    }}
                </ul>
            </section>
        </div>
    }
}
