use leptos::prelude::*;

/// The viewer's time zone, changed by a plain form post (works without
/// JavaScript; the server answers with a redirect back to the page).
#[component]
pub fn ZonePicker(current: String) -> impl IntoView {
    view! {
        <form class="zone-picker" method="post" action="/api/viewer/set_zone">
            <label for="viewer-zone">"Times shown in"</label>
            <input id="viewer-zone" name="zone" list="zone-names" value=current size="16" autocomplete="off"/>
            <crate::components::incident_form::ZoneNames/>
            <button type="submit">"Set"</button>
        </form>
    }
}
