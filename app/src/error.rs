//! The one error type of the web layer: what a person is told, and the HTTP
//! status that goes with it, decided here and nowhere else.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

use crate::domain::ids::NotAnId;
use crate::domain::incident_form::FieldError;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// The input was refused; nothing was stored. `echo` carries what was
    /// submitted so that a page without JavaScript can show it again.
    #[error("{}", invalid_summary(.errors))]
    Invalid {
        errors: Vec<FieldError>,
        echo: Option<serde_json::Value>,
    },
    /// The change was based on an old version; nothing was stored.
    #[error(
        "Someone else saved this {what} while you were editing it (it is now at version {current_version}). Your changes were not saved; they are still in the form. Compare with the current version, then save again to keep yours."
    )]
    Conflict {
        what: String,
        current_version: i64,
        echo: Option<serde_json::Value>,
        /// The record as it is now, so the person can merge their change.
        #[serde(default)]
        current: Option<serde_json::Value>,
    },
    /// A key moment is already set: the person chooses which event marks it.
    /// Nothing was stored. `echo` as for `Invalid`.
    #[error("{message}")]
    Choose {
        moment: crate::domain::moments::KeyMoment,
        message: String,
        echo: Option<serde_json::Value>,
    },
    #[error("{what} was not found. It may have been deleted, or the link may be mistyped.")]
    NotFound { what: String },
    /// What was asked for does not exist (yet), said in a sentence of its
    /// own: "Incident #4 has no post-mortem yet: write and save one first."
    #[error("{message}")]
    Missing { message: String },
    /// The upload or request is over a limit; nothing was kept.
    #[error("{message}")]
    TooLarge { message: String },
    /// Something failed on the server; the detail is in the server log under
    /// `reference`, never sent to the browser. `echo` as for `Invalid`.
    #[error(
        "Something went wrong on the server, and nothing was changed. If it keeps happening, give this reference to whoever runs Debrief: {reference}."
    )]
    Internal {
        reference: String,
        echo: Option<serde_json::Value>,
    },
    /// The server's disk is full: the change was rolled back.
    #[error(
        "The server's disk is full, so this was not saved and nothing was changed. Whoever runs Debrief needs to free space on the server; then try again."
    )]
    StorageFull,
    /// The caller is not signed in (or the session ended).
    #[error("Please sign in to continue.")]
    SignInRequired,
    /// The caller is signed in but their role does not allow this.
    #[error("{message}")]
    Forbidden { message: String },
    /// Sign-in refused: the login name and password do not match an active
    /// account. Deliberately the same for an unknown name and a wrong password.
    #[error(
        "That login name and password do not match an active account. Check both and try again."
    )]
    SignInFailed,
    /// Too many attempts; try again after `retry_after` seconds.
    #[error("{message}")]
    TooManyAttempts { message: String, retry_after: u64 },
    /// The server is at its limit for this kind of work; nothing was
    /// changed. Try again after `retry_after` seconds.
    #[error("{message}")]
    Busy { message: String, retry_after: u64 },
    /// The request could not be sent, read or answered.
    #[error("The request could not be completed: {message}")]
    Transport { message: String },
}

fn invalid_summary(errors: &[FieldError]) -> String {
    match errors {
        [] => "The input was refused.".to_string(),
        [one] => one.message.clone(),
        many => format!("{} fields need attention; nothing was saved.", many.len()),
    }
}

impl AppError {
    pub fn invalid(errors: Vec<FieldError>) -> Self {
        AppError::Invalid { errors, echo: None }
    }

    /// A stale write, refused.
    pub fn conflict(what: &str, current_version: i64) -> Self {
        AppError::Conflict {
            what: what.into(),
            current_version,
            echo: None,
            current: None,
        }
    }

