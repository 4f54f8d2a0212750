//! The ids server functions and paths take: incident numbers
//! ([`super::incident::IncidentNumber`]) and the records people know by
//! their place on a page: events, attachments, transcript lines, accounts,
//! webhooks and deliveries. Each is read ([`std::str::FromStr`], and so
//! decoded) only in the shape Debrief writes it, so a request that names
//! none is refused while it is decoded, and answered as a record that does
//! not exist ([`NotAnId`]).

use serde::{Deserialize, Serialize};

use super::missing::Missing;

/// The kind of record an id names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdKind {
    Incident,
    Event,
    Attachment,
    TranscriptLine,
    Account,
    Webhook,
    Delivery,
}

impl IdKind {
    pub const ALL: &'static [IdKind] = &[
        IdKind::Incident,
        IdKind::Event,
        IdKind::Attachment,
        IdKind::TranscriptLine,
        IdKind::Account,
        IdKind::Webhook,
        IdKind::Delivery,
    ];

    /// The record, as the refusal's mark names it.
    fn noun(self) -> &'static str {
        match self {
            IdKind::Incident => "incident",
            IdKind::Event => "event",
            IdKind::Attachment => "attachment",
            IdKind::TranscriptLine => "transcript line",
            IdKind::Account => "account",
            IdKind::Webhook => "webhook",
            IdKind::Delivery => "delivery",
        }
    }
}

/// Text that names no record of its kind (`abc`, a number where a UUID
/// goes, `0` for a line), kept to say what was asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotAnId {
    pub kind: IdKind,
    pub text: String,
}

impl NotAnId {
    /// Starts the message a refused id leaves in a decoding error (followed
    /// by the noun of its kind), so the web layer can answer "not found" for
    /// it, as for any other record that does not exist.
    const MARK: &'static str = "names no ";

    /// The refused id, when `message` is a decoding error that refused one.
    pub fn in_message(message: &str) -> Option<NotAnId> {
        // The first mark is the refusal's own: what follows is the quoted
        // text, which may itself hold anything.
        let marked = &message[message.find(Self::MARK)? + Self::MARK.len()..];
        IdKind::ALL.iter().find_map(|kind| {
            let quoted = marked.strip_prefix(kind.noun())?.strip_prefix(": ")?;
            serde_json::from_str::<String>(quoted.trim_end())
                .ok()
                .map(|text| NotAnId { kind: *kind, text })
        })
    }

    /// The refused text as a refusal may repeat it: a long one (a request
    /// can send a megabyte where a number goes) is cut after 40 characters.
    fn shown(&self) -> String {
        const SHOWN: usize = 40;
        match self.text.char_indices().nth(SHOWN) {
            Some((end, _)) => format!("{}…", &self.text[..end]),
            None => self.text.clone(),
        }
    }

    /// The record that was asked for, which does not exist, as a refusal
    /// names it: an incident by the text asked for (it has no number), any
    /// other record by its kind.
    pub fn what(&self) -> String {
        let missing = match self.kind {
            IdKind::Incident => return format!("Incident \"{}\"", self.shown()),
            IdKind::Event => Missing::Event,
            IdKind::Attachment => Missing::Attachment,
            IdKind::TranscriptLine => Missing::Line,
            IdKind::Account => Missing::Account,
            IdKind::Webhook => Missing::Webhook,
            IdKind::Delivery => Missing::Delivery,
        };
        missing.to_string()
    }
}

impl std::fmt::Display for NotAnId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let quoted = serde_json::to_string(&self.text).map_err(|_| std::fmt::Error)?;
        write!(f, "{}{}: {quoted}", Self::MARK, self.kind.noun())
    }
}

/// True for a UUID as Debrief writes it: 32 hexadecimal digits in groups
/// of 8-4-4-4-12, joined by hyphens (any version; either letter case).
fn is_uuid(text: &str) -> bool {
    const GROUPS: [usize; 5] = [8, 4, 4, 4, 12];
    let mut parts = text.split('-');
    GROUPS.iter().all(|len| {
        parts
            .next()
            .is_some_and(|p| p.len() == *len && p.bytes().all(|b| b.is_ascii_hexdigit()))
    }) && parts.next().is_none()
}

/// Defines an id stored as a UUID in text: read only in that shape, sent
/// and shown as the plain text.
macro_rules! uuid_id {
    ($(#[$meta:meta])* $name:ident, $kind:expr, $expecting:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            pub const KIND: IdKind = $kind;

            /// The id as stored.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::str::FromStr for $name {
            type Err = NotAnId;

            fn from_str(text: &str) -> Result<Self, NotAnId> {
                if is_uuid(text) {
                    Ok($name(text.to_string()))
                } else {
                    Err(NotAnId {
                        kind: Self::KIND,
                        text: text.to_string(),
                    })
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct Text;
                impl serde::de::Visitor<'_> for Text {
                    type Value = $name;
                    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                        f.write_str($expecting)
                    }
                    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<$name, E> {
                        text.parse().map_err(E::custom)
                    }
                }
                deserializer.deserialize_str(Text)
            }
        }
    };
}

