//! The webhook worker: sends due deliveries, signed, and records each
//! attempt; a failed one waits (doubling from the configured base) and is
//! tried again, with the same delivery id, which receivers use to ignore a
//! repeat. Deliveries are written with the change they report, so a
//! receiver that is down loses nothing.
//!
//! Webhooks go only to public addresses (unless the operator allows a
//! network): an endpoint must not become a way to reach services inside the
//! server's own network. The address is checked when the URL is saved and
//! again, after resolving the host, on every attempt, and the attempt
//! connects to exactly the address checked (a DNS answer that changes in
//! between cannot redirect it). Logs and the delivery log name an endpoint
//! by its id and host only: a webhook URL often carries a token in its path.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use chrono::Utc;
use reqwest::Url;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use crate::db::{Attempt, Db, DueDelivery};
use crate::domain::webhook::{
    Network, backoff_ms, check_address, endpoint_label, is_loopback_name, refused_address_message,
    sign,
};

/// How long a receiver may take to answer.
const TIMEOUT: Duration = Duration::from_secs(10);
/// Deliveries one worker claims at a time; it sends them one after another.
const BATCH: i64 = 10;
/// A worker holds a claimed delivery this long: longer than sending its
/// whole batch can take, so that with several instances no other worker
/// claims (and sends again) the end of a slow batch. One that dies mid-send
/// lets its deliveries go after it.
const LEASE_MS: i64 = BATCH * TIMEOUT.as_millis() as i64 + 60_000;

/// The non-public networks the operator allowed (`--webhook-allowed-networks`),
/// set once at start; saving an endpoint and sending to it both read it.
static ALLOWED: OnceLock<Vec<Network>> = OnceLock::new();

/// The networks allowed beyond public addresses (none until [`spawn`]).
pub fn allowed_networks() -> &'static [Network] {
    ALLOWED.get().map(Vec::as_slice).unwrap_or(&[])
}

/// Whether an administrator may save `url` as an endpoint: it must read as
/// the sender will read it, and a host written as an address (in any
/// spelling: `2130706433`, `0x7f.1` and `127.1` are all 127.0.0.1) or named
/// `localhost` must be public or allowed. Other names are checked when sent
/// to, as DNS answers then.
pub fn check_target(url: &str, allowed: &[Network]) -> Result<(), String> {
    let parsed = Url::parse(url).map_err(|e| {
        format!("The URL could not be read ({e}). Write it like https://hooks.example/debrief.")
    })?;
    match host_of_url(&parsed) {
        None => Err("The URL needs a host, like https://hooks.example/debrief.".into()),
        Some(Host::Address(ip)) => check_literal(ip, allowed),
        Some(Host::Name(name)) if is_loopback_name(name) => {
            // "localhost" is this machine whatever DNS says: allowed only
            // where a loopback address is.
            let loopback = [
                IpAddr::from([127, 0, 0, 1]),
                IpAddr::from(Ipv6Addr::LOCALHOST),
            ];
            match loopback.map(|ip| check_address(ip, allowed)) {
                [Err(kind), Err(_)] => Err(refused_address_message(name, kind)),
                _ => Ok(()),
            }
        }
        Some(Host::Name(_)) => Ok(()),
    }
}

/// A URL's host, as the sender reads it.
enum Host<'a> {
    /// Written as an address: connected to without resolving.
    Address(IpAddr),
    Name(&'a str),
}

fn host_of_url(url: &Url) -> Option<Host<'_>> {
    let host = url.host_str()?;
    // The URL parser has already turned every spelling of an IPv4 address
    // into dotted form; IPv6 ones come in brackets.
    Some(
        match host.trim_start_matches('[').trim_end_matches(']').parse() {
            Ok(ip) => Host::Address(ip),
            Err(_) => Host::Name(host),
        },
    )
}

fn check_literal(ip: IpAddr, allowed: &[Network]) -> Result<(), String> {
    check_address(ip, allowed).map_err(|kind| refused_address_message(&ip.to_string(), kind))
}

