//! Merging a countermeasure into another ("CM-7 is the same lesson as
//! CM-12"), as one workflow, in one transaction
//! ([`CountermeasureMerge`](crate::db::CountermeasureMerge)):
//!
//! 1. read the one to merge, at the version the person saw (a merged or
//!    stale one is refused, as any edit is);
//! 2. read the one to merge into (none by that number is refused);
//! 3. check the two may be merged (`domain::countermeasure::check_merge`);
//! 4. mark the first merged into the second: it stays, read-only, with its
//!    history;
//! 5. link the survivor to its incidents and those of the merged one;
//! 6. record the merge in both histories (the wording is
//!    `domain::countermeasure::merge_history`), and commit.
//!
//! Any refusal or failure rolls the whole merge back. The server function
//! `api::countermeasures::merge_countermeasure` runs [`merge`].

use chrono::Utc;

use crate::db::{Db, DbError};
use crate::domain::audit::Actor;
use crate::domain::countermeasure::{check_merge, merge_history, union_incidents};
use crate::domain::refusal::Refusal;

/// Merges countermeasure `number` (at `base_version`) into `into`: the
/// survivor gains the merged one's incidents, the merged one stays,
/// read-only, with its history, and each history records the merge.
/// Returns the survivor's new version.
pub async fn merge(
    db: &Db,
    number: i64,
    base_version: i64,
    into: i64,
    actor: &Actor,
) -> Result<i64, DbError> {
    let mut merging = db.begin_countermeasure_merge(actor, Utc::now()).await?;
    let from = merging.merged(number, base_version).await?;
    let target =
        merging
            .target(into)
            .await?
            .ok_or(DbError::Refused(Refusal::NoSuchCountermeasure {
                number: into,
            }))?;
    check_merge(&from, &target).map_err(|e| DbError::Refused(Refusal::CannotMerge(e)))?;
    merging.mark_merged(&from, &target).await?;
    let incidents = union_incidents(&target.content.incidents, &from.content.incidents);
    let (new_version, ids) = merging.relink(&target, &incidents).await?;
    // Each history names the incident it starts from, as filing does.
    let id_of = |number: i64| {
        incidents
            .iter()
            .position(|n| *n == number)
            .map(|at| &ids[at])
    };
    let (merged, absorbed) = merge_history(&from, &target, &incidents);
    let from_incident = from.incidents.first().and_then(|i| id_of(i.number));
    merging
        .audit("merged", &from, &merged, from_incident)
        .await?;
    merging
        .audit("merged_in", &target, &absorbed, ids.first())
        .await?;
    merging.commit().await?;
    Ok(new_version)
}
