use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::auth::Login;

/// Sign-in. A plain form post (with or without JavaScript), so the page that
/// follows loads whole, as the signed-in person.
#[component]
pub fn LoginPage() -> impl IntoView {
    // Picks up the error leptos returns after a refused post (`__err`).
    let login = ServerAction::<Login>::new();
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_else(|| "/".into());
    let error = move || login.value().get().and_then(Result::err);
    view! {
        <Title text="Sign in"/>
        <section class="narrow">
            <h1>"Sign in to Debrief"</h1>
            {move || error().map(|e| view! {
                <div class="error-summary" role="alert" tabindex="-1">
                    <p>{e.to_string()}</p>
                </div>
            })}
            <form method="post" action="/api/auth/login" class="stacked">
                <input type="hidden" name="next" value=next/>
                <label for="login-name">"Login name"</label>
                <input id="login-name" name="login" autocomplete="username" required autofocus
                    autocapitalize="none" spellcheck="false" maxlength="64"/>
                <label for="login-password">"Password"</label>
                <input id="login-password" name="password" type="password" autocomplete="current-password" required maxlength="1024"/>
                <div class="actions">
                    <button type="submit">"Sign in"</button>
                </div>
            </form>
            <p class="hint">"Forgot your password? An administrator can set a new one for you."</p>
        </section>
    }
}
