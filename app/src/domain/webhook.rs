//! The outgoing webhook's rules: what an event's body holds, how it is
//! signed, and when a failed delivery is tried again. Plain Rust; the
//! database keeps the deliveries and the server's worker sends them.

use std::net::{IpAddr, Ipv4Addr};

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

/// How logs, the delivery list and the audit log name an endpoint: its
/// scheme, host and port, with "/…" for the rest. A webhook URL often
/// carries its token in the path or query (a Slack or Teams hook), and may
/// carry a user name and password; those stay out.
pub fn endpoint_label(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let end = rest.find(['/', '?', '#', '\\']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let more = if rest[end..].is_empty() || &rest[end..] == "/" {
        ""
    } else {
        "/…"
    };
    format!("{scheme}://{host}{more}")
}

/// A network an operator allows webhooks to reach although it is not
/// public (`--webhook-allowed-networks`): an address and a prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    address: IpAddr,
    prefix: u8,
}

impl Network {
    /// Whether `ip` lies in this network ("::ffff:10.0.0.1" counts as 10.0.0.1).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.address, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => prefix_matches(
                u128::from(u32::from(net)),
                u128::from(u32::from(ip)),
                32,
                self.prefix,
            ),
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                prefix_matches(u128::from(net), u128::from(ip), 128, self.prefix)
            }
            _ => false,
        }
    }
}

impl std::fmt::Display for Network {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.address, self.prefix)
    }
}

/// Whether the first `prefix` of the `width` bits of `a` and `b` agree.
fn prefix_matches(a: u128, b: u128, width: u32, prefix: u8) -> bool {
    let prefix = u32::from(prefix).min(width);
    if prefix == 0 {
        return true;
    }
    let shift = width - prefix;
    (a >> shift) == (b >> shift)
}

/// Reads the operator's comma-separated allow-list: addresses
/// (`192.168.4.20`) and networks (`10.20.0.0/16`, `fd00::/8`).
pub fn parse_networks(list: &str) -> Result<Vec<Network>, String> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|entry| {
            let unreadable = || {
                format!(
                    "{entry:?} is not an address or a network; write one like 10.20.0.0/16 or 192.168.4.20"
                )
            };
            let (address, prefix) = match entry.split_once('/') {
                Some((a, p)) => (a, Some(p)),
                None => (entry, None),
            };
            let address: IpAddr = address.parse().map_err(|_| unreadable())?;
            // "::ffff:10.0.0.0/104" is taken as the IPv4 network it names.
            let (address, width, offset) = match (address, address.to_canonical()) {
                (IpAddr::V6(_), IpAddr::V4(v4)) => (IpAddr::V4(v4), 32, 96),
                (IpAddr::V4(_), _) => (address, 32, 0),
                (IpAddr::V6(_), _) => (address, 128, 0),
            };
            let prefix = match prefix {
                None => width,
                Some(p) => p
                    .parse::<u8>()
                    .ok()
                    .and_then(|p| p.checked_sub(offset))
                    .filter(|p| *p <= width)
                    .ok_or_else(|| {
                        format!("{entry:?} has a prefix longer than the address; use at most /{width}")
                    })?,
            };
            Ok(Network { address, prefix })
        })
        .collect()
}

const UNSPECIFIED: &str = "an unspecified address";
const LOOPBACK: &str = "a loopback address (this server itself)";
const PRIVATE: &str = "a private address";
const SHARED: &str = "a carrier-grade NAT address";
const LINK_LOCAL: &str = "a link-local address (where cloud metadata services answer)";
const DOCUMENTATION: &str = "a documentation address";
const MULTICAST: &str = "a multicast address";
const BROADCAST: &str = "the broadcast address";
const RESERVED: &str = "a reserved address";
const UNIQUE_LOCAL: &str = "a unique local (private) address";

/// IPv4 ranges that are not public, first match wins (IANA's special-purpose
/// registry; 255.255.255.255 before the reserved 240/4 it sits in).
const V4_RANGES: &[([u8; 4], u8, &str)] = &[
    ([0, 0, 0, 0], 8, UNSPECIFIED),
    ([10, 0, 0, 0], 8, PRIVATE),
    ([100, 64, 0, 0], 10, SHARED),
    ([127, 0, 0, 0], 8, LOOPBACK),
    ([169, 254, 0, 0], 16, LINK_LOCAL),
    ([172, 16, 0, 0], 12, PRIVATE),
    ([192, 0, 0, 0], 24, RESERVED),
    ([192, 0, 2, 0], 24, DOCUMENTATION),
    ([192, 88, 99, 0], 24, RESERVED),
    ([192, 168, 0, 0], 16, PRIVATE),
    ([198, 18, 0, 0], 15, RESERVED),
    ([198, 51, 100, 0], 24, DOCUMENTATION),
    ([203, 0, 113, 0], 24, DOCUMENTATION),
    ([224, 0, 0, 0], 4, MULTICAST),
    ([255, 255, 255, 255], 32, BROADCAST),
    ([240, 0, 0, 0], 4, RESERVED),
];

