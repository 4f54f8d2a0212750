//! Turning a typed incident form into validated content, or into every reason
//! it was refused.

use super::incident::{Cynefin, CynefinPair, DetectionMethod, IncidentContent, Severity, Status};
use super::incident_form::{FieldError, IncidentForm, limits};
use super::moments::{KeyMoment, KeyMoments, Moment};
use super::zone::{parse_time_in_zone, parse_zone};

/// Validates a whole form. On failure, returns every field error found, so the
/// author can fix them all at once.
pub fn validate_incident(form: &IncidentForm) -> Result<IncidentContent, Vec<FieldError>> {
    let mut errors = Vec::new();

    let title = form.title.trim().to_string();
    if title.is_empty() {
        errors.push(FieldError::new(
            "title",
            "Give the incident a title, e.g. \"Checkout latency after the cache deploy\".",
        ));
    }
    check_length(&mut errors, "title", "The title", &title, limits::TITLE);
    check_one_line(&mut errors, "title", "The title", &title);

    let severity = required_choice(
        &mut errors,
        "severity",
        "severity",
        &form.severity,
        Severity::parse,
        Severity::codes,
    );
    let status = required_choice(
        &mut errors,
        "status",
        "status",
        &form.status,
        Status::parse,
        Status::codes,
    );
    let detection_method = optional_choice(
        &mut errors,
        "detection_method",
        "detection method",
        &form.detection_method,
        DetectionMethod::parse,
        DetectionMethod::codes,
    );

    let services = parse_services(&mut errors, &form.services);

    let commander = form.commander.trim().to_string();
    check_length(
        &mut errors,
        "commander",
        "The incident commander",
        &commander,
        limits::PERSON,
    );
    check_one_line(
        &mut errors,
        "commander",
        "The incident commander",
        &commander,
    );
    let facilitator = form.facilitator.trim().to_string();
    check_length(
        &mut errors,
        "facilitator",
        "The review facilitator",
        &facilitator,
        limits::PERSON,
    );
    check_one_line(
        &mut errors,
        "facilitator",
        "The review facilitator",
        &facilitator,
    );

    if form.summary.len() > limits::SUMMARY {
        errors.push(FieldError::new(
            "summary",
            format!(
                "The summary is {} bytes; the limit is {} bytes ({} KB). Move long material such as logs into the timeline or an attachment.",
                form.summary.len(),
                limits::SUMMARY,
                limits::SUMMARY / 1000
            ),
        ));
    }

    let cynefin_first = optional_choice(
        &mut errors,
        "cynefin_first",
        "first-reading Cynefin domain",
        &form.cynefin_first,
        Cynefin::parse,
        Cynefin::codes,
    );
    let cynefin_hindsight = optional_choice(
        &mut errors,
        "cynefin_hindsight",
        "hindsight Cynefin domain",
        &form.cynefin_hindsight,
        Cynefin::parse,
        Cynefin::codes,
    );
    let first_note = form.cynefin_first_note.trim().to_string();
    check_length(
        &mut errors,
        "cynefin_first_note",
        "The note",
        &first_note,
        limits::NOTE,
    );
    let hindsight_note = form.cynefin_hindsight_note.trim().to_string();
    check_length(
        &mut errors,
        "cynefin_hindsight_note",
        "The note",
        &hindsight_note,
        limits::NOTE,
    );

    let zone_name = if form.time_zone.trim().is_empty() {
        "UTC"
    } else {
        form.time_zone.trim()
    };
    let zone = match parse_zone(zone_name) {
        Ok(zone) => Some(zone),
        Err(message) => {
            errors.push(FieldError::new("time_zone", message));
            None
        }
    };

    let mut moments = KeyMoments::default();
    let mut moments_readable = zone.is_some();
    if let Some(zone) = zone {
        for moment in KeyMoment::ALL {
            let input = form.moment(moment);
            if input.at.trim().is_empty() {
                if input.is_estimated() {
                    errors.push(FieldError::new(
                        IncidentForm::moment_field(moment),
                        format!("\"{}\" is marked as an estimate but has no time; give the best estimate or untick the box.", moment.label()),
                    ));
                }
                continue;
            }
            match parse_time_in_zone(&input.at, zone) {
                Ok(at) => moments.set(
                    moment,
                    Some(Moment {
                        at,
                        estimated: input.is_estimated(),
                    }),
                ),
                Err(message) => {
                    moments_readable = false;
                    errors.push(FieldError::new(
                        IncidentForm::moment_field(moment),
                        format!("{}: {message}", moment.label()),
                    ));
                }
            }
        }
    }
    if moments_readable && let Err(out_of_order) = moments.check_order() {
        errors.push(FieldError::new(
            IncidentForm::moment_field(out_of_order.later),
            out_of_order.to_string(),
        ));
    }

    match (severity, status) {
        (Some(severity), Some(status)) if errors.is_empty() => Ok(IncidentContent {
            title,
            severity,
            status,
            services,
            commander,
            facilitator,
            detection_method,
            time_zone: zone_name.to_string(),
            summary_markdown: form.summary.clone(),
            moments,
            cynefin: CynefinPair {
                first: cynefin_first,
                first_note,
                hindsight: cynefin_hindsight,
                hindsight_note,
            },
        }),
        _ => Err(errors),
    }
}

