//! The signed-in person, loaded once per page and shared through context, and
//! a wrapper that shows its children only to a role that may use them. (The
//! server refuses the action itself either way; this only keeps pages honest.)

use leptos::prelude::*;

use crate::api::AppError;
use crate::api::auth::{SessionInfo, current_session};
use crate::domain::account::Role;

pub type SessionResource = Resource<Result<SessionInfo, AppError>>;

pub fn provide_session() -> SessionResource {
    let session = Resource::new(|| (), |_| current_session());
    provide_context(session);
    session
}

/// Shows `children` only when the signed-in person's role includes `role`.
#[component]
pub fn IfRole(role: Role, children: ChildrenFn) -> impl IntoView {
    let session = use_context::<SessionResource>();
    view! {
        <Suspense fallback=|| ()>
            {move || {
                let children = children.clone();
                Suspend::new(async move {
                    let allowed = match session {
                        Some(s) => s
                            .await
                            .ok()
                            .and_then(|info| info.user)
                            .is_some_and(|u| u.role.allows(role)),
                        None => false,
                    };
                    allowed.then(|| children())
                })
            }}
        </Suspense>
    }
}
