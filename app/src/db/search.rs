//! Full-text search (FTS5, migration 0013): one index of incidents,
//! timeline events, post-mortems and countermeasures kept by triggers, and
//! one of transcript lines filled in the import's transaction. Also
//! "related incidents" and "this week in past years".

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{QueryBuilder, Row, Sqlite};

use super::{Db, DbError, from_epoch, to_epoch};
use crate::domain::incident::IncidentNumber;
use crate::domain::search::{
    MARK_END, MARK_START, RESULT_LIMIT, SearchKind, SearchQuery, all_terms, any_term,
    candidate_terms, phrase, terms,
};

/// One result, before the page shapes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub kind: SearchKind,
    /// The incident's number (a countermeasure's own number).
    pub number: i64,
    /// The indexed record's id: an event's, a line's.
    pub reference: String,
    pub at: DateTime<Utc>,
    /// The incident's (or countermeasure's) title.
    pub title: String,
    /// The matching text with the matches between [`MARK_START`] and
    /// [`MARK_END`], not yet escaped.
    pub snippet: String,
    /// The whole phrase matched, in order.
    pub exact: bool,
    /// bm25: lower is better.
    pub score: f64,
    /// For a transcript line: the review page it is on.
    pub page: Option<i64>,
}

/// A past incident like another one.
#[derive(Debug, Clone, PartialEq)]
pub struct RelatedRow {
    pub number: i64,
    pub title: String,
    pub started_at: DateTime<Utc>,
    pub shared_services: Vec<String>,
    pub shared_terms: Vec<String>,
    /// Its countermeasures: (number, title, status code).
    pub countermeasures: Vec<(i64, String, String)>,
}

fn push_dates(q: &mut QueryBuilder<'_, Sqlite>, column: &str, query: &SearchQuery) {
    let day_start = |d: NaiveDate| to_epoch(d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc());
    if let Some(from) = query.from {
        q.push(format!(" AND {column} >= "))
            .push_bind(day_start(from));
    }
    if let Some(to) = query.to.and_then(|d| d.succ_opt()) {
        q.push(format!(" AND {column} < ")).push_bind(day_start(to));
    }
}

fn snippet_marks() -> String {
    format!("'{MARK_START}', '{MARK_END}'")
}

/// Imports of up to this many lines are indexed for search in their own
/// transaction; larger ones right after it (indexing a million lines takes
/// about as long as storing them).
pub const INDEX_IN_IMPORT_LINES: u64 = 50_000;

/// Puts the lines of one imported transcript into the search index, in
/// the import's transaction (one statement, not a trigger per line).
pub(super) async fn index_transcript_lines(
    tx: &mut sqlx::Transaction<'static, Sqlite>,
    transcript_key: i64,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO line_search (rowid, author, text) \
         SELECT id, author, text FROM transcript_lines WHERE transcript_id = ?",
    )
    .bind(transcript_key)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Below this many documents per term, a shared term always counts as
/// distinctive (a small database has no "common" terms to speak of).
const COMMON_TERM_FLOOR: i64 = 10;

/// The most incidents one distinctive term (or the shared services) brings
/// in: enough to rank the few shown, bounded however large the database
/// grows.
const TERM_MATCH_LIMIT: i64 = 500;

impl Db {
    /// Indexes the lines of every transcript imported but not yet indexed,
    /// one transcript per transaction; returns how many lines it indexed.
    pub async fn index_pending_transcripts(&self) -> Result<u64, DbError> {
        let mut lines = 0;
        loop {
            let mut tx = self.write().await?;
            let next: Option<(i64, i64)> = sqlx::query_as(
                "SELECT id, line_count FROM transcripts WHERE search_indexed = 0 ORDER BY id LIMIT 1",
            )
            .fetch_optional(&mut *tx)
            .await?;
            let Some((key, count)) = next else {
                return Ok(lines);
            };
            index_transcript_lines(&mut tx, key).await?;
            sqlx::query("UPDATE transcripts SET search_indexed = 1 WHERE id = ?")
                .bind(key)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            lines += count as u64;
        }
    }

