//! Which address a request came from, for the sign-in rate limit. Behind a
//! reverse proxy every request arrives from the proxy; the proxy names the
//! client in `X-Forwarded-For`. That header is believed only when the
//! request comes from a proxy the administrator named, and only as far as
//! the chain of named proxies goes: the client is the rightmost address a
//! trusted proxy vouches for, so a client cannot pick its own address by
//! sending the header itself.

use std::net::IpAddr;

/// The client's address: `peer` itself unless it is a trusted proxy, else
/// the rightmost address in `forwarded_for` that is not a trusted proxy.
pub fn client_address(peer: IpAddr, forwarded_for: Option<&str>, trusted: &[IpAddr]) -> IpAddr {
    // "::ffff:127.0.0.1" (a server listening on [::]) is 127.0.0.1.
    let peer = peer.to_canonical();
    let trusted: Vec<IpAddr> = trusted.iter().map(|t| t.to_canonical()).collect();
    let trusted = trusted.as_slice();
    if !trusted.contains(&peer) {
        return peer;
    }
    let Some(chain) = forwarded_for else {
        return peer;
    };
    let mut client = peer;
    for hop in chain.rsplit(',') {
        match hop.trim().parse::<IpAddr>().map(|a| a.to_canonical()) {
            Ok(address) => {
                client = address;
                if !trusted.contains(&address) {
                    break;
                }
            }
            // An unreadable entry: stop at the last address vouched for.
            Err(_) => break,
        }
    }
    client
}

/// Reads a comma-separated list of proxy addresses.
pub fn parse_trusted(list: &str) -> Result<Vec<IpAddr>, String> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<IpAddr>()
                .map_err(|_| format!("{s:?} is not an IP address (a trusted proxy is given by its address, such as 127.0.0.1)"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn without_a_trusted_proxy_the_header_is_ignored() {
        assert_eq!(
            client_address(ip("192.0.2.7"), Some("10.9.9.9"), &[]),
            ip("192.0.2.7")
        );
        assert_eq!(
            client_address(ip("192.0.2.7"), Some("10.9.9.9"), &[ip("127.0.0.1")]),
            ip("192.0.2.7"),
            "only requests from the proxy itself carry a believable header"
        );
    }

    #[test]
    fn the_client_is_the_rightmost_address_not_a_trusted_proxy() {
        let trusted = [ip("127.0.0.1"), ip("10.0.0.2")];
        assert_eq!(
            client_address(ip("127.0.0.1"), Some("203.0.113.5"), &trusted),
            ip("203.0.113.5")
        );
        // A client that sends its own header cannot choose its address.
        assert_eq!(
            client_address(
                ip("127.0.0.1"),
                Some("1.1.1.1, 203.0.113.5, 10.0.0.2"),
                &trusted
            ),
            ip("203.0.113.5")
        );
        assert_eq!(
            client_address(ip("127.0.0.1"), None, &trusted),
            ip("127.0.0.1")
        );
        assert_eq!(
            client_address(ip("127.0.0.1"), Some("garbage, 203.0.113.9"), &trusted),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn mapped_ipv4_peers_are_their_ipv4_address() {
        assert_eq!(
            client_address(
                ip("::ffff:127.0.0.1"),
                Some("203.0.113.5"),
                &[ip("127.0.0.1")]
            ),
            ip("203.0.113.5")
        );
    }

    #[test]
    fn trusted_lists_are_read_or_refused_with_the_entry() {
        assert_eq!(
            parse_trusted("127.0.0.1, ::1").unwrap(),
            vec![ip("127.0.0.1"), ip("::1")]
        );
        assert!(
            parse_trusted("127.0.0.1, proxy.local")
                .unwrap_err()
                .contains("proxy.local")
        );
    }
}
