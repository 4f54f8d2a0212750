//! Countermeasures: what a review decided to change, tracked to done. The
//! closed sets, the form and its validation, the rules for status changes,
//! overdue and aging, and which open items have a title like a new one.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::incident::closed_set;
use super::incident_form::FieldError;

closed_set!(
    /// What a countermeasure changes.
    Kind {
        PreventRecurrence => ("prevent_recurrence", "Prevent recurrence"),
        DetectSooner => ("detect_sooner", "Detect sooner"),
        NotifyFaster => ("notify_faster", "Notify faster"),
        RespondFaster => ("respond_faster", "Respond faster"),
        DiagnoseFaster => ("diagnose_faster", "Diagnose faster"),
        RepairFaster => ("repair_faster", "Repair faster"),
        Process => ("process", "Process"),
        Documentation => ("documentation", "Documentation"),
    }
);

closed_set!(
    /// How soon it matters.
    Priority {
        Urgent => ("urgent", "Urgent"),
        High => ("high", "High"),
        Medium => ("medium", "Medium"),
        Low => ("low", "Low"),
    }
);

impl Priority {
    /// Jira's name for the priority (its default scheme).
    pub fn jira(self) -> &'static str {
        match self {
            Priority::Urgent => "Highest",
            Priority::High => "High",
            Priority::Medium => "Medium",
            Priority::Low => "Low",
        }
    }
}

closed_set!(
    /// Where a countermeasure stands; the board's columns, in order.
    CmStatus {
        Proposed => ("proposed", "Proposed"),
        Accepted => ("accepted", "Accepted"),
        InProgress => ("in_progress", "In progress"),
        Done => ("done", "Done"),
        WontDo => ("wont_do", "Won't do"),
    }
);

impl CmStatus {
    /// Still to be done: counts toward open and overdue.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            CmStatus::Proposed | CmStatus::Accepted | CmStatus::InProgress
        )
    }

    /// The column before and after this one on the board (for the move
    /// buttons).
    pub fn neighbours(self) -> (Option<CmStatus>, Option<CmStatus>) {
        let all = CmStatus::ALL;
        let i = all.iter().position(|s| *s == self).unwrap_or(0);
        (i.checked_sub(1).map(|j| all[j]), all.get(i + 1).copied())
    }
}

/// Length limits, enforced on the server and named in the refusal.
pub mod limits {
    pub const TITLE: usize = 200;
    pub const DESCRIPTION: usize = 20_000;
    pub const OWNER: usize = 100;
    pub const REASON: usize = 2_000;
    pub const TICKET_URL: usize = 500;
    pub const INCIDENTS: usize = 50;
}

/// The countermeasure form as typed; every field text, as a form posts it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CountermeasureForm {
    pub title: String,
    pub description: String,
    pub kind: String,
    pub priority: String,
    pub owner: String,
    /// YYYY-MM-DD, or empty.
    pub due: String,
    pub status: String,
    pub wont_do_reason: String,
    pub ticket_url: String,
    /// Incident numbers, separated by commas or spaces ("12, 40").
    pub incidents: String,
    /// The timeline event that prompted it (its id), or empty.
    pub source_event: String,
    /// The transcript line that prompted it (its id), or empty.
    pub source_line: String,
}

/// A countermeasure's content, validated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountermeasureContent {
    pub title: String,
    pub description: String,
    pub kind: Kind,
    pub priority: Priority,
    pub owner: String,
    pub due: Option<NaiveDate>,
    pub status: CmStatus,
    pub wont_do_reason: String,
    pub ticket_url: String,
    pub incidents: Vec<i64>,
    pub source_event: Option<String>,
    pub source_line: Option<i64>,
}

fn too_long(errors: &mut Vec<FieldError>, field: &str, what: &str, value: &str, limit: usize) {
    let n = value.chars().count();
    if n > limit {
        errors.push(FieldError::new(
            field,
            format!("{what} is {n} characters; the limit is {limit}."),
        ));
    }
}