/// Starts the worker on the runtime; it runs as long as the server.
/// `allowed` are the non-public networks webhooks may also reach.
pub fn spawn(db: Db, retry_base: Duration, allowed: Vec<Network>) {
    let _ = ALLOWED.set(allowed);
    let allowed = allowed_networks();
    let client = match reqwest::Client::builder()
        .timeout(TIMEOUT)
        // A redirect could lead anywhere, inside the network too.
        .redirect(reqwest::redirect::Policy::none())
        // Straight to the receiver: through a proxy, the proxy would resolve
        // the host, and the address check would see nothing.
        .no_proxy()
        .dns_resolver(Arc::new(CheckedResolver { allowed }))
        .user_agent(concat!("Debrief-Webhook/", env!("CARGO_PKG_VERSION")))
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            tracing::error!("webhooks: no HTTP client, deliveries wait: {e}");
            return;
        }
    };
    let base_ms = u64::try_from(retry_base.as_millis()).unwrap_or(5000).max(1);
    tokio::spawn(async move {
        // Until the server closes the database on its way out.
        while !db.is_closed() {
            let sent = run_once(&db, &client, allowed, base_ms).await;
            if sent == 0 {
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        }
    });
}

/// Sends what is due now; returns how many were tried.
async fn run_once(db: &Db, client: &reqwest::Client, allowed: &[Network], base_ms: u64) -> usize {
    let due = match db.claim_due_deliveries(Utc::now(), LEASE_MS, BATCH).await {
        Ok(due) => due,
        Err(_) if db.is_closed() => return 0,
        Err(e) => {
            tracing::warn!("webhooks: could not read due deliveries: {e}");
            return 0;
        }
    };
    let n = due.len();
    for delivery in due {
        let attempt = send(client, allowed, &delivery).await;
        let retry_in = backoff_ms(delivery.attempts + 1, base_ms);
        if let Attempt::Failed { error, .. } = &attempt {
            // Not the URL: its path and query may hold a token.
            tracing::info!(
                delivery = %delivery.id,
                endpoint = %delivery.endpoint_id,
                to = %endpoint_label(&delivery.url),
                "webhook attempt failed: {error}"
            );
        }
        if let Err(e) = db
            .record_attempt(
                &delivery.id,
                &attempt,
                i64::try_from(retry_in).unwrap_or(i64::MAX),
                Utc::now(),
            )
            .await
        {
            tracing::warn!("webhooks: could not record an attempt: {e}");
        }
    }
    n
}

/// Why no connection is attempted: the target is not public, and not in an
/// allowed network.
#[derive(Debug)]
struct TargetNotAllowed(String);

impl std::fmt::Display for TargetNotAllowed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TargetNotAllowed {}

fn not_allowed_message(what: &str) -> String {
    format!(
        "Target not allowed: {what}, and Debrief sends webhooks only to public addresses. No \
         connection was attempted. Use the receiver's public host name, or allow its network \
         with --webhook-allowed-networks."
    )
}

/// Resolves host names for the webhook client and hands it only addresses
/// that may be reached: it connects to what was checked, so a name that
/// resolves to a public address when saved and to an inside one later (DNS
/// rebinding) is refused at the moment of connecting.
struct CheckedResolver {
    allowed: &'static [Network],
}

impl Resolve for CheckedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allowed = self.allowed;
        let host = name.as_str().to_string();
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let usable: Vec<SocketAddr> = found
                .iter()
                .copied()
                .filter(|a| check_address(a.ip(), allowed).is_ok())
                .collect();
            if usable.is_empty() && !found.is_empty() {
                // The addresses themselves are left out: the message is
                // the same whichever inside address a name leads to.
                return Err(Box::new(TargetNotAllowed(not_allowed_message(&format!(
                    "{host} resolves only to non-public addresses"
                )))) as _);
            }
            Ok(Box::new(usable.into_iter()) as Addrs)
        })
    }
}

/// The refusal the resolver gave, if that is why `e` happened.
fn refusal(e: &reqwest::Error) -> Option<String> {
    let mut source = std::error::Error::source(e);
    while let Some(err) = source {
        if let Some(refused) = err.downcast_ref::<TargetNotAllowed>() {
            return Some(refused.0.clone());
        }
        source = err.source();
    }
    None
}