/// IPv6 ranges that are not public, first match wins. IPv4-mapped
/// addresses are judged as the IPv4 address they carry; NAT64 and 6to4 ones
/// by the IPv4 address they lead to.
const V6_RANGES: &[(u128, u8, &str)] = &[
    (0, 128, UNSPECIFIED),
    (1, 128, LOOPBACK),
    // The deprecated IPv4-compatible form, ::a.b.c.d.
    (0, 96, RESERVED),
    (0x0064_ff9b_0001 << 80, 48, PRIVATE),
    (0x0100 << 112, 64, RESERVED),
    (0x2001_0db8 << 96, 32, DOCUMENTATION),
    // IETF protocol assignments: Teredo, benchmarking, ORCHID and the like.
    (0x2001 << 112, 23, RESERVED),
    (0x3fff << 112, 20, DOCUMENTATION),
    (0x5f00 << 112, 16, RESERVED),
    (0xfc00 << 112, 7, UNIQUE_LOCAL),
    (0xfe80 << 112, 10, LINK_LOCAL),
    (0xfec0 << 112, 10, PRIVATE),
    (0xff00 << 112, 8, MULTICAST),
];

/// What kind of non-public address `ip` is, or `None` for a public one:
/// webhooks go only to public addresses unless the operator allows more.
pub fn non_public_kind(ip: IpAddr) -> Option<&'static str> {
    match ip.to_canonical() {
        IpAddr::V4(v4) => {
            let bits = u128::from(u32::from(v4));
            V4_RANGES
                .iter()
                .find(|(net, prefix, _)| {
                    prefix_matches(
                        u128::from(u32::from(Ipv4Addr::from(*net))),
                        bits,
                        32,
                        *prefix,
                    )
                })
                .map(|(_, _, kind)| *kind)
        }
        IpAddr::V6(v6) => {
            let bits = u128::from(v6);
            // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) reach an IPv4 address.
            if prefix_matches(0x0064_ff9b << 96, bits, 128, 96) {
                return non_public_kind(IpAddr::V4(Ipv4Addr::from(bits as u32)));
            }
            if prefix_matches(0x2002 << 112, bits, 128, 16) {
                return non_public_kind(IpAddr::V4(Ipv4Addr::from((bits >> 80) as u32)));
            }
            if let Some((_, _, kind)) = V6_RANGES
                .iter()
                .find(|(net, prefix, _)| prefix_matches(*net, bits, 128, *prefix))
            {
                return Some(kind);
            }
            // Only 2000::/3 is handed out as global unicast.
            (!prefix_matches(0x2000 << 112, bits, 128, 3)).then_some(RESERVED)
        }
    }
}

/// Why a webhook may not go to `ip`, or `Ok` when it may: a public
/// address, or one in a network the operator allowed.
pub fn check_address(ip: IpAddr, allowed: &[Network]) -> Result<(), &'static str> {
    match non_public_kind(ip) {
        Some(kind) if !allowed.iter().any(|n| n.contains(ip)) => Err(kind),
        _ => Ok(()),
    }
}

/// Whether host name `host` always means this machine ("localhost" and
/// names under it, RFC 6761), whatever DNS says.
pub fn is_loopback_name(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    host == "localhost" || host.ends_with(".localhost")
}

