//! The outgoing webhook's rules: what an event's body holds, how it is
//! signed, and when a failed delivery is tried again. Plain Rust; the
//! database keeps the deliveries and the server's worker sends them.

use chrono::{DateTime, Utc};
#[cfg(feature = "ssr")]
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
#[cfg(feature = "ssr")]
use sha2::Sha256;

use super::countermeasure::{CmStatus, CountermeasureContent};

/// Attempts before a delivery is marked failed (an administrator can retry
/// it): with the default base of 5 s the last is about 10.4 hours after the
/// first, long enough for a receiver that is down overnight.
pub const MAX_ATTEMPTS: i64 = 20;
/// The longest wait between two attempts.
pub const MAX_BACKOFF_MS: u64 = 60 * 60 * 1000;

/// An endpoint as the admin page shows it (never its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookEndpoint {
    pub id: String,
    pub url: String,
    pub active: bool,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// One delivery as the admin page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryRecord {
    pub id: String,
    pub url: String,
    pub event: String,
    pub state: String,
    pub attempts: i64,
    pub last_status: Option<i64>,
    pub last_error: String,
    pub next_attempt_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

/// `sha256=` and the hex HMAC-SHA256 of `body` under `secret`: what the
/// `X-Debrief-Signature` header carries.
#[cfg(feature = "ssr")]
pub fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC accepts any key length");
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

/// How long to wait after failed attempt number `attempt` (1-based):
/// `base_ms` doubled each time, at most [`MAX_BACKOFF_MS`].
pub fn backoff_ms(attempt: i64, base_ms: u64) -> u64 {
    let doublings = u32::try_from(attempt.saturating_sub(1).clamp(0, 40)).unwrap_or(40);
    base_ms
        .saturating_mul(2u64.saturating_pow(doublings))
        .min(MAX_BACKOFF_MS)
}

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    Created,
    StatusChanged,
}

impl Event {
    pub fn code(self) -> &'static str {
        match self {
            Event::Created => "countermeasure.created",
            Event::StatusChanged => "countermeasure.status_changed",
        }
    }
}

#[derive(Serialize)]
struct Body<'a> {
    event: &'static str,
    /// The same for every endpoint the event goes to.
    event_id: &'a str,
    occurred_at: String,
    countermeasure: Item<'a>,
}

#[derive(Serialize)]
struct Item<'a> {
    number: i64,
    code: String,
    title: &'a str,
    kind: &'static str,
    priority: &'static str,
    owner: &'a str,
    due: Option<String>,
    status: &'static str,
    previous_status: Option<&'static str>,
    wont_do_reason: &'a str,
    ticket_url: &'a str,
    incidents: &'a [i64],
}

/// The JSON body of an event about countermeasure `number`.
pub fn body(
    event: Event,
    event_id: &str,
    number: i64,
    content: &CountermeasureContent,
    previous: Option<CmStatus>,
    at: DateTime<Utc>,
) -> String {
    serde_json::to_string(&Body {
        event: event.code(),
        event_id,
        occurred_at: at.to_rfc3339(),
        countermeasure: Item {
            number,
            code: format!("CM-{number}"),
            title: &content.title,
            kind: content.kind.code(),
            priority: content.priority.code(),
            owner: &content.owner,
            due: content.due.map(|d| d.to_string()),
            status: content.status.code(),
            previous_status: previous.map(CmStatus::code),
            wont_do_reason: &content.wont_do_reason,
            ticket_url: &content.ticket_url,
            incidents: &content.incidents,
        },
    })
    .unwrap_or_default()
}

/// A webhook URL an administrator may add: http or https, with a host.
pub fn check_url(url: &str) -> Result<(), String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or("The URL must start with https:// (or http:// on a trusted network).")?;
    if rest.is_empty() || rest.starts_with('/') || url.chars().any(char::is_whitespace) {
        return Err("The URL needs a host, like https://hooks.example/debrief.".into());
    }
    if url.len() > 500 {
        return Err("The URL is longer than 500 characters.".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_hmac_sha256_in_hex() {
        // RFC 4231, test case 2.
        assert_eq!(
            sign("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        assert_eq!(backoff_ms(1, 5000), 5000);
        assert_eq!(backoff_ms(2, 5000), 10_000);
        assert_eq!(backoff_ms(5, 5000), 80_000);
        assert_eq!(backoff_ms(11, 5000), MAX_BACKOFF_MS);
        assert_eq!(backoff_ms(1000, 5000), MAX_BACKOFF_MS);
        let total: u64 = (1..MAX_ATTEMPTS).map(|a| backoff_ms(a, 5000)).sum();
        assert!(
            total > 10 * 3600 * 1000 && total < 11 * 3600 * 1000,
            "{total}"
        );
    }

    #[test]
    fn urls_need_a_scheme_and_a_host() {
        assert!(check_url("https://hooks.example/debrief").is_ok());
        assert!(check_url("http://127.0.0.1:9000/hook").is_ok());
        assert!(check_url("ftp://x").is_err());
        assert!(check_url("https:///path").is_err());
        assert!(check_url("https://a b").is_err());
    }
}
