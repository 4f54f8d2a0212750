//! Server functions for countermeasures: the backlog, one item, file, edit,
//! move on the board. Thin: the rules live in `domain::countermeasure`.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::AppError;
use crate::domain::countermeasure::{BacklogFilter, Countermeasure, CountermeasureForm};

/// One backlog row: the item, and what today makes of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BacklogItem {
    pub item: Countermeasure,
    pub overdue: bool,
    /// Days since it was filed.
    pub age_days: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BacklogView {
    pub items: Vec<BacklogItem>,
    /// Owners named on any item, and services of linked incidents, for the
    /// filters.
    pub owners: Vec<String>,
    pub services: Vec<String>,
    /// The work-in-progress limit of each column that has one.
    pub wip_limits: Vec<(String, u32)>,
    pub can_edit: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CountermeasureView {
    pub item: BacklogItem,
    /// The description, rendered and sanitized.
    pub description_html: String,
    pub can_edit: bool,
}

#[cfg(feature = "ssr")]
fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

#[cfg(feature = "ssr")]
fn backlog_item(item: Countermeasure, today: chrono::NaiveDate) -> BacklogItem {
    use crate::domain::countermeasure::age_days;
    BacklogItem {
        overdue: item.is_overdue(today),
        age_days: age_days(item.created_at.date_naive(), today),
        item,
    }
}

#[cfg(feature = "ssr")]
fn can_edit() -> Result<bool, AppError> {
    use crate::domain::account::Role;
    Ok(super::context::current_user()?.role.allows(Role::Editor))
}

#[server(prefix = "/api", endpoint = "countermeasures/list")]
pub async fn backlog(#[server(default)] filter: BacklogFilter) -> Result<BacklogView, AppError> {
    let result = async {
        let db = super::context::db()?;
        let today = today();
        let items = db.list_countermeasures(&filter, today).await?;
        Ok(BacklogView {
            items: items.into_iter().map(|c| backlog_item(c, today)).collect(),
            owners: db.countermeasure_owners().await?,
            services: db.known_services().await?,
            wip_limits: db.wip_limits().await?,
            can_edit: can_edit()?,
        })
    };
    super::context::finish(result.await)
}

#[server(prefix = "/api", endpoint = "countermeasures/get")]
pub async fn get_countermeasure(number: i64) -> Result<CountermeasureView, AppError> {
    let result = async {
        let item = super::context::db()?
            .countermeasure(number)
            .await?
            .ok_or_else(|| AppError::NotFound {
                what: format!("Countermeasure CM-{number}"),
            })?;
        Ok(CountermeasureView {
            description_html: crate::domain::markdown::render_markdown(&item.content.description),
            item: backlog_item(item, today()),
            can_edit: can_edit()?,
        })
    };
    super::context::finish(result.await)
}

/// Files a countermeasure and sends the browser to it. When open ones with
/// a similar title exist, it is refused once, naming them, unless
/// `confirm_new` says to file it anyway.
#[server(prefix = "/api", endpoint = "countermeasures/create")]
pub async fn create_countermeasure(
    form: CountermeasureForm,
    confirm_new: Option<String>,
) -> Result<i64, AppError> {
    let result = async {
        use crate::domain::countermeasure::{similar, validate};
        let content =
            validate(&form).map_err(|errors| AppError::invalid(errors).with_echo(&form))?;
        let db = super::context::db()?;
        if confirm_new.is_none() {
            let open = db.open_countermeasure_titles().await?;
            let alike: Vec<String> = similar(&content.title, &open)
                .into_iter()
                .take(5)
                .map(|((number, title), _)| format!("CM-{number} \"{title}\""))
                .collect();
            if !alike.is_empty() {
                return Err(AppError::invalid_field(
                    "similar",
                    format!(
                        "Open countermeasures with a similar title: {}. If one of them is this lesson, link the incident to it instead (it will show as seen in several incidents); otherwise tick \"file it as a new one\" and file again.",
                        alike.join(", ")
                    ),
                )
                .with_echo(&form));
            }
        }
        let number = db
            .create_countermeasure(&content, &super::context::actor()?, chrono::Utc::now())
            .await
            .map_err(|e| AppError::from(e).with_echo(&form))?;
        leptos_axum::redirect(&format!("/countermeasures/{number}"));
        Ok(number)
    };
    super::context::finish(result.await)
}

#[server(prefix = "/api", endpoint = "countermeasures/update")]
pub async fn update_countermeasure(
    number: i64,
    version: i64,
    form: CountermeasureForm,
) -> Result<i64, AppError> {
    let result = async {
        let content = crate::domain::countermeasure::validate(&form)
            .map_err(|errors| AppError::invalid(errors).with_echo(&form))?;
        let new_version = super::context::db()?
            .update_countermeasure(
                number,
                version,
                &content,
                &super::context::actor()?,
                chrono::Utc::now(),
            )
            .await
            .map_err(|e| AppError::from(e).with_echo(&form))?;
        leptos_axum::redirect(&format!("/countermeasures/{number}"));
        Ok(new_version)
    };
    super::context::finish(result.await)
}

/// Moves an item to another board column; `back` is where the browser
/// returns without JavaScript (the board or the item).
#[server(prefix = "/api", endpoint = "countermeasures/move")]
pub async fn move_countermeasure(
    number: i64,
    version: i64,
    to: String,
    #[server(default)] reason: String,
    #[server(default)] back: String,
) -> Result<i64, AppError> {
    let result = async {
        use crate::domain::countermeasure::CmStatus;
        let to = CmStatus::parse(&to).ok_or_else(|| {
            AppError::invalid_field("to", format!("Move it to one of: {}.", CmStatus::codes()))
        })?;
        let new_version = super::context::db()?
            .move_countermeasure(
                number,
                version,
                to,
                &reason,
                &super::context::actor()?,
                chrono::Utc::now(),
            )
            .await?;
        if back.starts_with("/countermeasures") {
            leptos_axum::redirect(&back);
        }
        Ok(new_version)
    };
    super::context::finish(result.await)
}
