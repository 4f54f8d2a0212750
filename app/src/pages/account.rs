use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::account::ChangePassword;
use crate::components::incident_form::error_summary;
use crate::components::session::SessionResource;
use crate::domain::account::limits;

/// The signed-in person's own account: who they are, and a new password.
#[component]
pub fn AccountPage() -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    let query = use_query_map();
    let changed = move || query.read().get("changed").is_some() && change.value().get().is_none();
    let session = use_context::<SessionResource>();
    view! {
        <Title text="Your account"/>
        <section class="narrow">
            <h1>"Your account"</h1>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let user = match session {
                        Some(s) => s.await.ok().and_then(|i| i.user),
                        None => None,
                    };
                    user.map(|u| view! {
                        <dl class="facts">
                            <dt>"Name"</dt><dd>{u.display_name}</dd>
                            <dt>"Login name"</dt><dd>{u.login}</dd>
                            <dt>"Role"</dt><dd>{u.role.label()}" — "{u.role.description()}</dd>
                        </dl>
                    })
                })}
            </Suspense>
            <h2>"Change your password"</h2>
            {move || changed().then(|| view! {
                <p class="notice-ok" role="status">"Your password was changed. Any other browser signed in as you has been signed out."</p>
            })}
            <ActionForm action=change attr:class="stacked">
                {move || change.value().get().and_then(Result::err).map(error_summary)}
                <label for="field-current">"Current password"</label>
                <input id="field-current" name="current" type="password" autocomplete="current-password" required/>
                <label for="field-password">"New password"</label>
                <p class="hint" id="field-password-hint">{format!("At least {} characters.", limits::PASSWORD_MIN)}</p>
                <input id="field-password" name="password" type="password" autocomplete="new-password" required aria-describedby="field-password-hint"/>
                <label for="field-password-confirm">"New password again"</label>
                <input id="field-password-confirm" name="password_confirm" type="password" autocomplete="new-password" required/>
                <div class="actions">
                    <button type="submit" disabled=move || change.pending().get()>"Change password"</button>
                </div>
            </ActionForm>
        </section>
    }
}
