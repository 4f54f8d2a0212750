//! What the JSON export readers share: parsing a file with problems a person
//! can act on, and reading optional fields without indexing.

use std::cell::Cell;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::Problem;
use crate::limits::{MAX_HELD_BYTES, heap};

/// The largest JSON document read whole.
pub const MAX_BYTES: usize = 256 * 1024 * 1024;

/// Parses a whole JSON file (a UTF-8 byte order mark is skipped). Invalid
/// JSON is one problem on serde_json's line, its line and column in the reason.
///
/// A parsed document can take a hundred times its size (each small object
/// is a map of its own): the tree's memory is estimated as it grows, and a
/// document that would take more than [`MAX_HELD_BYTES`] is a problem, not
/// read.
pub fn parse(bytes: &[u8], label: &str) -> Result<Value, Problem> {
    parse_within(bytes, label, MAX_HELD_BYTES)
}

/// [`parse`] with a smaller budget (tests; readers that hold more already).
pub fn parse_within(bytes: &[u8], label: &str, budget: u64) -> Result<Value, Problem> {
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
    match parse_value(bytes, budget) {
        Ok(value) => Ok(value),
        Err(Unparsed::TooBig) => Err(Problem::new(0, too_big(label, budget))),
        Err(Unparsed::Invalid(e)) => Err(invalid(&e, label)),
    }
}

/// Why JSON was not parsed.
pub enum Unparsed {
    Invalid(serde_json::Error),
    /// Its tree would take more than the budget.
    TooBig,
}

/// Parses JSON into a tree of at most `budget` bytes of memory (estimated
/// as it grows).
pub fn parse_value(bytes: &[u8], budget: u64) -> Result<Value, Unparsed> {
    let left = Cell::new(budget);
    let over = Cell::new(false);
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let parsed = Tree {
        left: &left,
        over: &over,
    }
    .deserialize(&mut de)
    .and_then(|value| de.end().map(|()| value));
    parsed.map_err(|e| {
        if over.get() {
            Unparsed::TooBig
        } else {
            Unparsed::Invalid(e)
        }
    })
}

/// The problem of a document over its memory budget.
pub fn too_big(label: &str, budget: u64) -> String {
    format!(
        "{label}: reading it whole would take more than {} MB of memory, the most Debrief gives one file; export it in parts (fewer days or channels in each file)",
        budget >> 20
    )
}

/// A [`Value`] in its array or map.
const SLOT: u64 = std::mem::size_of::<Value>() as u64;
/// One node of a map (a B-tree node of up to 11 keys and values), given for
/// the first key and every eighth after it (nodes are not kept full).
const MAP_NODE: u64 = 640;

/// Builds a [`Value`] like serde_json does, charging each allocation to a
/// budget; over it, parsing stops.
#[derive(Clone, Copy)]
struct Tree<'a> {
    left: &'a Cell<u64>,
    over: &'a Cell<bool>,
}

impl Tree<'_> {
    fn charge<E: de::Error>(self, bytes: u64) -> Result<(), E> {
        match self.left.get().checked_sub(bytes) {
            Some(left) => {
                self.left.set(left);
                Ok(())
            }
            None => {
                self.over.set(true);
                Err(E::custom("over the memory limit"))
            }
        }
    }
}

impl<'de> DeserializeSeed<'de> for Tree<'_> {
    type Value = Value;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Tree<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        self.charge(heap(v.len()))?;
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        self.charge(heap(v.len()))?;
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        self.deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(self)? {
            // A vector grows by doubling: up to twice its slots.
            self.charge(2 * SLOT)?;
            items.push(item);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        let mut keys = 0u64;
        while let Some(key) = map.next_key::<String>()? {
            if keys.is_multiple_of(8) {
                self.charge(MAP_NODE)?;
            }
            keys += 1;
            self.charge(heap(key.len()))?;
            let value = map.next_value_seed(self)?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
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

/// The `fields` of a message attachment as Slack and Mattermost integrations
/// post them (`[{"title": "Urgency", "value": "high"}]`), one line each:
/// `title: value`, or the value alone when the field has no title. Values
/// that are not strings are written as JSON.
pub fn attachment_fields(attachment: &Map<String, Value>) -> Vec<String> {
    let fields = attachment
        .get("fields")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object);
    let mut lines = Vec::new();
    for f in fields {
        let value = f.get("value").map_or(String::new(), |v| match v {
            Value::String(s) => s.trim().to_string(),
            other => other.to_string(),
        });
        match str_of(f, "title") {
            Some(title) => lines.push(format!("{}: {value}", title.trim())),
            None if !value.is_empty() => lines.push(value),
            None => {}
        }
    }
    lines
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
        let p = parse(b"[1] [2]", "x.json").unwrap_err();
        assert!(p.reason.contains("trailing characters"), "{}", p.reason);
    }

    #[test]
    fn a_document_is_parsed_as_serde_json_parses_it() {
        let text = r#"{"a": [1, -2, 2.5, "x\u00e9", null, true], "b": {"c": {}}, "": 18446744073709551615}"#;
        let expected: Value = serde_json::from_str(text).unwrap();
        assert_eq!(parse(text.as_bytes(), "x").unwrap(), expected);
    }

    /// Many tiny objects take some 700 bytes each once parsed: a document of
    /// 1 MB of them is over a budget of 16 MB, and says so.
    #[test]
    fn a_document_over_its_memory_budget_is_a_problem_naming_the_limit() {
        let mut text = b"{\"messages\": [".to_vec();
        for _ in 0..(1 << 20) / 8 {
            text.extend_from_slice(b"{\"a\":1},");
        }
        text.extend_from_slice(b"{}]}");
        let p = parse_within(&text, "chat.json", 16 << 20).unwrap_err();
        assert_eq!(p.line, 0);
        assert_eq!(
            p.reason,
            "chat.json: reading it whole would take more than 16 MB of memory, the most Debrief gives one file; export it in parts (fewer days or channels in each file)"
        );
        // The same document within a budget its size allows is read.
        assert!(parse_within(&text, "chat.json", 128 << 20).is_ok());
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