    /// Attaches the record as it is now to a `Conflict`.
    pub fn with_current<T: Serialize>(self, now: &T) -> Self {
        match self {
            AppError::Conflict {
                what,
                current_version,
                echo,
                ..
            } => AppError::Conflict {
                what,
                current_version,
                echo,
                current: serde_json::to_value(now).ok(),
            },
            other => other,
        }
    }

    /// The current record carried by a `Conflict`.
    pub fn current<T: serde::de::DeserializeOwned>(&self) -> Option<T> {
        match self {
            AppError::Conflict {
                current: Some(v), ..
            } => serde_json::from_value(v.clone()).ok(),
            _ => None,
        }
    }

    /// The caller's role (`has`) does not include the one `needed`.
    pub fn role_refused(
        has: crate::domain::account::Role,
        needed: crate::domain::account::Role,
    ) -> Self {
        AppError::Forbidden {
            message: format!(
                "Your role ({}) does not allow this; it needs the {} role. An administrator can change roles.",
                has.label(),
                needed.label()
            ),
        }
    }

    pub fn invalid_field(field: &str, message: impl Into<String>) -> Self {
        AppError::invalid(vec![FieldError::new(field, message)])
    }

    /// Attaches the submitted form to an error that refused it (`Invalid`,
    /// `Conflict` or `Internal`), so that no page loses what was typed.
    pub fn with_echo<T: Serialize>(self, submitted: &T) -> Self {
        let echo = serde_json::to_value(submitted).ok();
        match self {
            AppError::Invalid { errors, .. } => AppError::Invalid { errors, echo },
            AppError::Conflict {
                what,
                current_version,
                current,
                ..
            } => AppError::Conflict {
                what,
                current_version,
                echo,
                current,
            },
            AppError::Choose {
                moment, message, ..
            } => AppError::Choose {
                moment,
                message,
                echo,
            },
            AppError::Internal { reference, .. } => AppError::Internal { reference, echo },
            other => other,
        }
    }

    /// The same refusal without the submitted form or the record it
    /// conflicts with: what still fits in an address when those are large.
    pub fn without_echo(self) -> Self {
        match self {
            AppError::Invalid { errors, .. } => AppError::Invalid { errors, echo: None },
            AppError::Conflict {
                what,
                current_version,
                ..
            } => AppError::Conflict {
                what,
                current_version,
                echo: None,
                current: None,
            },
            AppError::Choose {
                moment, message, ..
            } => AppError::Choose {
                moment,
                message,
                echo: None,
            },
            AppError::Internal { reference, .. } => AppError::Internal {
                reference,
                echo: None,
            },
            other => other,
        }
    }

    /// The submitted form carried by this error, if any.
    pub fn echo<T: serde::de::DeserializeOwned>(&self) -> Option<T> {
        match self {
            AppError::Invalid { echo: Some(v), .. }
            | AppError::Conflict { echo: Some(v), .. }
            | AppError::Choose { echo: Some(v), .. }
            | AppError::Internal { echo: Some(v), .. } => serde_json::from_value(v.clone()).ok(),
            _ => None,
        }
    }

    pub fn field_errors(&self) -> &[FieldError] {
        match self {
            AppError::Invalid { errors, .. } => errors,
            _ => &[],
        }
    }