uuid_id!(
    /// A timeline event's id.
    EventId,
    IdKind::Event,
    "an event id (a UUID)"
);

uuid_id!(
    /// An attached file's id.
    AttachmentId,
    IdKind::Attachment,
    "an attachment id (a UUID)"
);

uuid_id!(
    /// A person's account id.
    UserId,
    IdKind::Account,
    "an account id (a UUID)"
);

uuid_id!(
    /// A webhook endpoint's id.
    WebhookId,
    IdKind::Webhook,
    "a webhook id (a UUID)"
);

uuid_id!(
    /// One webhook delivery's id.
    DeliveryId,
    IdKind::Delivery,
    "a delivery id (a UUID)"
);

/// A transcript line's id: the positive number the database counts out.
/// Sent as a number; read from a number or from its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct TranscriptLineId(i64);

impl TranscriptLineId {
    pub const KIND: IdKind = IdKind::TranscriptLine;

    /// The id as stored.
    pub fn get(self) -> i64 {
        self.0
    }
}

impl std::str::FromStr for TranscriptLineId {
    type Err = NotAnId;

    fn from_str(text: &str) -> Result<Self, NotAnId> {
        text.parse::<i64>()
            .ok()
            .filter(|n| *n > 0 && !text.starts_with('+'))
            .map(TranscriptLineId)
            .ok_or_else(|| NotAnId {
                kind: Self::KIND,
                text: text.to_string(),
            })
    }
}

impl std::fmt::Display for TranscriptLineId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl<'de> Deserialize<'de> for TranscriptLineId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        number_or_text(deserializer, "a transcript line id (a positive number)")
    }
}

