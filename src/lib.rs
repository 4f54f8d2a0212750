//! The browser entry point: hydrates the server-rendered page.

// Where the views are instantiated, their types' layout is computed past
// rustc's default depth of 128 in the release build (see app/src/lib.rs).
#![recursion_limit = "256"]

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
    // Asks before a page with unsaved text in a guarded form is left.
    app::components::unsaved::install();
    // Marks the page as interactive (end-to-end tests wait for it).
    if let Some(body) = leptos::prelude::document().body() {
        let _ = body.set_attribute("data-hydrated", "");
    }
}
