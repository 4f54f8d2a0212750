use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos::server_fn::error::ServerFnUrlError;
use leptos_router::hooks::use_query_map;

use crate::api::viewer::SetViewerZone;
use crate::error::AppError;

/// The viewer's time zone, changed by a plain form post (works without
/// JavaScript; the server answers with a redirect back to the page). A zone
/// it does not know comes back in the address (`__err`, as leptos sends a
/// refused form post back), and is said here, beside the box.
#[component]
pub fn ZonePicker(current: String) -> impl IntoView {
    let query = use_query_map();
    let refusal = move || {
        let query = query.read();
        (query.get("__path").as_deref() == Some(SetViewerZone::PATH))
            .then(|| query.get("__err"))
            .flatten()
            .map(|err| ServerFnUrlError::<AppError>::decode_err(&err))
    };
    view! {
        <form class="zone-picker" method="post" action="/api/viewer/set_zone">
            <label for="viewer-zone">"Times shown in"</label>
            <input id="viewer-zone" name="zone" list="zone-names" value=current size="16" autocomplete="off"
                aria-describedby="viewer-zone-error"/>
            <crate::components::incident_form::ZoneNames/>
            <button type="submit">"Set"</button>
            <span id="viewer-zone-error" aria-live="polite">
                {move || refusal().map(|e| view! {
                    <span class="field-error" role="alert">{e.field_errors().first().map(|f| f.message.clone()).unwrap_or_else(|| e.to_string())}</span>
                })}
            </span>
        </form>
    }
}
