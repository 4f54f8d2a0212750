//! A refused form post without JavaScript comes back to its page with the
//! refusal in the address (`__err`, as leptos sends it), including what was
//! typed, so that the page shows it again. An address carrying a large text
//! does not reach the page: Chromium refuses a response whose headers pass
//! 256 KB (`ERR_RESPONSE_HEADERS_TOO_BIG`, the person sees a browser error
//! page), and proxies refuse far less (nginx's default buffer is 4-8 KB).
//! Past [`MAX_LOCATION`], the refusal goes back without the text: the page
//! says why, with the form as it was stored.

use leptos::server_fn::error::ServerFnUrlError;

use crate::error::AppError;

/// The longest `Location` a refusal keeps its echo in.
pub const MAX_LOCATION: usize = 8 * 1024;

/// The response as it may go: its `Location` fitted when it is a refusal
/// too long to arrive (a `map_response` layer over the whole router, as
/// leptos registers each server function's route itself).
pub async fn layer(mut response: axum::response::Response) -> axum::response::Response {
    let fitted = response
        .headers()
        .get(http::header::LOCATION)
        .and_then(|l| l.to_str().ok())
        .and_then(fit)
        .and_then(|l| http::HeaderValue::from_str(&l).ok());
    if let Some(location) = fitted {
        response
            .headers_mut()
            .insert(http::header::LOCATION, location);
    }
    response
}

/// The `Location` to send instead of `location`, when it is a refusal too
/// long to arrive; `None` when it may go as it is.
pub fn fit(location: &str) -> Option<String> {
    if location.len() <= MAX_LOCATION || !location.contains("__err=") {
        return None;
    }
    // A relative address is read against a placeholder base and written back
    // relative, as it came.
    const BASE: &str = "http://refusal.invalid";
    let absolute = location.starts_with("http://") || location.starts_with("https://");
    let url = if absolute {
        url::Url::parse(location).ok()?
    } else {
        url::Url::parse(&format!("{BASE}{location}")).ok()?
    };
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let path = pairs.iter().find(|(k, _)| k == "__path")?.1.clone();
    let err = &pairs.iter().find(|(k, _)| k == "__err")?.1;
    let error = ServerFnUrlError::<AppError>::decode_err(err).without_echo();
    // A message that repeats a long input (a sentence written elsewhere
    // should use `as_typed`) is cut too, so that the refusal arrives.
    let error = match error {
        AppError::Invalid { errors, .. } => AppError::Invalid {
            errors: errors
                .into_iter()
                .map(|mut e| {
                    if e.message.len() > 600 {
                        e.message =
                            format!("{}…", &e.message[..e.message.floor_char_boundary(600)]);
                    }
                    e
                })
                .collect(),
            echo: None,
        },
        other => other,
    };
    let mut base = url.clone();
    {
        let mut query = base.query_pairs_mut();
        query.clear();
        for (k, v) in pairs.iter().filter(|(k, _)| k != "__path" && k != "__err") {
            query.append_pair(k, v);
        }
    }
    let mut fitted = ServerFnUrlError::new(path, error)
        .to_url(base.as_str())
        .ok()?
        .to_string();
    if !absolute {
        fitted = fitted.strip_prefix(BASE)?.to_string();
    }
    Some(fitted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::incident_form::FieldError;

    fn refusal_to(base: &str, echo: &str) -> String {
        let error = AppError::invalid(vec![FieldError::new(
            "title",
            "Keep the title under 200 characters.",
        )])
        .with_echo(&serde_json::json!({ "title": echo }));
        ServerFnUrlError::new("/api/incidents/create", error)
            .to_url(base)
            .unwrap()
            .to_string()
    }

    #[test]
    fn a_refusal_that_fits_goes_as_it_is() {
        let location = refusal_to("http://127.0.0.1:3000/incidents/new", "Checkout latency");
        assert_eq!(fit(&location), None);
    }

    #[test]
    fn a_refusal_too_long_for_an_address_goes_back_without_the_text() {
        let location = refusal_to(
            "http://127.0.0.1:3000/incidents/new?from=7",
            &"x".repeat(300_000),
        );
        let fitted = fit(&location).expect("shortened");
        assert!(fitted.len() < MAX_LOCATION, "{}", fitted.len());
        assert!(
            fitted.starts_with("http://127.0.0.1:3000/incidents/new?from=7&__path="),
            "{fitted}"
        );
        let url = url::Url::parse(&fitted).unwrap();
        let err = url
            .query_pairs()
            .find(|(k, _)| k == "__err")
            .unwrap()
            .1
            .into_owned();
        let error = ServerFnUrlError::<AppError>::decode_err(&err);
        assert_eq!(
            error.field_errors()[0].message,
            "Keep the title under 200 characters."
        );
        assert_eq!(error.echo::<serde_json::Value>(), None);
    }

    #[test]
    fn a_message_that_repeats_a_long_input_is_cut_so_the_refusal_arrives() {
        let error = AppError::invalid(vec![FieldError::new(
            "incidents",
            format!(
                "\"{}\" is not an incident number like 12.",
                "7".repeat(20_000)
            ),
        )]);
        let location = ServerFnUrlError::new("/api/countermeasures/link", error)
            .to_url("http://127.0.0.1:3000/countermeasures/3")
            .unwrap()
            .to_string();
        let fitted = fit(&location).expect("shortened");
        assert!(fitted.len() < MAX_LOCATION, "{}", fitted.len());
    }

    #[test]
    fn a_relative_address_stays_relative() {
        let location = refusal_to(
            "http://refusal.invalid/incidents/4#timeline",
            &"y".repeat(20_000),
        );
        let relative = location.strip_prefix("http://refusal.invalid").unwrap();
        let fitted = fit(relative).expect("shortened");
        assert!(fitted.starts_with("/incidents/4?__path="), "{fitted}");
        assert!(fitted.ends_with("#timeline"), "{fitted}");
    }
}