fn choice<T>(
    errors: &mut Vec<FieldError>,
    field: &str,
    value: &str,
    parse: fn(&str) -> Option<T>,
    codes: fn() -> String,
) -> Option<T> {
    let found = parse(value);
    if found.is_none() {
        errors.push(FieldError::new(
            field,
            if value.trim().is_empty() {
                format!("Choose one of: {}.", codes())
            } else {
                format!("{:?} is not one of: {}.", value.trim(), codes())
            },
        ));
    }
    found
}

/// Reads "12, #40 7" into incident numbers, in order, without repeats.
pub fn parse_incident_numbers(text: &str) -> Result<Vec<i64>, String> {
    let mut numbers = Vec::new();
    for part in text.split([',', ' ', ';']).filter(|p| !p.trim().is_empty()) {
        let n: i64 = part
            .trim()
            .trim_start_matches('#')
            .parse()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| {
                format!(
                    "\"{}\" is not an incident number like 12.",
                    super::incident_form::as_typed(part)
                )
            })?;
        if !numbers.contains(&n) {
            numbers.push(n);
        }
    }
    Ok(numbers)
}

/// Validates a form: every reason it was refused, or the content.
pub fn validate(form: &CountermeasureForm) -> Result<CountermeasureContent, Vec<FieldError>> {
    let mut errors = Vec::new();
    let title = form.title.trim().to_string();
    if title.is_empty() {
        errors.push(FieldError::new(
            "title",
            "Give it a title that says what will change, e.g. \"Alert on checkout p99 above 800 ms\".",
        ));
    }
    too_long(&mut errors, "title", "The title", &title, limits::TITLE);
    let description = form.description.trim().to_string();
    too_long(
        &mut errors,
        "description",
        "The description",
        &description,
        limits::DESCRIPTION,
    );
    let kind = choice(&mut errors, "kind", &form.kind, Kind::parse, Kind::codes);
    let priority = choice(
        &mut errors,
        "priority",
        &form.priority,
        Priority::parse,
        Priority::codes,
    );
    let status = if form.status.trim().is_empty() {
        Some(CmStatus::Proposed)
    } else {
        choice(
            &mut errors,
            "status",
            &form.status,
            CmStatus::parse,
            CmStatus::codes,
        )
    };
    let owner = form.owner.trim().to_string();
    too_long(&mut errors, "owner", "The owner", &owner, limits::OWNER);
    if owner.is_empty() && matches!(status, Some(CmStatus::Accepted | CmStatus::InProgress)) {
        errors.push(FieldError::new(
            "owner",
            "Name an owner: accepted and in-progress items need someone who carries them.",
        ));
    }
    let due = match form.due.trim() {
        "" => None,
        text => match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            Ok(d) => match super::moments::check_year(d) {
                Ok(d) => Some(d),
                Err(message) => {
                    errors.push(FieldError::new("due", message));
                    None
                }
            },
            Err(_) => {
                errors.push(FieldError::new(
                    "due",
                    format!("{text:?} is not a date like 2026-03-31."),
                ));
                None
            }
        },
    };
    let wont_do_reason = form.wont_do_reason.trim().to_string();
    too_long(
        &mut errors,
        "wont_do_reason",
        "The reason",
        &wont_do_reason,
        limits::REASON,
    );
    if status == Some(CmStatus::WontDo) && wont_do_reason.is_empty() {
        errors.push(FieldError::new(
            "wont_do_reason",
            "Say why it won't be done (for example \"covered by the new load balancer\"): the next review will ask.",
        ));
    }
    let ticket_url = form.ticket_url.trim().to_string();
    too_long(
        &mut errors,
        "ticket_url",
        "The ticket link",
        &ticket_url,
        limits::TICKET_URL,
    );
    let is_link = ticket_url.starts_with("https://") || ticket_url.starts_with("http://");
    if !ticket_url.is_empty() && !is_link {
        errors.push(FieldError::new(
            "ticket_url",
            "The ticket link must start with https:// or http://.",
        ));
    }
    let incidents = match parse_incident_numbers(&form.incidents) {
        Ok(n) if n.is_empty() => {
            errors.push(FieldError::new(
                "incidents",
                "Link at least one incident, by number.",
            ));
            n
        }
        Ok(n) if n.len() > limits::INCIDENTS => {
            errors.push(FieldError::new(
                "incidents",
                format!("At most {} incidents.", limits::INCIDENTS),
            ));
            n
        }
        Ok(n) => n,
        Err(e) => {
            errors.push(FieldError::new("incidents", e));
            Vec::new()
        }
    };
    let source_line = match form.source_line.trim() {
        "" => None,
        text => match text.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                errors.push(FieldError::new(
                    "source_line",
                    "The transcript line is not a line id.",
                ));
                None
            }
        },
    };
    let source_event = Some(form.source_event.trim().to_string()).filter(|s| !s.is_empty());
    match (kind, priority, status) {
        (Some(kind), Some(priority), Some(status)) if errors.is_empty() => {
            Ok(CountermeasureContent {
                title,
                description,
                kind,
                priority,
                owner,
                due,
                status,
                wont_do_reason: if status == CmStatus::WontDo {
                    wont_do_reason
                } else {
                    String::new()
                },
                ticket_url,
                incidents,
                source_event,
                source_line,
            })
        }
        _ => Err(errors),
    }
}