    /// Transcript lines imported but not yet searchable.
    pub async fn lines_pending_search(&self) -> Result<i64, DbError> {
        Ok(sqlx::query_scalar(
            "SELECT COALESCE(SUM(line_count), 0) FROM transcripts WHERE search_indexed = 0",
        )
        .fetch_one(&self.pool)
        .await?)
    }

    /// Results for a query: the exact phrase first, then by relevance.
    pub async fn search(&self, query: &SearchQuery) -> Result<Vec<Hit>, DbError> {
        let words = terms(&query.text);
        let (Some(all), Some(exact)) = (all_terms(&words), phrase(&words)) else {
            return Ok(Vec::new());
        };
        let mut hits = Vec::new();
        if query.kind != Some(SearchKind::Line) {
            let mut q = QueryBuilder::<Sqlite>::new(format!(
                "SELECT r.kind, d.number, r.ref, d.at, d.title, \
                 snippet(search_docs, -1, {}, '…', 16) AS snip, \
                 d.rowid IN (SELECT rowid FROM search_docs WHERE search_docs MATCH ",
                snippet_marks()
            ));
            q.push_bind(exact.clone())
                .push(
                    ") AS exact, bm25(search_docs, 0, 0, 4.0, 1.0) AS score, \
                       (SELECT title FROM incidents WHERE number = d.number) AS incident_title \
                       FROM search_docs d JOIN search_refs r ON r.docid = d.rowid \
                       WHERE search_docs MATCH ",
                )
                .push_bind(all.clone());
            if let Some(kind) = query.kind {
                q.push(" AND r.kind = ").push_bind(kind.code());
            }
            push_dates(&mut q, "d.at", query);
            q.push(" ORDER BY exact DESC, score LIMIT ")
                .push_bind(RESULT_LIMIT as i64);
            for row in q.build().fetch_all(&self.pool).await? {
                let code: String = row.try_get("kind")?;
                let kind = SearchKind::parse(&code)
                    .ok_or_else(|| super::stored_value("search_refs", "kind", &code))?;
                let own_title: String = row.try_get("title")?;
                let title = match kind {
                    SearchKind::Countermeasure => own_title,
                    _ => row
                        .try_get::<Option<String>, _>("incident_title")?
                        .unwrap_or(own_title),
                };
                hits.push(Hit {
                    kind,
                    number: row.try_get("number")?,
                    reference: row.try_get("ref")?,
                    at: from_epoch(row.try_get("at")?),
                    title,
                    snippet: row.try_get("snip")?,
                    exact: row.try_get("exact")?,
                    score: row.try_get("score")?,
                    page: None,
                });
            }
        }
        if query.kind.is_none() || query.kind == Some(SearchKind::Line) {
            let mut q = QueryBuilder::<Sqlite>::new(format!(
                "SELECT l.id, l.incident_no, l.at, l.kind AS line_kind, \
                 snippet(line_search, -1, {}, '…', 16) AS snip, \
                 s.rowid IN (SELECT rowid FROM line_search WHERE line_search MATCH ",
                snippet_marks()
            ));
            q.push_bind(exact)
                .push(
                    ") AS exact, bm25(line_search, 0.5, 1.0) AS score, i.title \
                       FROM line_search s JOIN transcript_lines l ON l.id = s.rowid \
                       JOIN incidents i ON i.number = l.incident_no \
                       WHERE line_search MATCH ",
                )
                .push_bind(all)
                .push(" AND l.duplicate_of IS NULL");
            push_dates(&mut q, "l.at", query);
            q.push(" ORDER BY exact DESC, score LIMIT ")
                .push_bind(RESULT_LIMIT as i64);
            let rows = q.build().fetch_all(&self.pool).await?;
            for row in rows {
                let id: i64 = row.try_get("id")?;
                let number: i64 = row.try_get("incident_no")?;
                let at: i64 = row.try_get("at")?;
                let presence = matches!(
                    row.try_get::<String, _>("line_kind")?.as_str(),
                    "join" | "part" | "quit"
                );
                hits.push(Hit {
                    kind: SearchKind::Line,
                    number,
                    reference: id.to_string(),
                    at: from_epoch(at),
                    title: row.try_get("title")?,
                    snippet: row.try_get("snip")?,
                    exact: row.try_get("exact")?,
                    score: row.try_get("score")?,
                    page: (!presence).then_some(self.review_position(number, id).await?),
                });
            }
        }
        hits.sort_by(|a, b| b.exact.cmp(&a.exact).then(a.score.total_cmp(&b.score)));
        hits.truncate(RESULT_LIMIT);
        Ok(hits)
    }

