//! The viewer's chosen time zone: a cookie, set by a plain form so that it works
//! without JavaScript. Every time shown to a viewer is shown in this zone.

use leptos::prelude::*;

#[cfg(feature = "ssr")]
pub const ZONE_COOKIE: &str = "debrief_tz";

/// The viewer's zone name, from the cookie; UTC when unset or unknown.
#[cfg(feature = "ssr")]
pub fn viewer_zone() -> chrono_tz::Tz {
    crate::server::context::request_header("cookie")
        .and_then(|cookies| {
            cookies.split(';').find_map(|pair| {
                let (name, value) = pair.trim().split_once('=')?;
                (name == ZONE_COOKIE).then(|| value.to_string())
            })
        })
        .and_then(|name| crate::domain::zone::parse_zone(&name).ok())
        .unwrap_or(chrono_tz::Tz::UTC)
}

/// Remembers the viewer's zone for a year.
#[server(prefix = "/api", endpoint = "viewer/set_zone")]
pub async fn set_viewer_zone(zone: String) -> Result<(), crate::error::AppError> {
    use crate::error::AppError;
    crate::server::context::serve("viewer/set_zone", async {
        crate::domain::zone::parse_zone(&zone)
            .map_err(|message| AppError::invalid_field("zone", message))
            .map(|tz| {
                let cookie = format!(
                    "{ZONE_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly",
                    tz.name()
                );
                if let (Some(options), Ok(value)) = (
                    use_context::<leptos_axum::ResponseOptions>(),
                    http::HeaderValue::from_str(&cookie),
                ) {
                    options.append_header(http::header::SET_COOKIE, value);
                }
            })
    })
    .await
}
