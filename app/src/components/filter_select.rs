//! One choice of a GET filter form (incident list, report): a labelled
//! select whose first option, "Any", sends nothing.

use leptos::prelude::*;

/// Options as (value sent, text shown).
pub fn options<T: Copy>(
    all: &[T],
    value: fn(T) -> &'static str,
    text: fn(T) -> &'static str,
) -> Vec<(String, String)> {
    all.iter()
        .map(|&x| (value(x).to_string(), text(x).to_string()))
        .collect()
}

#[component]
pub fn FilterSelect(
    id: &'static str,
    name: &'static str,
    label: &'static str,
    options: Vec<(String, String)>,
    selected: Option<String>,
) -> impl IntoView {
    let any = selected.is_none();
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <select id=id name=name>
                <option value="" selected=any>"Any"</option>
                {options.into_iter().map(|(value, text)| {
                    let chosen = selected.as_deref() == Some(value.as_str());
                    view! { <option value=value selected=chosen>{text}</option> }
                }).collect_view()}
            </select>
        </div>
    }
}