    /// How many lines come before line `id` in the incident's review (its
    /// default view: duplicates and joins left out), to link to its page.
    async fn review_position(&self, number: i64, id: i64) -> Result<i64, DbError> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM transcript_lines l, transcript_lines me \
             WHERE me.id = ? AND l.incident_no = ? AND l.duplicate_of IS NULL \
             AND l.kind NOT IN ('join', 'part', 'quit') \
             AND (l.at, l.transcript_id, l.line_no) < (me.at, me.transcript_id, me.line_no)",
        )
        .bind(id)
        .bind(number)
        .fetch_one(&self.pool)
        .await?)
    }

    /// Earlier incidents like incident `number`: sharing an affected service
    /// or one of its distinctive terms (words few documents hold), with their
    /// countermeasures. Most alike first, at most `limit`.
    pub async fn related_incidents(
        &self,
        number: IncidentNumber,
        limit: usize,
    ) -> Result<Vec<RelatedRow>, DbError> {
        let row = sqlx::query(
            "SELECT id, title, summary_markdown, started_at FROM incidents WHERE number = ?",
        )
        .bind(number.0)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(DbError::NotFound)?;
        let id: String = row.try_get("id")?;
        let started: i64 = row.try_get("started_at")?;
        let text = format!(
            "{} {}",
            row.try_get::<String, _>("title")?,
            row.try_get::<String, _>("summary_markdown")?
        );
        // Shared services: the incidents sharing the most, counted in SQL
        // (a common service is shared by thousands of incidents; only the
        // best few can be shown).
        let mut shared: BTreeMap<i64, Vec<String>> = BTreeMap::new();
        let rows = sqlx::query(
            "SELECT i.number, group_concat(s.service, ',') AS services FROM incident_services mine \
             JOIN incident_services s ON s.service = mine.service AND s.incident_id <> mine.incident_id \
             JOIN incidents i ON i.id = s.incident_id \
             WHERE mine.incident_id = ? AND i.started_at < ? \
             GROUP BY i.number ORDER BY COUNT(*) DESC, i.number DESC LIMIT ?",
        )
        .bind(&id)
        .bind(started)
        .bind(TERM_MATCH_LIMIT)
        .fetch_all(&self.pool)
        .await?;
        for r in rows {
            // Service names hold no commas (the form splits on them).
            let services: String = r.try_get("services")?;
            shared.insert(
                r.try_get("number")?,
                services.split(',').map(str::to_string).collect(),
            );
        }
        // Distinctive terms: candidates held by at least one other document
        // and by few, rarest first.
        let candidates = candidate_terms(&text);
        // A term in more than one document of twenty says little about this
        // incident (and matching it would read a large share of the index on
        // every page view); small databases keep every shared term.
        let documents: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM search_refs")
            .fetch_one(&self.pool)
            .await?;
        let common = (documents / 20).max(COMMON_TERM_FLOOR);
        let mut counted: Vec<(String, i64)> = Vec::new();
        for term in candidates.iter().take(40) {
            let docs: Option<i64> =
                sqlx::query_scalar("SELECT doc FROM search_terms WHERE term = ?")
                    .bind(term)
                    .fetch_optional(&self.pool)
                    .await?;
            if let Some(docs) = docs.filter(|d| (2..=common).contains(d)) {
                counted.push((term.clone(), docs));
            }
        }
        counted.sort_by_key(|(_, docs)| *docs);
        let distinctive: Vec<String> = counted.into_iter().take(6).map(|(t, _)| t).collect();
        let mut by_terms: HashMap<i64, Vec<String>> = HashMap::new();
        for term in &distinctive {
            let Some(query) = any_term(std::slice::from_ref(term)) else {
                continue;
            };
            let numbers: Vec<i64> = sqlx::query_scalar(
                "SELECT DISTINCT d.number FROM search_docs d JOIN search_refs r ON r.docid = d.rowid \
                 JOIN incidents i ON i.number = d.number \
                 WHERE search_docs MATCH ? AND r.kind IN ('incident', 'event', 'postmortem') \
                 AND d.number <> ? AND i.started_at < ? LIMIT ?",
            )
            .bind(query)
            .bind(number.0)
            .bind(started)
            .bind(TERM_MATCH_LIMIT)
            .fetch_all(&self.pool)
            .await?;
            for n in numbers {
                by_terms.entry(n).or_default().push(term.clone());
            }
        }
        let mut scored: Vec<(i64, Vec<String>, Vec<String>)> = shared
            .keys()
            .chain(by_terms.keys())
            .copied()
            .collect::<std::collections::BTreeSet<i64>>()
            .into_iter()
            .map(|n| {
                (
                    n,
                    shared.remove(&n).unwrap_or_default(),
                    by_terms.remove(&n).unwrap_or_default(),
                )
            })
            .collect();
        // A shared service counts twice a shared term; newer first on ties.
        scored.sort_by_key(|(n, services, words)| {
            (
                std::cmp::Reverse(services.len() * 2 + words.len()),
                std::cmp::Reverse(*n),
            )
        });
        scored.truncate(limit);
        let mut out = Vec::with_capacity(scored.len());
        for (n, shared_services, shared_terms) in scored {
            let row = sqlx::query("SELECT title, started_at FROM incidents WHERE number = ?")
                .bind(n)
                .fetch_one(&self.pool)
                .await?;
            let countermeasures: Vec<(i64, String, String)> = sqlx::query_as(
                "SELECT c.number, c.title, c.status FROM countermeasures c \
                 JOIN countermeasure_incidents ci ON ci.countermeasure_id = c.id \
                 JOIN incidents i ON i.id = ci.incident_id \
                 WHERE i.number = ? AND c.merged_into IS NULL ORDER BY c.number",
            )
            .bind(n)
            .fetch_all(&self.pool)
            .await?;
            out.push(RelatedRow {
                number: n,
                title: row.try_get("title")?,
                started_at: from_epoch(row.try_get("started_at")?),
                shared_services,
                shared_terms,
                countermeasures,
            });
        }
        Ok(out)
    }

    /// Incidents that started in the given day ranges (inclusive), oldest
    /// range last: (number, title, started).
    pub async fn incidents_between(
        &self,
        ranges: &[(NaiveDate, NaiveDate)],
    ) -> Result<Vec<(i64, String, DateTime<Utc>)>, DbError> {
        let mut out = Vec::new();
        for (from, to) in ranges {
            let start = to_epoch(from.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc());
            let end = to_epoch(
                to.succ_opt()
                    .unwrap_or(*to)
                    .and_hms_opt(0, 0, 0)
                    .unwrap_or_default()
                    .and_utc(),
            );
            let rows: Vec<(i64, String, i64)> = sqlx::query_as(
                "SELECT number, title, started_at FROM incidents \
                 WHERE started_at >= ? AND started_at < ? ORDER BY started_at",
            )
            .bind(start)
            .bind(end)
            .fetch_all(&self.pool)
            .await?;
            out.extend(rows.into_iter().map(|(n, t, s)| (n, t, from_epoch(s))));
        }
        Ok(out)
    }
}
