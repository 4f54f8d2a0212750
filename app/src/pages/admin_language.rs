//! `/admin/language`: the blameless language check's rules. The defaults are
//! listed; an administrator adds the team's own, one per line.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::admin::{SaveLanguageRules, language_rules};
use crate::components::error_view::ErrorView;
use crate::components::incident_form::{error_summary, textarea_text};

#[component]
pub fn AdminLanguagePage() -> impl IntoView {
    let save = ServerAction::<SaveLanguageRules>::new();
    let rules = Resource::new(move || save.version().get(), |_| language_rules());
    view! {
        <Title text="Language rules"/>
        <h1>"Language rules"</h1>
        <p class="lede">
            "While someone writes a post-mortem, Debrief underlines wording that assigns blame or reasons from hindsight and offers a question that asks about context instead. It advises; it never stops anyone saving."
        </p>
        {move || save.value().get().and_then(Result::err).map(error_summary)}
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match rules.await {
                    Err(error) => view! { <ErrorView error/> }.into_any(),
                    Ok(view) => {
                        // After a refused save, what was typed (without JavaScript
                        // the error carries it back).
                        let typed = save
                            .value()
                            .get_untracked()
                            .and_then(Result::err)
                            .and_then(|e| e.echo::<String>())
                            .unwrap_or(view.added_text);
                        view! {
                            <h2 id="added-heading">"Your team's rules"</h2>
                            <ActionForm action=save attr:class="stacked" attr:aria-labelledby="added-heading">
                                <div class="field">
                                    <label for="language-rules">"Added rules, one per line"</label>
                                    <textarea id="language-rules" name="rules" rows="8" spellcheck="false"
                                        aria-describedby="language-rules-hint">
                                        {textarea_text(&typed)}
                                    </textarea>
                                    <p class="hint" id="language-rules-hint">
                                        "Each line: the phrase | why it is flagged | what to ask instead. Words match whole, ignoring case and apostrophes; end a word with * to match words it begins; <someone's> matches any possessive. Lines starting with # are notes. Example: "
                                        <code>"sloppy | Judges the person, not the situation. | What made the careful way hard here?"</code>
                                    </p>
                                </div>
                                <div class="actions"><button type="submit">"Save rules"</button></div>
                            </ActionForm>
                            <h2 id="default-heading">{format!("Built-in rules ({})", view.defaults.len())}</h2>
                            <table aria-labelledby="default-heading">
                                <thead><tr><th scope="col">"Phrase"</th><th scope="col">"Why"</th><th scope="col">"Ask instead"</th></tr></thead>
                                <tbody>
                                    {view.defaults.into_iter().map(|r| view! {
                                        <tr><td><code>{r.phrase}</code></td><td>{r.why}</td><td>{r.ask}</td></tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}