fn check_length(errors: &mut Vec<FieldError>, field: &str, what: &str, value: &str, limit: usize) {
    let chars = value.chars().count();
    if chars > limit {
        errors.push(FieldError::new(
            field,
            format!("{what} is {chars} characters; the limit is {limit}."),
        ));
    }
}

/// A one-line field holds no line breaks or other control characters (they
/// would break lists, exports and the .ics invitation).
fn check_one_line(errors: &mut Vec<FieldError>, field: &str, what: &str, value: &str) {
    if value.chars().any(char::is_control) {
        errors.push(FieldError::new(
            field,
            format!("{what} is one line: remove the line breaks and control characters."),
        ));
    }
}

fn required_choice<T>(
    errors: &mut Vec<FieldError>,
    field: &str,
    what: &str,
    value: &str,
    parse: impl Fn(&str) -> Option<T>,
    codes: impl Fn() -> String,
) -> Option<T> {
    if value.trim().is_empty() {
        errors.push(FieldError::new(
            field,
            format!("Choose a {what} ({}).", codes()),
        ));
        return None;
    }
    optional_choice(errors, field, what, value, parse, codes)
}

fn optional_choice<T>(
    errors: &mut Vec<FieldError>,
    field: &str,
    what: &str,
    value: &str,
    parse: impl Fn(&str) -> Option<T>,
    codes: impl Fn() -> String,
) -> Option<T> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    let parsed = parse(value);
    if parsed.is_none() {
        errors.push(FieldError::new(
            field,
            format!("\"{value}\" is not a {what}; choose one of: {}.", codes()),
        ));
    }
    parsed
}