/// Refuses a move to `to` that the rules forbid: "won't do" needs a reason.
pub fn check_move(to: CmStatus, reason: &str, owner: &str) -> Result<(), FieldError> {
    if to == CmStatus::WontDo && reason.trim().is_empty() {
        return Err(FieldError::new(
            "wont_do_reason",
            "Say why it won't be done before moving it to \"Won't do\".",
        ));
    }
    let mut errors = Vec::new();
    too_long(
        &mut errors,
        "wont_do_reason",
        "The reason",
        reason,
        limits::REASON,
    );
    if let Some(e) = errors.pop() {
        return Err(e);
    }
    if matches!(to, CmStatus::Accepted | CmStatus::InProgress) && owner.trim().is_empty() {
        return Err(FieldError::new(
            "owner",
            "Name an owner before accepting it or starting work on it.",
        ));
    }
    Ok(())
}

/// Past its due date and still open. Due on `today` is not yet overdue.
pub fn is_overdue(status: CmStatus, due: Option<NaiveDate>, today: NaiveDate) -> bool {
    status.is_open() && due.is_some_and(|d| d < today)
}

/// Days an open item has waited since it was filed.
pub fn age_days(created: NaiveDate, today: NaiveDate) -> i64 {
    (today - created).num_days().max(0)
}

/// An incident a countermeasure is linked to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkedIncident {
    pub number: i64,
    pub title: String,
}

/// A countermeasure as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Countermeasure {
    pub id: String,
    pub number: i64,
    pub version: i64,
    pub content: CountermeasureContent,
    pub incidents: Vec<LinkedIncident>,
    /// The number of the countermeasure this one was merged into.
    pub merged_into: Option<i64>,
    pub created_by: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub completed_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl Countermeasure {
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        is_overdue(self.content.status, self.content.due, today)
    }

    /// "CM-12".
    pub fn code(&self) -> String {
        format!("CM-{}", self.number)
    }

    /// The form that edits it, filled in.
    pub fn to_form(&self) -> CountermeasureForm {
        let c = &self.content;
        CountermeasureForm {
            title: c.title.clone(),
            description: c.description.clone(),
            kind: c.kind.code().into(),
            priority: c.priority.code().into(),
            owner: c.owner.clone(),
            due: c.due.map(|d| d.to_string()).unwrap_or_default(),
            status: c.status.code().into(),
            wont_do_reason: c.wont_do_reason.clone(),
            ticket_url: c.ticket_url.clone(),
            incidents: self
                .incidents
                .iter()
                .map(|i| i.number.to_string())
                .collect::<Vec<_>>()
                .join(", "),
            source_event: c.source_event.clone().unwrap_or_default(),
            source_line: c.source_line.map(|l| l.to_string()).unwrap_or_default(),
        }
    }
}

