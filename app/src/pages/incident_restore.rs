//! `/incidents/restore`: an editor uploads an archive from "Export: JSON"
//! (or `debrief export --format json`) and it becomes an incident here. A
//! plain multipart form: it works without JavaScript.

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn IncidentRestorePage() -> impl IntoView {
    view! {
        <Title text="Restore an incident"/>
        <h1>"Restore an incident"</h1>
        <p class="lede">
            "An incident exported from any Debrief (its page's \"Export: JSON\", or debrief export --format json) comes back whole: the record, the timeline, every transcript line, its countermeasures, the post-mortem with its versions, the review and the history. It keeps its number when this Debrief has it free."
        </p>
        <form method="post" action="/incidents/restore" enctype="multipart/form-data" class="stacked">
            <div class="field">
                <label for="restore-file">"Archive (.json)"</label>
                <input id="restore-file" type="file" name="file" accept=".json,application/json" required
                    aria-describedby="restore-file-hint"/>
                <p class="hint" id="restore-file-hint">
                    "Up to 32 MB, far more than an incident needs; a larger archive restores on the server with debrief restore-incident FILE. Attachment files are not part of an archive. Nothing is written unless all of it can be."
                </p>
            </div>
            <div class="actions"><button type="submit">"Restore"</button></div>
        </form>
    }
}
