//! Server functions for countermeasures: the backlog, one item with its
//! history, file, edit, move on the board, merge, link more incidents, and
//! the board's work-in-progress limits. Thin: the rules live in
//! `domain::countermeasure`.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::incidents::ShownTime;
use crate::domain::audit::AuditEntry;
use crate::domain::countermeasure::{BacklogFilter, CmStatus, Countermeasure, CountermeasureForm};
use crate::error::AppError;

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
    pub wip_limits: Vec<(CmStatus, u32)>,
    pub can_edit: bool,
    /// The caller may change the work-in-progress limits (admins).
    pub can_configure: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CountermeasureView {
    pub item: BacklogItem,
    /// The description, rendered and sanitized.
    pub description_html: String,
    /// Countermeasures merged into this one, as (number, title).
    pub merged_from: Vec<(i64, String)>,
    /// Its history and that of everything merged into it, oldest first.
    pub history: Vec<(AuditEntry, ShownTime)>,
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
fn allowed(role: crate::domain::account::Role) -> Result<bool, AppError> {
    Ok(crate::server::context::current_user()?.role.allows(role))
}

#[cfg(feature = "ssr")]
fn can_edit() -> Result<bool, AppError> {
    allowed(crate::domain::account::Role::Editor)
}

#[server(prefix = "/api", endpoint = "countermeasures/list")]
pub async fn backlog(#[server(default)] filter: BacklogFilter) -> Result<BacklogView, AppError> {
    crate::server::context::serve("countermeasures/list", async {
        let db = crate::server::context::db()?;
        let today = today();
        let items = db.list_countermeasures(&filter, today).await?;
        Ok(BacklogView {
            items: items.into_iter().map(|c| backlog_item(c, today)).collect(),
            owners: db.countermeasure_owners().await?,
            services: db.known_services().await?,
            wip_limits: db.wip_limits().await?,
            can_edit: can_edit()?,
            can_configure: allowed(crate::domain::account::Role::Admin)?,
        })
    })
    .await
}

#[server(prefix = "/api", endpoint = "countermeasures/get")]
pub async fn get_countermeasure(number: i64) -> Result<CountermeasureView, AppError> {
    crate::server::context::serve("countermeasures/get", async {
        let item = crate::server::context::db()?
            .countermeasure(number)
            .await?
            .ok_or_else(|| AppError::NotFound {
                what: format!("Countermeasure CM-{number}"),
            })?;
        let db = crate::server::context::db()?;
        let history = db.countermeasure_history(number).await?;
        Ok(CountermeasureView {
            description_html: crate::domain::markdown::render_markdown(&item.content.description),
            item: backlog_item(item, today()),
            merged_from: db.merged_into_this(number).await?,
            history: super::history::with_shown_times(history, super::viewer::viewer_zone()),
            can_edit: can_edit()?,
        })
    })
    .await
}

/// Files a countermeasure and sends the browser to it. When open ones with
/// a similar title exist, it is refused once, naming them, unless
/// `confirm_new` says to file it anyway.
#[server(prefix = "/api", endpoint = "countermeasures/create")]
pub async fn create_countermeasure(
    form: CountermeasureForm,
    confirm_new: Option<String>,
) -> Result<i64, AppError> {
    crate::server::context::serve("countermeasures/create", async {
        use crate::domain::countermeasure::{similar, validate};
        let content =
            validate(&form).map_err(|errors| AppError::invalid(errors).with_echo(&form))?;
        let db = crate::server::context::db()?;
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
                        "Open countermeasures with a similar title: {}. If one of them is this lesson, link the incident to it instead (it will show as seen in several incidents); otherwise tick \"None of those: file it as a new one\" and file again.",
                        alike.join(", ")
                    ),
                )
                .with_echo(&form));
            }
        }
        let number = db
            .create_countermeasure(&content, &crate::server::context::actor()?, chrono::Utc::now())
            .await
            .map_err(|e| AppError::from(e).with_echo(&form))?;
        leptos_axum::redirect(&format!("/countermeasures/{number}"));
        Ok(number)
    })
    .await
}

