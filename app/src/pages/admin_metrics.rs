//! `/admin/metrics`: turns the Prometheus endpoint on or off and sets its
//! windows. The token is shown only as the admin types or copies it; the
//! server keeps its SHA-256.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::admin::{SaveMetricsSettings, metrics_settings};
use crate::components::error_view::ErrorView;
use crate::components::incident_form::error_summary;

#[component]
pub fn AdminMetricsPage() -> impl IntoView {
    let save = ServerAction::<SaveMetricsSettings>::new();
    let settings = Resource::new(move || save.version().get(), |_| metrics_settings());
    view! {
        <Title text="Metrics endpoint"/>
        <h1>"Metrics endpoint"</h1>
        <p class="lede">
            "Dashboards read the report's figures from "<code>"GET /metrics"</code>
            " in the Prometheus text format: incidents by severity and status, and per window each measurement's count, median, 90th percentile, data gaps and outliers."
        </p>
        {move || save.value().get().and_then(Result::err).map(error_summary)}
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match settings.await {
                    Err(error) => view! { <ErrorView error/> }.into_any(),
                    Ok(view) => view! {
                        <p role="status">
                            {if view.enabled {
                                "The endpoint is on: a request needs the header Authorization: Bearer followed by the token."
                            } else {
                                "The endpoint is off until a token is set."
                            }}
                        </p>
                        <h2 id="token-heading">"Bearer token"</h2>
                        <ActionForm action=save attr:class="stacked" attr:aria-labelledby="token-heading">
                            <div class="field">
                                <label for="metrics-token">"New token"</label>
                                <input id="metrics-token" name="token" type="text" required
                                    minlength="32" maxlength="200" autocomplete="off" spellcheck="false"
                                    value=view.suggestion aria-describedby="metrics-token-hint"/>
                                <p class="hint" id="metrics-token-hint">
                                    "A random token is suggested; copy it into your scraper's configuration before saving, or paste one from your secret store (at least 32 characters). Debrief keeps only its SHA-256, so it cannot show it again. Setting a new token replaces the old one."
                                </p>
                            </div>
                            <div class="actions"><button type="submit">"Set this token"</button></div>
                        </ActionForm>
                        {view.enabled.then(|| view! {
                            <ActionForm action=save attr:aria-label="Turn the endpoint off">
                                <input type="hidden" name="turn_off" value="yes"/>
                                <div class="actions"><button type="submit">"Turn the endpoint off"</button></div>
                            </ActionForm>
                        })}
                        <h2 id="windows-heading">"Windows"</h2>
                        <ActionForm action=save attr:class="stacked" attr:aria-labelledby="windows-heading">
                            <div class="field">
                                <label for="metrics-windows">"Windows, in days"</label>
                                <input id="metrics-windows" name="windows" type="text" required
                                    value=view.windows aria-describedby="metrics-windows-hint"/>
                                <p class="hint" id="metrics-windows-hint">
                                    "Each window covers the incidents that started in the last so many days, labelled window=\"30d\". Up to six, separated by commas."
                                </p>
                            </div>
                            <div class="actions"><button type="submit">"Save windows"</button></div>
                        </ActionForm>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}