fn parse_services(errors: &mut Vec<FieldError>, raw: &str) -> Vec<String> {
    let mut services: Vec<String> = Vec::new();
    for service in raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        if service.chars().count() > limits::SERVICE {
            errors.push(FieldError::new(
                "services",
                format!(
                    "The service name \"{}…\" is longer than {} characters.",
                    service.chars().take(20).collect::<String>(),
                    limits::SERVICE
                ),
            ));
            continue;
        }
        if service.chars().any(char::is_control) {
            errors.push(FieldError::new(
                "services",
                "Service names cannot contain control characters.",
            ));
            continue;
        }
        if !services.iter().any(|s| s.eq_ignore_ascii_case(service)) {
            services.push(service.to_string());
        }
    }
    if services.len() > limits::SERVICES {
        errors.push(FieldError::new(
            "services",
            format!(
                "{} services listed; the limit is {}. Name the services users noticed.",
                services.len(),
                limits::SERVICES
            ),
        ));
    }
    services
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::incident_form::MomentInput;

    fn form() -> IncidentForm {
        IncidentForm {
            title: "  Checkout latency after cache deploy ".into(),
            severity: "degradation".into(),
            status: "investigating".into(),
            services: "checkout, payments ,checkout,".into(),
            time_zone: "Europe/Paris".into(),
            ..IncidentForm::default()
        }
    }

    fn at(s: &str) -> MomentInput {
        MomentInput {
            at: s.into(),
            estimated: None,
        }
    }

    fn fields(errors: &[FieldError]) -> Vec<&str> {
        errors.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn a_minimal_form_validates_and_normalizes() {
        let content = validate_incident(&form()).unwrap();
        assert_eq!(content.title, "Checkout latency after cache deploy");
        assert_eq!(content.severity, Severity::Degradation);
        assert_eq!(content.services, vec!["checkout", "payments"]);
        assert_eq!(content.moments, KeyMoments::default());
        assert_eq!(content.time_zone, "Europe/Paris");
    }

    #[test]
    fn moments_are_read_in_the_incident_zone_with_estimates() {
        let mut f = form();
        f.impact_started = MomentInput {
            at: "2026-03-04 14:00".into(),
            estimated: Some("on".into()),
        };
        f.detected = at("2026-03-04 14:06:30");
        let content = validate_incident(&f).unwrap();
        let impact = content.moments.get(KeyMoment::ImpactStarted).unwrap();
        assert_eq!(impact.at.to_rfc3339(), "2026-03-04T13:00:00+00:00");
        assert!(impact.estimated);
        assert!(!content.moments.get(KeyMoment::Detected).unwrap().estimated);
    }

    #[test]
    fn out_of_order_moments_are_refused_naming_both() {
        let mut f = form();
        f.impact_started = at("2026-03-04 14:00");
        f.detected = at("2026-03-04 13:59");
        let errors = validate_incident(&f).unwrap_err();
        assert_eq!(fields(&errors), vec!["detected.at"]);
        assert!(
            errors[0].message.contains("Detected") && errors[0].message.contains("Impact started")
        );
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let f = IncidentForm {
            title: " ".into(),
            severity: "catastrophic".into(),
            status: "".into(),
            time_zone: "Nowhere/Land".into(),
            cynefin_first: "simple".into(),
            ..IncidentForm::default()
        };
        let errors = validate_incident(&f).unwrap_err();
        assert_eq!(
            fields(&errors),
            vec!["title", "severity", "status", "cynefin_first", "time_zone"]
        );
        assert!(errors[1].message.contains("blip, degradation, outage"));
    }

    #[test]
    fn limits_are_enforced_with_the_numbers_in_the_message() {
        let mut f = form();
        f.title = "x".repeat(limits::TITLE + 1);
        f.summary = "y".repeat(limits::SUMMARY + 1);
        f.services = (0..=limits::SERVICES)
            .map(|i| format!("svc{i}"))
            .collect::<Vec<_>>()
            .join(",");
        let errors = validate_incident(&f).unwrap_err();
        assert_eq!(fields(&errors), vec!["title", "services", "summary"]);
        assert!(
            errors[0]
                .message
                .contains("201 characters; the limit is 200")
        );
    }

    #[test]
    fn unreadable_moment_times_name_the_moment_and_skip_the_order_check() {
        let mut f = form();
        f.impact_started = at("2026-03-04 14:00");
        f.detected = at("around two");
        f.notified = at("2026-03-04 13:00");
        let errors = validate_incident(&f).unwrap_err();
        assert_eq!(fields(&errors), vec!["detected.at"]);
        assert!(errors[0].message.starts_with("Detected:"));
    }

    #[test]
    fn an_estimate_without_a_time_is_refused() {
        let mut f = form();
        f.repaired = MomentInput {
            at: "".into(),
            estimated: Some("on".into()),
        };
        let errors = validate_incident(&f).unwrap_err();
        assert_eq!(fields(&errors), vec!["repaired.at"]);
    }
}