#[server(prefix = "/api", endpoint = "countermeasures/update")]
pub async fn update_countermeasure(
    number: i64,
    version: i64,
    form: CountermeasureForm,
) -> Result<i64, AppError> {
    crate::server::context::serve("countermeasures/update", async {
        let content = crate::domain::countermeasure::validate(&form)
            .map_err(|errors| AppError::invalid(errors).with_echo(&form))?;
        let new_version = crate::server::context::db()?
            .update_countermeasure(
                number,
                version,
                &content,
                &crate::server::context::actor()?,
                chrono::Utc::now(),
            )
            .await
            .map_err(|e| AppError::from(e).with_echo(&form))?;
        leptos_axum::redirect(&format!("/countermeasures/{number}"));
        Ok(new_version)
    })
    .await
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
    crate::server::context::serve("countermeasures/move", async {
        use crate::domain::countermeasure::CmStatus;
        let to = CmStatus::parse(&to).ok_or_else(|| {
            AppError::invalid_field("to", format!("Move it to one of: {}.", CmStatus::codes()))
        })?;
        let new_version = crate::server::context::db()?
            .move_countermeasure(
                number,
                version,
                to,
                &reason,
                &crate::server::context::actor()?,
                chrono::Utc::now(),
            )
            .await?;
        if back.starts_with("/countermeasures") {
            leptos_axum::redirect(&back);
        }
        Ok(new_version)
    })
    .await
}

/// Open countermeasures with a title like `title`, most alike first (at
/// most five), as (number, title): what the filing form offers to link
/// instead of filing a duplicate.
#[server(prefix = "/api", endpoint = "countermeasures/similar")]
pub async fn similar_countermeasures(
    title: String,
) -> Result<Vec<(i64, String, Vec<i64>)>, AppError> {
    crate::server::context::serve("countermeasures/similar", async {
        let db = crate::server::context::db()?;
        let open = db.open_countermeasure_titles().await?;
        let mut found = Vec::new();
        for ((number, title), _) in crate::domain::countermeasure::similar(&title, &open)
            .into_iter()
            .take(5)
        {
            // The incidents it is linked to already, so the page offers to
            // link only those that are not.
            let linked = db
                .countermeasure(*number)
                .await?
                .map(|c| c.incidents.iter().map(|i| i.number).collect())
                .unwrap_or_default();
            found.push((*number, title.clone(), linked));
        }
        Ok(found)
    })
    .await
}

/// Links incidents (numbers, as the form types them) to an existing
/// countermeasure instead of filing a new one, and sends the browser to it.
#[server(prefix = "/api", endpoint = "countermeasures/link")]
pub async fn link_countermeasure(number: i64, incidents: String) -> Result<i64, AppError> {
    crate::server::context::serve("countermeasures/link", async {
        let numbers = crate::domain::countermeasure::parse_incident_numbers(&incidents)
            .map_err(|m| AppError::invalid_field("incidents", m))?;
        if numbers.is_empty() {
            return Err(AppError::invalid_field(
                "incidents",
                "Name the incident to link, by number.",
            ));
        }
        let version = crate::server::context::db()?
            .link_countermeasure(
                number,
                &numbers,
                &crate::server::context::actor()?,
                chrono::Utc::now(),
            )
            .await?;
        leptos_axum::redirect(&format!("/countermeasures/{number}"));
        Ok(version)
    })
    .await
}

/// Merges countermeasure `number` (at `version`) into `into` ("CM-12" or
/// "12") and sends the browser to the one that remains.
#[server(prefix = "/api", endpoint = "countermeasures/merge")]
pub async fn merge_countermeasure(
    number: i64,
    version: i64,
    into: String,
) -> Result<i64, AppError> {
    crate::server::context::serve("countermeasures/merge", async {
        let target = crate::domain::countermeasure::parse_code(&into).ok_or_else(|| {
            AppError::invalid_field(
                "into",
                "Name the countermeasure to merge into by its number, like CM-12.",
            )
        })?;
        let new_version = crate::flows::countermeasure_merge::merge(
            &crate::server::context::db()?,
            number,
            version,
            target,
            &crate::server::context::actor()?,
        )
        .await?;
        leptos_axum::redirect(&format!("/countermeasures/{target}"));
        Ok(new_version)
    })
    .await
}

/// Sets the board's work-in-progress limits: one field per open column,
/// empty for no limit.
#[server(prefix = "/api", endpoint = "countermeasures/wip_limits")]
pub async fn save_wip_limits(
    #[server(default)] wip_proposed: String,
    #[server(default)] wip_accepted: String,
    #[server(default)] wip_in_progress: String,
) -> Result<(), AppError> {
    crate::server::context::serve("countermeasures/wip_limits", async {
        let limits = crate::domain::countermeasure::wip_limits_from_fields(&[
            (CmStatus::Proposed, &wip_proposed),
            (CmStatus::Accepted, &wip_accepted),
            (CmStatus::InProgress, &wip_in_progress),
        ])
        .map_err(|e| AppError::invalid(vec![e]))?;
        crate::server::context::db()?
            .set_wip_limits(
                &limits,
                &crate::server::context::actor()?,
                chrono::Utc::now(),
            )
            .await?;
        leptos_axum::redirect("/countermeasures?view=board");
        Ok(())
    })
    .await
}
