//! Countermeasures for the trackers teams already use: a CSV that Jira's
//! CSV importer reads, and JSON in the shape GitHub's "create an issue" API
//! takes (one object per issue).

use serde::Serialize;

use super::countermeasure::Countermeasure;
use super::incident::Cynefin;
use super::report_export::csv_cell;

/// What an export needs of a linked incident beyond its number: its
/// Cynefin readings, for the labels.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IncidentTags {
    pub number: i64,
    pub first: Option<Cynefin>,
    pub hindsight: Option<Cynefin>,
}

/// Labels for one item: its incidents, its kind, and the Cynefin readings
/// of its incidents. Jira labels hold no spaces.
pub fn labels(item: &Countermeasure, tags: &[IncidentTags]) -> Vec<String> {
    let mut out = vec!["debrief".to_string()];
    for i in &item.incidents {
        out.push(format!("incident-{}", i.number));
    }
    out.push(format!("kind-{}", item.content.kind.code()));
    for t in tags
        .iter()
        .filter(|t| item.incidents.iter().any(|i| i.number == t.number))
    {
        if let Some(c) = t.first {
            out.push(format!("cynefin-first-{}", c.code()));
        }
        if let Some(c) = t.hindsight {
            out.push(format!("cynefin-hindsight-{}", c.code()));
        }
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|l| seen.insert(l.clone()));
    out
}

fn body(item: &Countermeasure, link_base: &str) -> String {
    let c = &item.content;
    let mut text = String::new();
    if !c.description.is_empty() {
        text.push_str(&c.description);
        text.push_str("\n\n");
    }
    let incidents: Vec<String> = item
        .incidents
        .iter()
        .map(|i| {
            format!(
                "#{} {} ({link_base}/incidents/{})",
                i.number, i.title, i.number
            )
        })
        .collect();
    text.push_str(&format!(
        "From Debrief {} ({link_base}/countermeasures/{}). Kind: {}. Owner: {}. Incidents: {}.",
        item.code(),
        item.number,
        c.kind.label(),
        if c.owner.is_empty() {
            "none yet"
        } else {
            &c.owner
        },
        incidents.join("; ")
    ));
    text
}

/// The Jira CSV: Summary, Description, Issue Type, Priority, Due date (in
/// yyyy-MM-dd; tell the importer that format) and one Labels column per
/// label (Jira reads repeated columns as several values).
pub fn jira_csv(items: &[Countermeasure], tags: &[IncidentTags], link_base: &str) -> String {
    let all_labels: Vec<Vec<String>> = items.iter().map(|i| labels(i, tags)).collect();
    let width = all_labels.iter().map(Vec::len).max().unwrap_or(1).max(1);
    let mut header = vec![
        "Summary",
        "Description",
        "Issue Type",
        "Priority",
        "Due date",
    ];
    header.extend(std::iter::repeat_n("Labels", width));
    let mut out = header.join(",");
    out.push_str("\r\n");
    for (item, labels) in items.iter().zip(&all_labels) {
        let c = &item.content;
        let mut cells = vec![
            csv_cell(&c.title),
            csv_cell(&body(item, link_base)),
            "Task".to_string(),
            c.priority.jira().to_string(),
            c.due.map(|d| d.to_string()).unwrap_or_default(),
        ];
        for i in 0..width {
            cells.push(labels.get(i).map(|l| csv_cell(l)).unwrap_or_default());
        }
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

/// One issue as GitHub's `POST /repos/{owner}/{repo}/issues` takes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GithubIssue {
    pub title: String,
    pub body: String,
    pub labels: Vec<String>,
}

pub fn github_json(items: &[Countermeasure], tags: &[IncidentTags], link_base: &str) -> String {
    let issues: Vec<GithubIssue> = items
        .iter()
        .map(|item| {
            let mut body = body(item, link_base);
            if let Some(due) = item.content.due {
                body.push_str(&format!(" Due {due}."));
            }
            body.push_str(&format!(" Priority: {}.", item.content.priority.label()));
            GithubIssue {
                title: item.content.title.clone(),
                body,
                labels: labels(item, tags),
            }
        })
        .collect();
    serde_json::to_string_pretty(&issues).unwrap_or_else(|_| "[]".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::countermeasure::{
        CmStatus, CountermeasureContent, Kind, LinkedIncident, Priority,
    };
    use chrono::{NaiveDate, TimeZone, Utc};

    fn item(title: &str, description: &str) -> Countermeasure {
        let at = Utc.with_ymd_and_hms(2026, 3, 4, 12, 0, 0).unwrap();
        Countermeasure {
            id: "x".into(),
            number: 7,
            version: 1,
            content: CountermeasureContent {
                title: title.into(),
                description: description.into(),
                kind: Kind::DetectSooner,
                priority: Priority::Urgent,
                owner: "Robin".into(),
                due: NaiveDate::from_ymd_opt(2026, 4, 1),
                status: CmStatus::Accepted,
                wont_do_reason: String::new(),
                ticket_url: String::new(),
                incidents: vec![12],
                source_event: None,
                source_line: None,
            },
            incidents: vec![LinkedIncident {
                number: 12,
                title: "Checkout latency".into(),
            }],
            merged_into: None,
            created_by: "Editor".into(),
            created_at: at,
            updated_at: at,
            completed_at: None,
        }
    }

    #[test]
    fn labels_carry_incident_kind_and_cynefin() {
        let tags = [IncidentTags {
            number: 12,
            first: Some(Cynefin::Complicated),
            hindsight: Some(Cynefin::Complex),
        }];
        assert_eq!(
            labels(&item("t", ""), &tags),
            [
                "debrief",
                "incident-12",
                "kind-detect_sooner",
                "cynefin-first-complicated",
                "cynefin-hindsight-complex"
            ]
        );
    }

    #[test]
    fn github_issues_have_title_body_and_labels() {
        let json = github_json(
            &[item("Alert sooner", "See **graph**")],
            &[],
            "https://debrief.example",
        );
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v[0]["title"], "Alert sooner");
        let body = v[0]["body"].as_str().unwrap();
        assert!(body.starts_with("See **graph**"));
        assert!(body.contains("https://debrief.example/incidents/12"));
        assert!(body.contains("Due 2026-04-01.") && body.contains("Priority: Urgent."));
        assert_eq!(v[0]["labels"][1], "incident-12");
    }
}
