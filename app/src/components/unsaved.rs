//! Text typed and not yet saved is never lost by leaving the page unasked.
//!
//! A form that holds writing (the post-mortem, the incident form, the event
//! editor, quick entry, meeting notes, the review schedule, countermeasures)
//! carries [`GUARD`]. Typing in it marks it as holding unsaved text; sending
//! it clears the mark, unless the save is refused: a form sent whose
//! surroundings then show a refusal (`role="alert"`) still holds unsaved
//! text, as the refused text stays in its fields (any refusal on the page
//! counts: some are said above the form rather than inside it). (Comparing fields with
//! the values the page was served with does not work: a save that keeps the
//! page rebuilds those values in place, normalised by the server.)
//!
//! With JavaScript, two ways of leaving ask first while any guarded field
//! holds unsaved text: leaving the document (closing the tab, reloading, a
//! link the browser follows itself), through the browser's own
//! `beforeunload` question; and a link the app's router would follow, through
//! a confirmation, before the router sees the click. Without JavaScript
//! nothing can ask; every such form still posts and keeps what it posts.

/// The attribute that marks a form whose text is guarded
/// (`attr:data-unsaved-guard=""` on an `ActionForm`).
pub const GUARD: &str = "data-unsaved-guard";

/// What the confirmation asks when a link would leave unsaved text behind.
pub const LEAVE_QUESTION: &str =
    "Leave this page? What you typed here is not saved yet; staying keeps it.";

/// Installs the two listeners, once, when the page hydrates.
#[cfg(feature = "hydrate")]
pub fn install() {
    use leptos::prelude::*;
    use leptos::wasm_bindgen::JsCast;
    use leptos::wasm_bindgen::closure::Closure;

    track_forms();
    // Leaving the document. A link already confirmed below does not ask twice.
    let handle = window_event_listener(leptos::ev::beforeunload, |e| {
        if !CONFIRMED.with(std::cell::Cell::get) && has_unsaved_text() {
            e.prevent_default();
            e.set_return_value("");
        }
    });
    std::mem::forget(handle);

    // A link click, seen in the capture phase on the document: before the
    // router's own listener on the window, which ignores a prevented click.
    let on_click = Closure::<dyn Fn(web_sys::MouseEvent)>::new(|e: web_sys::MouseEvent| {
        if e.default_prevented()
            || e.button() != 0
            || e.meta_key()
            || e.ctrl_key()
            || e.shift_key()
            || e.alt_key()
        {
            return; // a new tab or window leaves nothing behind
        }
        let Some(link) = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|el| el.closest("a[href]").ok().flatten())
        else {
            return;
        };
        let href = link.get_attribute("href").unwrap_or_default();
        if href.starts_with('#')
            || link.has_attribute("download")
            || link.get_attribute("target").is_some_and(|t| t == "_blank")
            || !has_unsaved_text()
        {
            return;
        }
        let leave = window()
            .confirm_with_message(LEAVE_QUESTION)
            .unwrap_or(true);
        if leave {
            CONFIRMED.with(|c| c.set(true));
        } else {
            e.prevent_default();
            e.stop_propagation();
        }
    });
    let _ = document().add_event_listener_with_callback_and_bool(
        "click",
        on_click.as_ref().unchecked_ref(),
        true,
    );
    on_click.forget();
}

#[cfg(feature = "hydrate")]
thread_local! {
    /// Set once the person chose to leave by a link: the document may unload
    /// next (a link to a server route), and must not ask a second time.
    static CONFIRMED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Where a guarded form keeps its state: `typed` after an edit, `sent`
/// once submitted.
#[cfg(feature = "hydrate")]
const STATE: &str = "data-unsaved-state";

/// True when a guarded form holds text typed since it was last sent, or was
/// sent and refused.
#[cfg(feature = "hydrate")]
pub fn has_unsaved_text() -> bool {
    let selector = format!("form[{GUARD}][{STATE}]");
    let Ok(forms) = leptos::prelude::document().query_selector_all(&selector) else {
        return false;
    };
    (0..forms.length())
        .filter_map(|i| forms.item(i))
        .filter_map(|node| leptos::wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(node).ok())
        .any(|form| match form.get_attribute(STATE).as_deref() {
            Some("typed") => true,
            Some("sent") => form
                .closest("main")
                .ok()
                .flatten()
                .or_else(|| form.parent_element())
                .and_then(|around| around.query_selector("[role=\"alert\"]").ok().flatten())
                .is_some(),
            _ => false,
        })
}

/// Follows typing and sending in guarded forms (capture phase on the
/// document, so every form, present or rendered later, is seen).
#[cfg(feature = "hydrate")]
fn track_forms() {
    use leptos::prelude::*;
    use leptos::wasm_bindgen::JsCast;
    use leptos::wasm_bindgen::closure::Closure;
    for (event, state) in [("input", "typed"), ("submit", "sent")] {
        let mark = Closure::<dyn Fn(web_sys::Event)>::new(move |e: web_sys::Event| {
            let form = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .and_then(|el| el.closest(&format!("form[{GUARD}]")).ok().flatten());
            if let Some(form) = form {
                let _ = form.set_attribute(STATE, state);
            }
        });
        let _ = document().add_event_listener_with_callback_and_bool(
            event,
            mark.as_ref().unchecked_ref(),
            true,
        );
        mark.forget();
    }
}
