//! The address Debrief gives in absolute links (exported files, calendar
//! invitations): the one the administrator configured (`--public-url`), or
//! else the one the browser used. Without a configured address the `Host`
//! header is taken only when it reads as a host name, and a scheme a proxy
//! forwards (`X-Forwarded-Proto`) only from a proxy the administrator named:
//! a client cannot make Debrief write links to another site into files its
//! colleagues download.

/// Checks a configured public address: `http(s)://host[:port][/path]`,
/// returned without a trailing slash.
pub fn parse_public_url(value: &str) -> Result<String, String> {
    let value = value.trim().trim_end_matches('/');
    let rest = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"))
        .ok_or_else(|| format!("{value:?} must start with https:// or http://"))?;
    let host = rest.split('/').next().unwrap_or("");
    if !is_host(host) {
        return Err(format!(
            "{value:?} has no valid host name (such as https://debrief.example.com)"
        ));
    }
    if value.contains(['?', '#', ' ']) {
        return Err(format!(
            "{value:?} must not hold a query, fragment or space"
        ));
    }
    Ok(value.to_string())
}

/// The base of absolute links: the configured address, else the scheme and
/// host this request came in on (the forwarded scheme believed only when
/// `from_trusted_proxy`).
pub fn link_base(
    configured: Option<&str>,
    host: Option<&str>,
    forwarded_proto: Option<&str>,
    from_trusted_proxy: bool,
) -> String {
    if let Some(configured) = configured {
        return configured.to_string();
    }
    let scheme = match forwarded_proto.map(str::trim) {
        Some("https") if from_trusted_proxy => "https",
        _ => "http",
    };
    let host = host.filter(|h| is_host(h)).unwrap_or("localhost");
    format!("{scheme}://{host}")
}

/// A host with an optional port: letters, digits, `.`, `-`, or a bracketed
/// IPv6 address, then `:port`.
fn is_host(host: &str) -> bool {
    let (name, port) = match host.strip_prefix('[') {
        Some(v6) => match v6.split_once(']') {
            Some((address, rest)) => {
                if address.parse::<std::net::Ipv6Addr>().is_err() {
                    return false;
                }
                ("v6", rest.strip_prefix(':'))
            }
            None => return false,
        },
        None => match host.split_once(':') {
            Some((name, port)) => (name, Some(port)),
            None => (host, None),
        },
    };
    let name_ok = !name.is_empty()
        && name.len() <= 253
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
    let port_ok = port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.parse::<u16>().is_ok());
    name_ok && port_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_configured_address_wins_over_anything_a_request_says() {
        assert_eq!(
            link_base(
                Some("https://debrief.example"),
                Some("evil.example"),
                Some("http"),
                true
            ),
            "https://debrief.example"
        );
    }

    #[test]
    fn forwarded_scheme_only_from_a_trusted_proxy() {
        assert_eq!(
            link_base(None, Some("debrief.example:8080"), Some("https"), true),
            "https://debrief.example:8080"
        );
        assert_eq!(
            link_base(None, Some("debrief.example"), Some("https"), false),
            "http://debrief.example"
        );
        assert_eq!(
            link_base(None, Some("debrief.example"), Some("javascript"), true),
            "http://debrief.example"
        );
    }

    #[test]
    fn a_host_header_that_is_not_a_host_is_not_written_into_links() {
        for host in [
            "evil.example/phish?",
            "a b",
            "x\"onload=",
            "host:port",
            "[::1",
            "",
        ] {
            assert_eq!(
                link_base(None, Some(host), None, false),
                "http://localhost",
                "{host}"
            );
        }
        assert_eq!(
            link_base(None, Some("[::1]:3000"), None, false),
            "http://[::1]:3000"
        );
    }

    #[test]
    fn public_urls_are_checked() {
        assert_eq!(
            parse_public_url("https://debrief.example/"),
            Ok("https://debrief.example".into())
        );
        assert_eq!(
            parse_public_url("https://example.org/debrief"),
            Ok("https://example.org/debrief".into())
        );
        assert!(parse_public_url("debrief.example").is_err());
        assert!(parse_public_url("ftp://debrief.example").is_err());
        assert!(parse_public_url("https://").is_err());
        assert!(parse_public_url("https://debrief.example/?x=1").is_err());
    }
}