/// A number-like id sent as a number (JSON) or as text (a form, a path),
/// read through its `FromStr` either way, so both are refused alike.
pub fn number_or_text<'de, D, T>(deserializer: D, expecting: &'static str) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    struct NumberOrText<T>(&'static str, std::marker::PhantomData<T>);
    impl<T: std::str::FromStr> serde::de::Visitor<'_> for NumberOrText<T>
    where
        T::Err: std::fmt::Display,
    {
        type Value = T;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str(self.0)
        }
        fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<T, E> {
            text.parse().map_err(E::custom)
        }
        fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<T, E> {
            self.visit_str(&n.to_string())
        }
        fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<T, E> {
            self.visit_str(&n.to_string())
        }
    }
    deserializer.deserialize_any(NumberOrText(expecting, std::marker::PhantomData))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `uuid::Uuid::new_v4().to_string()` writes, and the nil UUID.
    const WRITTEN: &[&str] = &[
        "6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b",
        "00000000-0000-0000-0000-000000000000",
        "22222222-2222-4222-8222-222222222222",
    ];

    const JUNK: &[&str] = &[
        "",
        "abc",
        "424242",
        "no-such-event",
        "delivery-7",
        "ev-1",
        " 6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b",
        "6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b ",
        "6f1c2a9e3b4d4e5f8a7b9c0d1e2f3a4b",
        "6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4",
        "6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4bb",
        "6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b-",
        "6f1c2a9e-3b4d-4e5f-8a7b9-c0d1e2f3a4b",
        "gf1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b",
        "6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4é",
        "'; DROP TABLE users; --",
    ];

    #[test]
    fn uuid_ids_read_what_debrief_writes_and_nothing_else() {
        for text in WRITTEN {
            let id: EventId = text.parse().unwrap();
            assert_eq!(id.as_str(), *text);
            assert_eq!(id.to_string(), *text);
        }
        let upper: UserId = "6F1C2A9E-3B4D-4E5F-8A7B-9C0D1E2F3A4B".parse().unwrap();
        assert_eq!(upper.as_str(), "6F1C2A9E-3B4D-4E5F-8A7B-9C0D1E2F3A4B");
        for text in JUNK {
            assert_eq!(
                text.parse::<EventId>(),
                Err(NotAnId {
                    kind: IdKind::Event,
                    text: text.to_string()
                }),
                "{text:?}"
            );
        }
        assert_eq!(
            "abc".parse::<AttachmentId>().unwrap_err().kind,
            IdKind::Attachment
        );
        assert_eq!("abc".parse::<UserId>().unwrap_err().kind, IdKind::Account);
        assert_eq!(
            "abc".parse::<WebhookId>().unwrap_err().kind,
            IdKind::Webhook
        );
        assert_eq!(
            "424242".parse::<DeliveryId>().unwrap_err().kind,
            IdKind::Delivery
        );
    }

    #[test]
    fn uuid_ids_travel_as_plain_text() {
        let id: WebhookId = WRITTEN[0].parse().unwrap();
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, format!("\"{}\"", WRITTEN[0]));
        assert_eq!(serde_json::from_str::<WebhookId>(&json).unwrap(), id);
        assert!(serde_json::from_str::<WebhookId>("42").is_err());
    }

    #[test]
    fn transcript_line_ids_are_positive_numbers() {
        for (text, n) in [("1", 1), ("4444", 4444), ("9223372036854775807", i64::MAX)] {
            assert_eq!(text.parse::<TranscriptLineId>().unwrap().get(), n);
        }
        for text in [
            "",
            "abc",
            "0",
            "-3",
            "+4",
            " 4",
            "4.0",
            "99999999999999999999",
        ] {
            let refused = text.parse::<TranscriptLineId>().unwrap_err();
            assert_eq!(refused.kind, IdKind::TranscriptLine);
            assert_eq!(refused.text, text);
        }
        let id: TranscriptLineId = serde_json::from_str("4444").unwrap();
        assert_eq!(serde_json::to_string(&id).unwrap(), "4444");
        assert_eq!(
            serde_json::from_str::<TranscriptLineId>("\"4444\"").unwrap(),
            id
        );
        assert_eq!(id.to_string(), "4444");
    }

    #[test]
    fn a_refused_id_is_found_again_in_the_decoding_error_with_its_kind() {
        fn refusal<T: serde::de::DeserializeOwned + std::fmt::Debug>(json: &str) -> String {
            let error = serde_json::from_str::<T>(json).unwrap_err();
            let message = format!("error deserializing server function arguments: {error}");
            // serde_json adds where it stopped; the refused text survives.
            message.split(" at line").next().unwrap().to_string()
        }
        for text in ["abc", "say \"hi\"", "names no event: x", ""] {
            let json = serde_json::to_string(text).unwrap();
            assert_eq!(
                NotAnId::in_message(&refusal::<EventId>(&json)),
                Some(NotAnId {
                    kind: IdKind::Event,
                    text: text.into()
                })
            );
        }
        let cases = [
            (refusal::<AttachmentId>("\"x\""), IdKind::Attachment),
            (refusal::<UserId>("\"x\""), IdKind::Account),
            (refusal::<WebhookId>("\"x\""), IdKind::Webhook),
            (refusal::<DeliveryId>("\"x\""), IdKind::Delivery),
            (refusal::<TranscriptLineId>("\"x\""), IdKind::TranscriptLine),
        ];
        for (message, kind) in cases {
            let found = NotAnId::in_message(&message).unwrap();
            assert_eq!(found.kind, kind, "{message}");
            assert_eq!(found.text, "x");
        }
        assert_eq!(
            NotAnId::in_message(&refusal::<TranscriptLineId>("0")).map(|r| r.text),
            Some("0".to_string())
        );
        assert_eq!(NotAnId::in_message("missing field `id`"), None);
        assert_eq!(
            NotAnId::in_message("names no incident: \"abc\""),
            Some(NotAnId {
                kind: IdKind::Incident,
                text: "abc".into()
            })
        );
        assert_eq!(
            NotAnId::in_message(&refusal::<EventId>("\"names no incident: \\\"1\\\"\"")),
            Some(NotAnId {
                kind: IdKind::Event,
                text: "names no incident: \"1\"".into()
            })
        );
    }

    #[test]
    fn a_refused_id_stands_for_the_record_that_is_missing() {
        let refused = "abc".parse::<EventId>().unwrap_err();
        assert_eq!(refused.what(), "That event");
        assert_eq!("abc".parse::<UserId>().unwrap_err().what(), "That account");
        assert_eq!(
            "x".parse::<DeliveryId>().unwrap_err().what(),
            "That delivery"
        );
        assert_eq!(
            "x".parse::<TranscriptLineId>().unwrap_err().what(),
            "That transcript line"
        );
        assert_eq!(
            "4x".parse::<super::super::incident::IncidentNumber>()
                .unwrap_err()
                .what(),
            "Incident \"4x\""
        );
        let long = "9".repeat(1_000_000);
        let refused = long
            .parse::<super::super::incident::IncidentNumber>()
            .unwrap_err();
        assert_eq!(refused.what(), format!("Incident \"{}…\"", "9".repeat(40)));
        let accented = "é".repeat(41);
        let refused = accented
            .parse::<super::super::incident::IncidentNumber>()
            .unwrap_err();
        assert_eq!(refused.what(), format!("Incident \"{}…\"", "é".repeat(40)));
    }
}