async fn send(client: &reqwest::Client, allowed: &[Network], d: &DueDelivery) -> Attempt {
    // An address in the URL is connected to without resolving: check it
    // here (the resolver checks names).
    let parsed = Url::parse(&d.url).ok();
    if let Some(Host::Address(ip)) = parsed.as_ref().and_then(host_of_url)
        && let Err(kind) = check_address(ip, allowed)
    {
        return Attempt::Failed {
            status: None,
            error: not_allowed_message(&format!("{ip} is {kind}")),
        };
    }
    let result = client
        .post(&d.url)
        .header("content-type", "application/json")
        .header("x-debrief-event", &d.event)
        .header("x-debrief-delivery", &d.id)
        .header("x-debrief-signature", sign(&d.secret, d.body.as_bytes()))
        .body(d.body.clone())
        .send()
        .await;
    match result {
        Ok(res) if res.status().is_success() => Attempt::Delivered {
            status: i64::from(res.status().as_u16()),
        },
        Ok(res) => Attempt::Failed {
            status: Some(i64::from(res.status().as_u16())),
            error: format!("the receiver answered {}", res.status()),
        },
        Err(e) => Attempt::Failed {
            status: None,
            error: if let Some(refused) = refusal(&e) {
                refused
            } else if e.is_timeout() {
                format!("no answer within {} s", TIMEOUT.as_secs())
            } else if e.is_connect() {
                "could not connect".into()
            } else {
                // reqwest's message names the URL, token and all.
                without_url(&e.without_url(), &d.url)
            },
        },
    }
}

/// `e`'s message and its causes, with `url` (and its path and query) cut
/// out wherever a cause repeats it.
fn without_url(e: &reqwest::Error, url: &str) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(err) = source {
        text.push_str(": ");
        text.push_str(&err.to_string());
        source = err.source();
    }
    let mut secrets = vec![url.to_string()];
    if let Ok(parsed) = Url::parse(url) {
        secrets.push(parsed.to_string());
        secrets.extend(parsed.query().map(str::to_string));
        if parsed.path().len() > 1 {
            secrets.push(parsed.path().to_string());
        }
    }
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        text = text.replace(secret.as_str(), "…");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::webhook::parse_networks;

    #[test]
    fn every_spelling_of_an_inside_address_is_refused_as_the_sender_reads_it() {
        for url in [
            "http://127.0.0.1:9000/hook",
            "http://2130706433/hook",
            "http://0x7f.1/hook",
            "http://0x7f000001/hook",
            "http://127.1/hook",
            "http://0177.0.0.1/hook",
            "http://[::ffff:127.0.0.1]/hook",
            "http://[::ffff:7f00:1]/hook",
            "http://LOCALHOST./hook",
            "http://api.localhost/hook",
        ] {
            let e = check_target(url, &[]).unwrap_err();
            assert!(e.contains("a loopback address"), "{url}: {e}");
        }
        let e = check_target("http://169.254.169.254/latest/meta-data/", &[]).unwrap_err();
        assert!(
            e.starts_with("The URL points to 169.254.169.254, a link-local address"),
            "{e}"
        );
        assert!(check_target("https://hooks.example/debrief", &[]).is_ok());
        assert!(check_target("https://93.184.216.34/debrief", &[]).is_ok());
        let e = check_target("http://[::1/hook", &[]).unwrap_err();
        assert!(e.starts_with("The URL could not be read"), "{e}");
    }

    #[test]
    fn an_allowed_network_opens_its_addresses_and_localhost_only_with_loopback() {
        let loopback = parse_networks("127.0.0.1/32").unwrap();
        assert!(check_target("http://127.0.0.1:9000/hook", &loopback).is_ok());
        assert!(check_target("http://2130706433/hook", &loopback).is_ok());
        assert!(check_target("http://localhost:9000/hook", &loopback).is_ok());
        assert!(check_target("http://10.0.0.1/hook", &loopback).is_err());
        let private = parse_networks("10.0.0.0/8").unwrap();
        assert!(check_target("http://10.9.8.7/hook", &private).is_ok());
        assert!(check_target("http://localhost/hook", &private).is_err());
    }
}