/// Which countermeasures the backlog shows. Every field narrows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BacklogFilter {
    pub owner: Option<String>,
    pub kind: Option<Kind>,
    pub status: Option<CmStatus>,
    /// Linked to this incident (number).
    pub incident: Option<i64>,
    /// Linked to an incident that affected this service.
    pub service: Option<String>,
    pub overdue: bool,
}

impl BacklogFilter {
    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> Self {
        let text = |k: &str| {
            get(k)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        BacklogFilter {
            owner: text("owner"),
            kind: text("kind").and_then(|v| Kind::parse(&v)),
            status: text("status").and_then(|v| CmStatus::parse(&v)),
            incident: text("incident").and_then(|v| v.trim_start_matches('#').parse().ok()),
            service: text("service"),
            overdue: text("overdue").is_some_and(|v| v == "1" || v == "on" || v == "yes"),
        }
    }

    pub fn to_params(&self) -> Vec<(&'static str, String)> {
        let mut p = Vec::new();
        if let Some(v) = &self.owner {
            p.push(("owner", v.clone()));
        }
        if let Some(v) = self.kind {
            p.push(("kind", v.code().to_string()));
        }
        if let Some(v) = self.status {
            p.push(("status", v.code().to_string()));
        }
        if let Some(v) = self.incident {
            p.push(("incident", v.to_string()));
        }
        if let Some(v) = &self.service {
            p.push(("service", v.clone()));
        }
        if self.overdue {
            p.push(("overdue", "1".to_string()));
        }
        p
    }
}

/// What changed between two versions, field by field, for the history.
pub fn changes(
    before: Option<&CountermeasureContent>,
    after: &CountermeasureContent,
) -> Vec<super::audit::FieldChange> {
    let text = |c: &CountermeasureContent| -> Vec<(&'static str, String)> {
        vec![
            ("title", c.title.clone()),
            ("description", c.description.clone()),
            ("kind", c.kind.label().to_string()),
            ("priority", c.priority.label().to_string()),
            ("owner", c.owner.clone()),
            ("due", c.due.map(|d| d.to_string()).unwrap_or_default()),
            ("status", c.status.label().to_string()),
            ("won't do reason", c.wont_do_reason.clone()),
            ("ticket", c.ticket_url.clone()),
            (
                "incidents",
                c.incidents
                    .iter()
                    .map(|n| format!("#{n}"))
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
        ]
    };
    let after_fields = text(after);
    let before_fields = before.map(text);
    after_fields
        .into_iter()
        .enumerate()
        .filter_map(|(i, (field, value))| {
            let old = before_fields
                .as_ref()
                .map(|b| b[i].1.clone())
                .unwrap_or_default();
            (old != value).then(|| super::audit::FieldChange {
                field: field.into(),
                before: old,
                after: value,
            })
        })
        .collect()
}

/// Words that say little about what a countermeasure is.
const STOP_WORDS: [&str; 24] = [
    "a", "an", "the", "and", "or", "of", "to", "for", "in", "on", "at", "by", "with", "when",
    "from", "is", "be", "add", "more", "new", "our", "we", "it", "that",
];

fn words(title: &str) -> Vec<String> {
    let mut out: Vec<String> = title
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() > 1 && !STOP_WORDS.contains(w))
        .map(|w| w.trim_end_matches('s').to_string())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// How alike two titles are: shared meaningful words over all of them
/// (Jaccard), 0 to 1.
pub fn title_similarity(a: &str, b: &str) -> f64 {
    let (a, b) = (words(a), words(b));
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let shared = a.iter().filter(|w| b.contains(w)).count();
    shared as f64 / (a.len() + b.len() - shared) as f64
}

/// Titles at least this alike are offered before filing a new one.
pub const SIMILAR: f64 = 0.3;

/// The candidates (id, title) alike enough to `title`, most alike first.
pub fn similar<'a>(title: &str, candidates: &'a [(i64, String)]) -> Vec<(&'a (i64, String), f64)> {
    let mut found: Vec<(&(i64, String), f64)> = candidates
        .iter()
        .map(|c| (c, title_similarity(title, &c.1)))
        .filter(|(_, s)| *s >= SIMILAR)
        .collect();
    found.sort_by(|a, b| b.1.total_cmp(&a.1));
    found
}

/// The board's work-in-progress limits when none are set: a team that
/// starts more than five things at once finishes few of them.
pub const DEFAULT_WIP: &str = "in_progress=5";

/// The largest work-in-progress limit a column takes.
pub const MAX_WIP: u32 = 1000;

/// Reads "accepted=8, in_progress=5" (as stored) into (column, limit)
/// pairs; an unknown column or a limit that is no number is refused by name.
pub fn parse_wip_limits(text: &str) -> Result<Vec<(CmStatus, u32)>, String> {
    let mut out = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (column, limit) = part
            .split_once('=')
            .ok_or_else(|| format!("{part:?}: write limits like in_progress=5."))?;
        let status = CmStatus::parse(column.trim()).ok_or_else(|| {
            format!(
                "{:?} is not a column; use one of {}.",
                column.trim(),
                CmStatus::codes()
            )
        })?;
        let limit = parse_wip_limit(limit).map_err(|m| format!("{}: {m}", status.label()))?;
        out.retain(|(c, _)| *c != status);
        out.push((status, limit));
    }
    out.sort();
    Ok(out)
}