/// The sentence for an administrator whose URL points to `ip`, a
/// non-public address of kind `kind`.
pub fn refused_address_message(host: &str, kind: &str) -> String {
    format!(
        "The URL points to {host}, {kind}. Debrief sends webhooks only to public addresses, \
         so that an endpoint cannot reach services inside the server's own network. Nothing was \
         saved. Use the receiver's public host name, or ask whoever runs Debrief to allow its \
         network with --webhook-allowed-networks."
    )
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

    #[test]
    fn labels_keep_the_path_query_and_credentials_out() {
        assert_eq!(
            endpoint_label("https://hooks.slack.com/services/T0/B0/secrettoken"),
            "https://hooks.slack.com/…"
        );
        assert_eq!(
            endpoint_label("https://user:pw@hooks.example:8443/x?token=abc"),
            "https://hooks.example:8443/…"
        );
        assert_eq!(
            endpoint_label("https://hooks.example?token=abc"),
            "https://hooks.example/…"
        );
        assert_eq!(endpoint_label("http://[::1]:9000/"), "http://[::1]:9000");
        assert_eq!(
            endpoint_label("https://hooks.example"),
            "https://hooks.example"
        );
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn only_public_addresses_are_public() {
        for public in [
            "93.184.216.34",
            "8.8.8.8",
            "100.63.255.255",
            "100.128.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "2606:4700::1111",
            "::ffff:93.184.216.34",
            "64:ff9b::808:808",
            "2002:0808:0808::1",
        ] {
            assert_eq!(non_public_kind(ip(public)), None, "{public}");
        }
        for (address, kind) in [
            ("127.0.0.1", LOOPBACK),
            ("127.255.0.9", LOOPBACK),
            ("::1", LOOPBACK),
            ("0.0.0.0", UNSPECIFIED),
            ("0.1.2.3", UNSPECIFIED),
            ("::", UNSPECIFIED),
            ("10.1.2.3", PRIVATE),
            ("172.16.0.1", PRIVATE),
            ("172.31.255.255", PRIVATE),
            ("192.168.1.1", PRIVATE),
            ("100.64.0.1", SHARED),
            ("100.127.255.255", SHARED),
            ("169.254.169.254", LINK_LOCAL),
            ("fe80::1", LINK_LOCAL),
            ("fc00::1", UNIQUE_LOCAL),
            ("fd12:3456::1", UNIQUE_LOCAL),
            ("224.0.0.1", MULTICAST),
            ("239.255.255.250", MULTICAST),
            ("ff02::1", MULTICAST),
            ("255.255.255.255", BROADCAST),
            ("240.0.0.1", RESERVED),
            ("192.0.2.10", DOCUMENTATION),
            ("198.51.100.7", DOCUMENTATION),
            ("203.0.113.5", DOCUMENTATION),
            ("2001:db8::1", DOCUMENTATION),
            ("198.18.0.1", RESERVED),
            // IPv4 inside IPv6: mapped, deprecated-compatible, NAT64, 6to4.
            ("::ffff:127.0.0.1", LOOPBACK),
            ("::ffff:169.254.169.254", LINK_LOCAL),
            ("::ffff:10.0.0.1", PRIVATE),
            ("::127.0.0.1", RESERVED),
            ("64:ff9b::7f00:1", LOOPBACK),
            ("64:ff9b::a9fe:a9fe", LINK_LOCAL),
            ("2002:7f00:0001::1", LOOPBACK),
            ("2002:c0a8:0101::1", PRIVATE),
            // Teredo, and outside 2000::/3 altogether.
            ("2001::1", RESERVED),
            ("4000::1", RESERVED),
        ] {
            assert_eq!(non_public_kind(ip(address)), Some(kind), "{address}");
        }
    }

    #[test]
    fn allowed_networks_open_only_themselves() {
        let allowed = parse_networks("127.0.0.1/32, 10.20.0.0/16,fd00::/8, 192.168.4.20").unwrap();
        assert_eq!(
            allowed.iter().map(ToString::to_string).collect::<Vec<_>>(),
            [
                "127.0.0.1/32",
                "10.20.0.0/16",
                "fd00::/8",
                "192.168.4.20/32"
            ]
        );
        assert_eq!(check_address(ip("127.0.0.1"), &allowed), Ok(()));
        assert_eq!(check_address(ip("::ffff:127.0.0.1"), &allowed), Ok(()));
        assert_eq!(check_address(ip("127.0.0.2"), &allowed), Err(LOOPBACK));
        assert_eq!(check_address(ip("::1"), &allowed), Err(LOOPBACK));
        assert_eq!(check_address(ip("10.20.99.1"), &allowed), Ok(()));
        assert_eq!(check_address(ip("10.21.0.1"), &allowed), Err(PRIVATE));
        assert_eq!(check_address(ip("fd00::5"), &allowed), Ok(()));
        assert_eq!(check_address(ip("192.168.4.20"), &allowed), Ok(()));
        assert_eq!(check_address(ip("192.168.4.21"), &allowed), Err(PRIVATE));
        assert_eq!(
            check_address(ip("169.254.169.254"), &allowed),
            Err(LINK_LOCAL)
        );
        assert_eq!(check_address(ip("93.184.216.34"), &[]), Ok(()));
        assert_eq!(check_address(ip("127.0.0.1"), &[]), Err(LOOPBACK));
        // A mapped network is the IPv4 network it names.
        let mapped = parse_networks("::ffff:10.0.0.0/104").unwrap();
        assert_eq!(mapped[0].to_string(), "10.0.0.0/8");
        assert_eq!(check_address(ip("10.9.9.9"), &mapped), Ok(()));
        assert!(parse_networks("").unwrap().is_empty());
    }

    #[test]
    fn unreadable_allow_lists_are_refused_with_the_entry() {
        let e = parse_networks("10.0.0.0/8, hooks.internal").unwrap_err();
        assert!(e.contains("\"hooks.internal\" is not an address"), "{e}");
        let e = parse_networks("10.0.0.0/33").unwrap_err();
        assert!(e.contains("use at most /32"), "{e}");
        assert!(parse_networks("fd00::/129").is_err());
        assert!(parse_networks("10.0.0.0/x").is_err());
    }

    #[test]
    fn localhost_names_are_loopback() {
        for name in ["localhost", "LOCALHOST", "localhost.", "hooks.localhost"] {
            assert!(is_loopback_name(name), "{name}");
        }
        for name in ["localhost.example", "notlocalhost", "hooks.example"] {
            assert!(!is_loopback_name(name), "{name}");
        }
    }
}
