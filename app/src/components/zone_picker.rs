use leptos::prelude::*;

use crate::api::viewer::current_viewer_zone;

/// The viewer's time zone, changed by a plain form post (works without
/// JavaScript; the server answers with a redirect back to the page).
#[component]
pub fn ZonePicker() -> impl IntoView {
    let zone = Resource::new(|| (), |_| current_viewer_zone());
    view! {
        <form class="zone-picker" method="post" action="/api/viewer/set_zone">
            <label for="viewer-zone">"Times shown in"</label>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let current = zone.await.unwrap_or_else(|_| "UTC".to_string());
                    view! {
                        <input id="viewer-zone" name="zone" list="zone-names" value=current size="16" autocomplete="off"/>
                    }
                })}
            </Suspense>
            <crate::components::incident_form::ZoneNames/>
            <button type="submit">"Set"</button>
        </form>
    }
}
