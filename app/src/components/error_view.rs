use leptos::prelude::*;
use leptos_meta::Title;

use crate::error::AppError;

/// A page-level error: says what went wrong in words, never internals, and
/// sets the matching HTTP status when rendered on the server.
#[component]
pub fn ErrorView(error: AppError) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(options) = use_context::<leptos_axum::ResponseOptions>() {
        options.set_status(error.status());
    }
    let heading = match &error {
        AppError::NotFound { .. } | AppError::Missing { .. } => "Not found",
        AppError::Internal { .. } | AppError::Transport { .. } => "Something went wrong",
        AppError::Forbidden { .. } => "Not allowed",
        AppError::StorageFull => "The server's disk is full",
        AppError::Busy { .. } => "The server is busy",
        AppError::SignInRequired | AppError::SignInFailed => "Please sign in",
        AppError::Invalid { .. }
        | AppError::Conflict { .. }
        | AppError::Choose { .. }
        | AppError::TooLarge { .. }
        | AppError::TooManyAttempts { .. } => "That request could not be completed",
    };
    view! {
        <Title text=heading/>
        <section class="notice" role="alert">
            <h1>{heading}</h1>
            <p>{error.to_string()}</p>
            <p><a href="/incidents">"Go to the incident list"</a></p>
        </section>
    }
}
