//! What the JSON export readers share: parsing a file with problems a person
//! can act on, and reading optional fields without indexing.

use serde_json::{Map, Value};

use crate::Problem;

/// The largest JSON document read whole.
pub const MAX_BYTES: usize = 256 * 1024 * 1024;

/// Parses a whole JSON file (a UTF-8 byte order mark is skipped). Invalid
/// JSON is one problem on serde_json's line, its line and column in the reason.
pub fn parse(bytes: &[u8], label: &str) -> Result<Value, Problem> {
    if bytes.len() > MAX_BYTES {
        return Err(Problem::new(
            0,
            format!(
                "{label}: larger than {} MB, not read whole (export it in parts)",
                MAX_BYTES >> 20
            ),
        ));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    serde_json::from_slice(bytes).map_err(|e| invalid(&e, label))
}

/// A serde_json error as a problem on its line.
pub fn invalid(e: &serde_json::Error, label: &str) -> Problem {
    let text = e.to_string();
    let message = match text.rfind(" at line ") {
        Some(at) => &text[..at],
        None => &text,
    };
    Problem::new(
        e.line() as u64,
        format!(
            "{label} is not valid JSON: {message} (line {}, column {})",
            e.line(),
            e.column()
        ),
    )
}

/// A string field that is present and not blank.
pub fn str_of<'a>(m: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    m.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
}

/// A field looked up ignoring the case of its name (`CreatedDateTime` and
/// `createdDateTime` are the same field in exports of the same API).
pub fn get_ci<'a>(m: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    m.get(key).or_else(|| {
        m.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// A string field looked up ignoring the case of its name, not blank.
pub fn str_ci<'a>(m: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    get_ci(m, key)
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
}

/// An object field looked up ignoring the case of its name.
pub fn obj_ci<'a>(m: &'a Map<String, Value>, key: &str) -> Option<&'a Map<String, Value>> {
    get_ci(m, key).and_then(Value::as_object)
}

/// A number of seconds (or milliseconds) as JSON writes it: a number, or a
/// string holding one.
pub fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    }
    .filter(|n| n.is_finite())
}

/// A short, single-line rendering of a JSON value for a problem's reason.
pub fn short(v: &Value) -> String {
    let text = v.to_string();
    match text.char_indices().nth(40) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_json_names_line_and_column() {
        let p = parse(b"{\n  \"a\": 1,\n  oops\n}", "x.json").unwrap_err();
        assert_eq!(p.line, 3);
        assert!(
            p.reason
                .starts_with("x.json is not valid JSON: key must be a string")
        );
        assert!(p.reason.ends_with("(line 3, column 3)"), "{}", p.reason);
        assert!(parse(b"\xEF\xBB\xBF[1]", "x").is_ok());
    }

    #[test]
    fn fields_ignore_case_and_blanks() {
        let v: Value = serde_json::json!({"CreatedDateTime": "t", "blank": " ", "n": "12.5"});
        let m = v.as_object().unwrap();
        assert_eq!(str_ci(m, "createdDateTime"), Some("t"));
        assert_eq!(str_of(m, "blank"), None);
        assert_eq!(number(&m["n"]), Some(12.5));
        assert_eq!(number(&serde_json::json!("x")), None);
        assert_eq!(
            short(&serde_json::json!("a".repeat(60))).chars().count(),
            41
        );
    }
}