fn parse_wip_limit(text: &str) -> Result<u32, String> {
    text.trim()
        .parse()
        .ok()
        .filter(|n| (1..=MAX_WIP).contains(n))
        .ok_or_else(|| {
            format!(
                "{:?} is not a limit: write a whole number from 1 to {MAX_WIP}, or leave it empty for no limit.",
                text.trim()
            )
        })
}

/// The stored form of the limits, in column order: "accepted=8, in_progress=5".
pub fn wip_limits_text(limits: &[(CmStatus, u32)]) -> String {
    let mut sorted = limits.to_vec();
    sorted.sort();
    sorted
        .iter()
        .map(|(s, l)| format!("{}={l}", s.code()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The limits from the settings form: one field per open column, empty for
/// no limit. A bad value is refused naming its column's field.
pub fn wip_limits_from_fields(
    fields: &[(CmStatus, &str)],
) -> Result<Vec<(CmStatus, u32)>, FieldError> {
    let mut out = Vec::new();
    for (status, text) in fields {
        if text.trim().is_empty() {
            continue;
        }
        let limit = parse_wip_limit(text).map_err(|message| FieldError {
            field: wip_field(*status),
            message: format!("{}: {message}", status.label()),
        })?;
        out.push((*status, limit));
    }
    out.sort();
    Ok(out)
}

/// The settings form's field for a column's limit: "wip_in_progress".
pub fn wip_field(status: CmStatus) -> String {
    format!("wip_{}", status.code())
}

/// Reads "CM-12", "cm 12" or "12" as a countermeasure number.
pub fn parse_code(text: &str) -> Option<i64> {
    let t = text.trim();
    let t = t
        .strip_prefix("CM")
        .or_else(|| t.strip_prefix("cm"))
        .or_else(|| t.strip_prefix("Cm"))
        .unwrap_or(t);
    t.trim_start_matches(['-', ' ', '#'])
        .parse()
        .ok()
        .filter(|n| *n > 0)
}

/// Whether `from` may be merged into `into`: two distinct items, neither
/// already merged. The refusal says why, for the merge form.
pub fn check_merge(from: &Countermeasure, into: &Countermeasure) -> Result<(), String> {
    if from.id == into.id {
        return Err(format!(
            "{} cannot be merged into itself; name the other countermeasure.",
            from.code()
        ));
    }
    if let Some(n) = from.merged_into {
        return Err(format!("{} was already merged into CM-{n}.", from.code()));
    }
    if let Some(n) = into.merged_into {
        return Err(format!(
            "{} was merged into CM-{n}; merge into CM-{n} instead.",
            into.code()
        ));
    }
    Ok(())
}

/// The incident numbers of `base` followed by those of `added` it lacks,
/// in order: what a merge or a link leaves linked.
pub fn union_incidents(base: &[i64], added: &[i64]) -> Vec<i64> {
    let mut out = base.to_vec();
    for n in added {
        if !out.contains(n) {
            out.push(*n);
        }
    }
    out.sort_unstable();
    out
}

/// The history line for a change of linked incidents ("#4, #9" to
/// "#2, #4, #9"), when there is one.
pub fn incident_change(before: &[i64], after: &[i64]) -> Option<super::audit::FieldChange> {
    let text = |ns: &[i64]| {
        ns.iter()
            .map(|n| format!("#{n}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    (before != after).then(|| super::audit::FieldChange {
        field: "incidents".into(),
        before: text(before),
        after: text(after),
    })
}

/// What each history records of merging `from` into `into`, which is then
/// linked to `incidents`: the merged item's "merged into" (naming the
/// survivor), and the survivor's "merged in" (naming the merged item)
/// followed by its change of incidents, if any.
pub fn merge_history(
    from: &Countermeasure,
    into: &Countermeasure,
    incidents: &[i64],
) -> (
    Vec<super::audit::FieldChange>,
    Vec<super::audit::FieldChange>,
) {
    let label = |c: &Countermeasure| format!("{} {}", c.code(), c.content.title);
    let merged = vec![super::audit::FieldChange {
        field: "merged into".into(),
        before: String::new(),
        after: label(into),
    }];
    let mut absorbed = vec![super::audit::FieldChange {
        field: "merged in".into(),
        before: String::new(),
        after: label(from),
    }];
    absorbed.extend(incident_change(&into.content.incidents, incidents));
    (merged, absorbed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_move_keeps_the_reason_within_its_limit() {
        let e = check_move(CmStatus::WontDo, &"r".repeat(limits::REASON + 1), "Robin").unwrap_err();
        assert_eq!(e.field, "wont_do_reason");
        assert!(e.message.contains("the limit is 2000"), "{}", e.message);
        assert!(check_move(CmStatus::WontDo, &"r".repeat(limits::REASON), "Robin").is_ok());
    }

    fn form() -> CountermeasureForm {
        CountermeasureForm {
            title: "Alert on checkout p99 above 800 ms".into(),
            kind: "detect_sooner".into(),
            priority: "high".into(),
            owner: "Robin".into(),
            due: "2026-12-31".into(),
            status: "accepted".into(),
            incidents: "12, #40 12".into(),
            ..CountermeasureForm::default()
        }
    }

    #[test]
    fn a_valid_form_becomes_content() {
        let c = validate(&form()).unwrap();
        assert_eq!(c.kind, Kind::DetectSooner);
        assert_eq!(c.status, CmStatus::Accepted);
        assert_eq!(c.incidents, vec![12, 40]);
        assert_eq!(c.due, NaiveDate::from_ymd_opt(2026, 12, 31));
        // No status given: proposed.
        let c = validate(&CountermeasureForm {
            status: String::new(),
            ..form()
        })
        .unwrap();
        assert_eq!(c.status, CmStatus::Proposed);
    }

    #[test]
    fn wont_do_needs_a_reason_and_keeps_it() {
        let refused = validate(&CountermeasureForm {
            status: "wont_do".into(),
            ..form()
        })
        .unwrap_err();
        assert_eq!(refused[0].field, "wont_do_reason");
        let c = validate(&CountermeasureForm {
            status: "wont_do".into(),
            wont_do_reason: "Covered by the new load balancer.".into(),
            ..form()
        })
        .unwrap();
        assert_eq!(c.wont_do_reason, "Covered by the new load balancer.");
        assert!(check_move(CmStatus::WontDo, " ", "Robin").is_err());
        assert!(check_move(CmStatus::WontDo, "Superseded", "").is_ok());
        assert!(check_move(CmStatus::InProgress, "", "").is_err());
        assert!(check_move(CmStatus::Done, "", "").is_ok());
    }

    #[test]
    fn every_bad_field_is_named() {
        let errors = validate(&CountermeasureForm {
            title: " ".into(),
            kind: "blame".into(),
            priority: String::new(),
            owner: String::new(),
            due: "31/12/2026".into(),
            ticket_url: "javascript:alert(1)".into(),
            incidents: "twelve".into(),
            ..form()
        })
        .unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "title",
                "kind",
                "priority",
                "owner",
                "due",
                "ticket_url",
                "incidents"
            ]
        );
        assert!(errors[1].message.contains("\"blame\" is not one of"));
        let long = validate(&CountermeasureForm {
            title: "x".repeat(201),
            ..form()
        })
        .unwrap_err();
        assert!(long[0].message.contains("201 characters; the limit is 200"));
    }

    #[test]
    fn overdue_is_open_and_past_due() {
        let d = |day| NaiveDate::from_ymd_opt(2026, 12, day);
        let today = d(10).unwrap();
        assert!(is_overdue(CmStatus::InProgress, d(9), today));
        assert!(!is_overdue(CmStatus::InProgress, d(10), today), "due today");
        assert!(!is_overdue(CmStatus::Done, d(1), today));
        assert!(!is_overdue(CmStatus::WontDo, d(1), today));
        assert!(!is_overdue(CmStatus::Proposed, None, today));
        assert_eq!(age_days(d(1).unwrap(), today), 9);
    }

    #[test]
    fn similar_titles_are_offered_most_alike_first() {
        let open = vec![
            (1, "Alert on checkout latency".to_string()),
            (2, "Runbook for the payments database failover".to_string()),
            (
                3,
                "Alerts for checkout p99 latency above target".to_string(),
            ),
        ];
        let found = similar("Add an alert when checkout latency rises", &open);
        let ids: Vec<i64> = found.iter().map(|(c, _)| c.0).collect();
        assert_eq!(ids, vec![1, 3]);
        assert!(title_similarity("", "anything").abs() < 1e-12);
        assert!((title_similarity("Checkout alerts", "checkout alert") - 1.0).abs() < 1e-12);
    }

    #[test]
    fn board_neighbours_follow_the_column_order() {
        assert_eq!(
            CmStatus::Proposed.neighbours(),
            (None, Some(CmStatus::Accepted))
        );
        assert_eq!(CmStatus::WontDo.neighbours(), (Some(CmStatus::Done), None));
    }

    #[test]
    fn wip_limits_read_and_write_in_column_order() {
        let limits = parse_wip_limits("in_progress=5, accepted = 8,in_progress=4").unwrap();
        assert_eq!(
            limits,
            vec![(CmStatus::Accepted, 8), (CmStatus::InProgress, 4)]
        );
        assert_eq!(wip_limits_text(&limits), "accepted=8, in_progress=4");
        assert_eq!(parse_wip_limits("").unwrap(), vec![]);
        assert!(
            parse_wip_limits("doing=3")
                .unwrap_err()
                .contains("not a column")
        );
        assert!(
            parse_wip_limits("accepted=0")
                .unwrap_err()
                .contains("1 to 1000")
        );
        assert!(
            parse_wip_limits("accepted")
                .unwrap_err()
                .contains("in_progress=5")
        );
    }

    #[test]
    fn wip_form_fields_name_the_column_that_is_wrong() {
        let ok = wip_limits_from_fields(&[
            (CmStatus::Proposed, ""),
            (CmStatus::InProgress, " 3 "),
            (CmStatus::Accepted, "10"),
        ])
        .unwrap();
        assert_eq!(
            ok,
            vec![(CmStatus::Accepted, 10), (CmStatus::InProgress, 3)]
        );
        let err = wip_limits_from_fields(&[(CmStatus::Accepted, "many")]).unwrap_err();
        assert_eq!(err.field, "wip_accepted");
        assert!(err.message.starts_with("Accepted: \"many\" is not a limit"));
        let err = wip_limits_from_fields(&[(CmStatus::InProgress, "1001")]).unwrap_err();
        assert_eq!(err.field, "wip_in_progress");
    }

    #[test]
    fn codes_read_with_or_without_the_prefix() {
        assert_eq!(parse_code("CM-12"), Some(12));
        assert_eq!(parse_code(" cm 7 "), Some(7));
        assert_eq!(parse_code("#3"), Some(3));
        assert_eq!(parse_code("3"), Some(3));
        assert_eq!(parse_code("CM-0"), None);
        assert_eq!(parse_code("twelve"), None);
    }

    fn stored(number: i64, merged_into: Option<i64>) -> Countermeasure {
        let now = chrono::Utc::now();
        Countermeasure {
            id: format!("id-{number}"),
            number,
            version: 1,
            content: validate(&form()).unwrap(),
            incidents: Vec::new(),
            merged_into,
            created_by: "Robin".into(),
            created_at: now,
            updated_at: now,
            completed_at: None,
        }
    }

    #[test]
    fn merges_need_two_distinct_unmerged_items() {
        assert!(check_merge(&stored(1, None), &stored(2, None)).is_ok());
        assert!(
            check_merge(&stored(1, None), &stored(1, None))
                .unwrap_err()
                .contains("into itself")
        );
        assert!(
            check_merge(&stored(1, Some(3)), &stored(2, None))
                .unwrap_err()
                .contains("already merged into CM-3")
        );
        assert!(
            check_merge(&stored(1, None), &stored(2, Some(4)))
                .unwrap_err()
                .contains("merge into CM-4 instead")
        );
    }

    #[test]
    fn linked_incidents_are_united_without_repeats() {
        assert_eq!(union_incidents(&[4, 9], &[9, 2]), vec![2, 4, 9]);
        assert_eq!(union_incidents(&[], &[]), Vec::<i64>::new());
    }

    #[test]
    fn a_merge_is_told_in_both_histories() {
        let mut from = stored(1, None);
        from.content.incidents = vec![9, 2];
        let mut into = stored(2, None);
        into.content.title = "Runbook for failover".into();
        into.content.incidents = vec![4, 9];
        let incidents = union_incidents(&into.content.incidents, &from.content.incidents);
        let (merged, absorbed) = merge_history(&from, &into, &incidents);
        let line = |field: &str, before: &str, after: &str| super::super::audit::FieldChange {
            field: field.into(),
            before: before.into(),
            after: after.into(),
        };
        assert_eq!(
            merged,
            vec![line("merged into", "", "CM-2 Runbook for failover")]
        );
        assert_eq!(
            absorbed,
            vec![
                line("merged in", "", "CM-1 Alert on checkout p99 above 800 ms"),
                line("incidents", "#4, #9", "#2, #4, #9"),
            ]
        );
        // Nothing new linked: the survivor's history says only what merged in.
        let (_, absorbed) = merge_history(&from, &into, &into.content.incidents);
        assert_eq!(absorbed.len(), 1);
        assert_eq!(incident_change(&[1], &[1]), None);
    }
}
