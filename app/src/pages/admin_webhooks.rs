//! `/admin/webhooks`: where countermeasure events go, and every delivery
//! with its result. A failed delivery can be sent again.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::admin::{
    AddWebhook, DELIVERIES_SHOWN, RetryDelivery, SetWebhookActive, list_webhooks,
};
use crate::components::error_view::ErrorView;
use crate::components::incident_form::error_summary;

fn when(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

#[component]
pub fn AdminWebhooksPage() -> impl IntoView {
    let add = ServerAction::<AddWebhook>::new();
    let toggle = ServerAction::<SetWebhookActive>::new();
    let retry = ServerAction::<RetryDelivery>::new();
    let data = Resource::new(
        move || {
            (
                add.version().get(),
                toggle.version().get(),
                retry.version().get(),
            )
        },
        |_| list_webhooks(),
    );
    let last_error = move || {
        [add.value().get(), toggle.value().get(), retry.value().get()]
            .into_iter()
            .flatten()
            .find_map(Result::err)
    };
    view! {
        <Title text="Webhooks"/>
        <h1>"Webhooks"</h1>
        <p class="lede">
            "When a countermeasure is filed or changes status, Debrief POSTs a JSON event to each active endpoint, signed in the header X-Debrief-Signature (sha256= and the HMAC-SHA256 of the body under the endpoint's secret). X-Debrief-Delivery is the same on every retry: use it to ignore repeats. A receiver that is down gets the event once it is back."
        </p>
        {move || last_error().map(error_summary)}
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(error) => view! { <ErrorView error/> }.into_any(),
                    Ok(view) => {
                        let endpoints = view.endpoints.into_iter().map(|e| {
                            let (label, next) = if e.active { ("Pause", "no") } else { ("Resume", "yes") };
                            view! {
                                <tr>
                                    <th scope="row">{e.url.clone()}</th>
                                    <td>{if e.active { "active" } else { "paused" }}</td>
                                    <td>{format!("{} by {}", when(e.created_at), e.created_by)}</td>
                                    <td>
                                        <ActionForm action=toggle attr:class="inline-form">
                                            <input type="hidden" name="id" value=e.id.clone()/>
                                            <input type="hidden" name="active" value=next/>
                                            <button type="submit" aria-label=format!("{label} {}", e.url)>{label}</button>
                                        </ActionForm>
                                    </td>
                                </tr>
                            }
                        }).collect_view();
                        let deliveries = view.deliveries.into_iter().map(|d| {
                            let result = match (d.last_status, d.last_error.is_empty()) {
                                (Some(s), true) => format!("HTTP {s}"),
                                (Some(s), false) => format!("HTTP {s}: {}", d.last_error),
                                (None, false) => d.last_error.clone(),
                                (None, true) => "not tried yet".into(),
                            };
                            let next = match d.state.as_str() {
                                "pending" => format!("next try {}", when(d.next_attempt_at)),
                                "delivered" => d.delivered_at.map(|t| format!("delivered {}", when(t))).unwrap_or_default(),
                                _ => "gave up; retry when the receiver is fixed".into(),
                            };
                            let failed = d.state == "failed";
                            let retry_id = d.id.clone();
                            view! {
                                <tr class=format!("delivery-{}", d.state) data-delivery=d.id.clone()>
                                    <td>{when(d.created_at)}</td>
                                    <td>{d.event.clone()}</td>
                                    <td>{d.url.clone()}</td>
                                    <td class="state">{d.state.clone()}</td>
                                    <td class="attempts">{d.attempts}</td>
                                    <td>{result}</td>
                                    <td>{next}
                                        {failed.then(|| view! {
                                            <ActionForm action=retry attr:class="inline-form">
                                                <input type="hidden" name="id" value=retry_id.clone()/>
                                                <button type="submit">"Retry now"</button>
                                            </ActionForm>
                                        })}
                                    </td>
                                </tr>
                            }
                        }).collect_view();
                        view! {
                            <h2>"Endpoints"</h2>
                            <table class="report-table">
                                <caption class="visually-hidden">"Webhook endpoints"</caption>
                                <thead><tr><th scope="col">"URL"</th><th scope="col">"State"</th><th scope="col">"Added"</th><th scope="col">"Action"</th></tr></thead>
                                <tbody>{endpoints}</tbody>
                            </table>
                            <h2 id="add-webhook">"Add an endpoint"</h2>
                            <ActionForm action=add attr:class="stacked" attr:aria-labelledby="add-webhook">
                                <div class="field">
                                    <label for="webhook-url">"URL"</label>
                                    <input id="webhook-url" name="url" type="url" required maxlength="500"
                                        placeholder="https://hooks.example/debrief"/>
                                </div>
                                <div class="field">
                                    <label for="webhook-secret">"Secret"</label>
                                    <input id="webhook-secret" name="secret" type="text" required minlength="32"
                                        maxlength="200" autocomplete="off" spellcheck="false" value=view.suggestion
                                        aria-describedby="webhook-secret-hint"/>
                                    <p class="hint" id="webhook-secret-hint">"A random secret is suggested; copy it to the receiver before adding. It is not shown again."</p>
                                </div>
                                <div class="actions"><button type="submit">"Add endpoint"</button></div>
                            </ActionForm>
                            <h2>"Deliveries"</h2>
                            <table class="report-table deliveries">
                                <caption>{format!("The latest {DELIVERIES_SHOWN} deliveries, newest first")}</caption>
                                <thead><tr>
                                    <th scope="col">"Queued"</th><th scope="col">"Event"</th><th scope="col">"Endpoint"</th>
                                    <th scope="col">"State"</th><th scope="col">"Attempts"</th><th scope="col">"Last result"</th><th scope="col">"Next"</th>
                                </tr></thead>
                                <tbody>{deliveries}</tbody>
                            </table>
                        }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}
