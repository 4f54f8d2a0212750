//! Values written into a link's query string: everything but the unreserved
//! characters (RFC 3986) is percent-encoded, so a value holding `&`, `=`,
//! `#` or `?` stays one parameter.

/// Percent-encodes one query value.
pub fn query_value(value: &str) -> String {
    encode(value, b"")
}

/// Percent-encodes a path (with its own query) as one query value, keeping
/// its slashes readable (`/login?next=/incidents%3Fpage%3D2`).
pub fn query_path(value: &str) -> String {
    encode(value, b"/")
}

fn encode(value: &str, keep: &[u8]) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') || keep.contains(&b)
        {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_stays_one_parameter() {
        assert_eq!(query_value("a b&c=d#e/f"), "a%20b%26c%3Dd%23e%2Ff");
        assert_eq!(query_value("été"), "%C3%A9t%C3%A9");
        assert_eq!(query_value("plain-value_1.2~"), "plain-value_1.2~");
    }

    #[test]
    fn return_paths_survive_as_one_parameter() {
        assert_eq!(
            query_path("/incidents?status=resolved&page=2"),
            "/incidents%3Fstatus%3Dresolved%26page%3D2"
        );
    }
}