    /// Logs the detail on the server and returns an error that tells the
    /// browser only a reference to it.
    #[cfg(feature = "ssr")]
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        let reference = uuid::Uuid::new_v4().simple().to_string()[..12].to_string();
        tracing::error!(%reference, "{detail}");
        AppError::Internal {
            reference,
            echo: None,
        }
    }

    /// A file write that failed while `doing` something: a full disk said as
    /// such, anything else logged with a reference.
    #[cfg(feature = "ssr")]
    pub fn from_write(doing: &str, e: std::io::Error) -> Self {
        if crate::db::is_disk_full(&e) {
            tracing::error!("{doing}: {e}");
            AppError::StorageFull
        } else {
            AppError::internal(format!("{doing}: {e}"))
        }
    }

    /// The HTTP status for this error.
    #[cfg(feature = "ssr")]
    pub fn status(&self) -> http::StatusCode {
        use http::StatusCode;
        match self {
            AppError::Invalid { .. } => StatusCode::BAD_REQUEST,
            AppError::Conflict { .. } | AppError::Choose { .. } => StatusCode::CONFLICT,
            AppError::NotFound { .. } | AppError::Missing { .. } => StatusCode::NOT_FOUND,
            AppError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Internal { .. } => StatusCode::INTERNAL_SERVER_ERROR,
            AppError::StorageFull => StatusCode::INSUFFICIENT_STORAGE,
            AppError::Transport { .. } => StatusCode::BAD_REQUEST,
            AppError::SignInRequired | AppError::SignInFailed => StatusCode::UNAUTHORIZED,
            AppError::Forbidden { .. } => StatusCode::FORBIDDEN,
            AppError::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// Seconds after which the same request may succeed, for `Retry-After`.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            AppError::TooManyAttempts { retry_after, .. } | AppError::Busy { retry_after, .. } => {
                Some(*retry_after)
            }
            _ => None,
        }
    }
}

/// A raw route (a file, an export, a feed) answers a refusal as plain text
/// with the status that fits it, and `Retry-After` when there is one.
#[cfg(feature = "ssr")]
impl axum::response::IntoResponse for AppError {
    fn into_response(self) -> axum::response::Response {
        let mut response = (self.status(), self.to_string()).into_response();
        if let Some(seconds) = self.retry_after() {
            response
                .headers_mut()
                .insert(http::header::RETRY_AFTER, http::HeaderValue::from(seconds));
        }
        response
    }
}

/// An id that names no record answers as the record it stands for, missing.
impl From<NotAnId> for AppError {
    fn from(refused: NotAnId) -> Self {
        AppError::NotFound {
            what: refused.what(),
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        // On the server this runs when a request cannot be decoded: the
        // client's fault, so it answers 400, as every other refusal does.
        #[cfg(feature = "ssr")]
        if matches!(
            value,
            ServerFnErrorErr::Args(_)
                | ServerFnErrorErr::Deserialization(_)
                | ServerFnErrorErr::MissingArg(_)
        ) {
            // An incident number or a record's id that names none is not
            // found, as one that names a deleted record is.
            let message = value.to_string();
            let error = match NotAnId::in_message(&message) {
                Some(refused) => AppError::from(refused),
                None => AppError::Transport { message },
            };
            let _ = crate::server::context::finish::<()>(Err(error.clone()));
            return error;
        }
        AppError::Transport {
            message: value.to_string(),
        }
    }
}

#[cfg(feature = "ssr")]
impl From<crate::db::DbError> for AppError {
    fn from(err: crate::db::DbError) -> Self {
        match err {
            crate::db::DbError::NotFound(missing) => AppError::NotFound {
                what: missing.to_string(),
            },
            crate::db::DbError::Conflict { current } => AppError::conflict("record", current),
            crate::db::DbError::Refused(refusal) => {
                AppError::invalid_field(refusal.field(), refusal.to_string())
            }
            crate::db::DbError::Ask { moment, .. } => AppError::Choose {
                moment,
                message: format!(
                    "\"{}\" is already set; choose which event marks it.",
                    moment.label()
                ),
                echo: None,
            },
            crate::db::DbError::Taken => {
                AppError::invalid_field("login", "That login name is taken; choose another.")
            }
            crate::db::DbError::StorageFull => {
                tracing::error!("a write failed: the disk holding the database is full");
                AppError::StorageFull
            }
            crate::db::DbError::LastAdmin => AppError::Forbidden {
                message: "Debrief needs at least one active administrator: make someone else an administrator first.".into(),
            },
            crate::db::DbError::SetupDone => AppError::Forbidden {
                message: "Debrief is already set up. Sign in, or ask an administrator for an account.".into(),
            },
            other => AppError::internal(other),
        }
    }
}
