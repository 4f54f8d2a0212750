//! The signed-in person, loaded once per page and shared through context, so
//! pages can offer only what the person's role allows. (The server refuses the
//! action itself either way; this only keeps pages honest.)

use leptos::prelude::*;

use crate::api::auth::{SessionInfo, current_session};
use crate::error::AppError;

pub type SessionResource = Resource<Result<SessionInfo, AppError>>;

pub fn provide_session() -> SessionResource {
    let session = Resource::new(|| (), |_| current_session());
    provide_context(session);
    session
}
