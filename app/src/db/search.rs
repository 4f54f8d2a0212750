//! Full-text search (FTS5, migration 0013): one index of incidents,
//! timeline events, post-mortems and countermeasures kept by triggers, and
//! one of transcript lines filled in the import's transaction. Also
//! "related incidents" and "this week in past years".
//!
//! On PostgreSQL the same two indexes are `tsvector` columns (`search_docs.doc`
//! and `line_search.doc`, `debrief_tsvector(…)` of the same text) with
//! GIN indexes; the queries are the same ones written as `tsquery`s (see
//! [`ts_all_terms`]), ranked by `ts_rank` and cut to snippets by `ts_headline`.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};

use super::statement::Sql;
use super::{Db, DbError, DbRow, Tx, from_epoch, sql, stored_time, to_epoch};
use crate::domain::incident::IncidentNumber;
use crate::domain::search::{
    MARK_END, MARK_START, RESULT_LIMIT, SearchKind, SearchQuery, all_terms, any_term,
    candidate_terms, phrase, terms, ts_all_terms, ts_any_term, ts_phrase,
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
    /// bm25 on SQLite, minus `ts_rank` on PostgreSQL: lower is better.
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

fn push_dates(q: &mut Sql<'_>, column: &str, query: &SearchQuery) {
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

/// `ts_headline`'s options, as FTS5's `snippet(…, '…', 16)` makes them:
/// one fragment of up to 16 words, the matches between the same marks, no
/// short word dropped at its ends.
fn headline_options() -> String {
    format!(
        "StartSel=\"{MARK_START}\", StopSel=\"{MARK_END}\", MaxWords=16, MinWords=15, \
         ShortWord=0, MaxFragments=1"
    )
}

/// The PostgreSQL snippet of a result row `m` with text columns `first` and
/// `second` (nullable): like FTS5's `snippet(…, -1, …)`, it is cut from the
/// column matching the query's terms best (the first on a tie), and has an
/// ellipsis where it does not reach the column's start or end (told by
/// comparing letters and digits only: `ts_headline` leaves out punctuation
/// at a fragment's ends). `ts_headline` drops what its parser reads as
/// markup, so `<`, `>` and `&` are swapped for control characters around it
/// and back: stored text shows as written. Pushes the `FROM` tail of the statement (after
/// `… FROM (…) m`); [`PG_SNIPPET`] is the snippet column it makes.
fn push_pg_headline(q: &mut Sql<'_>, first: &str, second: &str, all: String, any: String) {
    q.push(format!(
        " CROSS JOIN LATERAL (SELECT CASE WHEN \
         ts_rank(debrief_tsvector(COALESCE(m.{first}, '')), debrief_tsquery("
    ))
    .push_bind(any.clone())
    .push(format!(
        ")) >= ts_rank(debrief_tsvector(COALESCE(m.{second}, '')), debrief_tsquery("
    ))
    .push_bind(any)
    .push(format!(
        ")) THEN COALESCE(m.{first}, '') ELSE COALESCE(m.{second}, '') END AS src) c \
         CROSS JOIN LATERAL (SELECT translate(ts_headline('simple', \
         translate(c.src, '<>&', '\u{3}\u{4}\u{5}'), debrief_tsquery("
    ))
    .push_bind(all)
    .push("), ")
    .push_bind(headline_options())
    .push(
        "), '\u{3}\u{4}\u{5}', '<>&') AS hl) h \
         CROSS JOIN LATERAL (SELECT regexp_replace(c.src, '[^[:alnum:]]+', '', 'g') AS whole, \
         regexp_replace(h.hl, '[^[:alnum:]]+', '', 'g') AS bare) b",
    );
}

/// The snippet column [`push_pg_headline`] makes.
/// Where the fragment reaches the column's start or end, the characters
/// before its first word and after its last (which `ts_headline` drops) are
/// put back, so "<b>pool</b>" keeps its "<" as FTS5's snippet keeps it.
const PG_SNIPPET: &str = "CASE WHEN left(b.whole, length(b.bare)) = b.bare \
       THEN substring(c.src from '^[^[:alnum:]]*') ELSE '…' END \
     || h.hl || CASE WHEN right(b.whole, length(b.bare)) = b.bare \
       THEN substring(c.src from '[^[:alnum:]]*$') ELSE '…' END AS snip";

/// Imports of up to this many lines are indexed for search in their own
/// transaction; larger ones right after it (indexing a million lines takes
/// about as long as storing them).
pub const INDEX_IN_IMPORT_LINES: u64 = 50_000;

/// Puts the lines of one imported transcript into the search index, in
/// the import's transaction (one statement, not a trigger per line).
pub(super) async fn index_transcript_lines(
    tx: &mut Tx,
    transcript_key: i64,
) -> Result<(), DbError> {
    let statement = if tx.is_postgres() {
        "INSERT INTO line_search (line_id, doc) \
         SELECT id, debrief_tsvector(COALESCE(author, '') || ' ' || text) \
         FROM transcript_lines WHERE transcript_id = $1 ON CONFLICT (line_id) DO NOTHING"
    } else {
        "INSERT INTO line_search (rowid, author, text) \
         SELECT id, author, text FROM transcript_lines WHERE transcript_id = $1"
    };
    sql(statement).bind(transcript_key).execute(tx).await?;
    Ok(())
}

/// Below this many documents per term, a shared term always counts as
/// distinctive (a small database has no "common" terms to speak of).
const COMMON_TERM_FLOOR: i64 = 10;

/// The most incidents one distinctive term (or the shared services) brings
/// in: enough to rank the few shown, bounded however large the database
/// grows.
const TERM_MATCH_LIMIT: i64 = 500;

fn doc_hit(row: &impl DbRow) -> Result<Hit, DbError> {
    let code: String = row.col("kind")?;
    let kind = SearchKind::parse(&code)
        .ok_or_else(|| super::stored_value("search_refs", "kind", &code))?;
    let own_title: String = row.col("title")?;
    let title = match kind {
        SearchKind::Countermeasure => own_title,
        _ => row
            .col::<Option<String>>("incident_title")?
            .unwrap_or(own_title),
    };
    Ok(Hit {
        kind,
        number: row.col("number")?,
        reference: row.col("ref")?,
        at: stored_time(row, "search_docs", "at")?.unwrap_or_default(),
        title,
        snippet: row.col("snip")?,
        exact: row.col("exact")?,
        score: row.col("score")?,
        page: None,
    })
}

/// A transcript line's hit, and its id when it has a review page (a join,
/// part or quit has none: the review's default view leaves them out).
fn line_hit(row: &impl DbRow) -> Result<(Hit, Option<i64>), DbError> {
    let id: i64 = row.col("id")?;
    let presence = matches!(
        row.col::<String>("line_kind")?.as_str(),
        "join" | "part" | "quit"
    );
    Ok((
        Hit {
            kind: SearchKind::Line,
            number: row.col("incident_no")?,
            reference: id.to_string(),
            at: stored_time(row, "transcript_lines", "at")?.unwrap_or_default(),
            title: row.col("title")?,
            snippet: row.col("snip")?,
            exact: row.col("exact")?,
            score: row.col("score")?,
            page: None,
        },
        (!presence).then_some(id),
    ))
}

impl Db {
    /// Indexes the lines of every transcript imported but not yet indexed,
    /// one transcript per transaction; returns how many lines it indexed.
    pub async fn index_pending_transcripts(&self) -> Result<u64, DbError> {
        // Asked every few seconds by every instance: a read first, so the
        // write lock is taken only when there is work.
        let pending: bool =
            sql("SELECT EXISTS (SELECT 1 FROM transcripts WHERE search_indexed = FALSE)")
                .scalar(self)
                .await?;
        if !pending {
            return Ok(0);
        }
        let mut lines = 0;
        loop {
            let mut tx = self.write().await?;
            let next: Option<(i64, i64)> = sql(
                "SELECT id, line_count FROM transcripts WHERE search_indexed = FALSE ORDER BY id LIMIT 1",
            )
            .record_optional(&mut tx)
            .await?;
            let Some((key, count)) = next else {
                return Ok(lines);
            };
            index_transcript_lines(&mut tx, key).await?;
            sql("UPDATE transcripts SET search_indexed = TRUE WHERE id = $1")
                .bind(key)
                .execute(&mut tx)
                .await?;
            tx.commit().await?;
            lines += count as u64;
        }
    }

    /// Transcript lines imported but not yet searchable.
    pub async fn lines_pending_search(&self) -> Result<i64, DbError> {
        Ok(sql(
            "SELECT CAST(COALESCE(SUM(line_count), 0) AS BIGINT) FROM transcripts \
             WHERE search_indexed = FALSE",
        )
        .scalar(self)
        .await?)
    }

    /// Results for a query: the exact phrase first, then by relevance.
    pub async fn search(&self, query: &SearchQuery) -> Result<Vec<Hit>, DbError> {
        let words = terms(&query.text);
        let (Some(all), Some(exact)) = (all_terms(&words), phrase(&words)) else {
            return Ok(Vec::new());
        };
        let pg = self.is_postgres();
        // The same queries as `tsquery` texts, for PostgreSQL.
        let ts_all = ts_all_terms(&words).unwrap_or_default();
        let ts_exact = ts_phrase(&words).unwrap_or_default();
        let ts_any = ts_any_term(&words).unwrap_or_default();
        let mut hits = Vec::new();
        if query.kind != Some(SearchKind::Line) {
            let mut q = sql(String::new());
            if pg {
                // The best RESULT_LIMIT documents first, then their
                // snippets (ts_headline reads the whole text).
                q.push(format!(
                    "SELECT m.kind, m.number, m.ref, m.at, m.title, m.exact, m.score, \
                     m.incident_title, {PG_SNIPPET} FROM (\
                     SELECT r.kind, d.number, r.ref, d.at, d.title, d.body, \
                     d.doc @@ debrief_tsquery("
                ))
                .push_bind(ts_exact.clone())
                .push(
                    ") AS exact, \
                     CAST(-ts_rank(d.doc, debrief_tsquery(",
                )
                .push_bind(ts_all.clone())
                .push(
                    "), 1) AS DOUBLE PRECISION) AS score, \
                     (SELECT title FROM incidents WHERE number = d.number) AS incident_title \
                     FROM search_docs d JOIN search_refs r ON r.docid = d.docid \
                     WHERE d.doc @@ debrief_tsquery(",
                )
                .push_bind(ts_all.clone())
                .push(")");
            } else {
                q.push(format!(
                    "SELECT r.kind, d.number, r.ref, d.at, d.title, \
                     snippet(search_docs, -1, {}, '…', 16) AS snip, \
                     d.rowid IN (SELECT rowid FROM search_docs WHERE search_docs MATCH ",
                    snippet_marks()
                ))
                .push_bind(exact.clone())
                .push(
                    ") AS exact, bm25(search_docs, 0, 0, 4.0, 1.0) AS score, \
                     (SELECT title FROM incidents WHERE number = d.number) AS incident_title \
                     FROM search_docs d JOIN search_refs r ON r.docid = d.rowid \
                     WHERE search_docs MATCH ",
                )
                .push_bind(all.clone());
            }
            if let Some(kind) = query.kind {
                q.push(" AND r.kind = ").push_bind(kind.code());
            }
            push_dates(&mut q, "d.at", query);
            q.push(" ORDER BY exact DESC, score LIMIT ")
                .push_bind(RESULT_LIMIT as i64);
            if pg {
                q.push(") m");
                push_pg_headline(&mut q, "title", "body", ts_all.clone(), ts_any.clone());
                q.push(" ORDER BY m.exact DESC, m.score");
            }
            let found: Vec<Hit> = q
                .fetch_all(self)
                .await?
                .iter()
                .map(doc_hit)
                .collect::<Result<Vec<_>, DbError>>()?;
            hits.extend(found);
        }
        if query.kind.is_none() || query.kind == Some(SearchKind::Line) {
            let mut q = sql(String::new());
            if pg {
                q.push(format!(
                    "SELECT m.id, m.incident_no, m.at, m.line_kind, m.exact, m.score, m.title, \
                     {PG_SNIPPET} FROM (\
                     SELECT l.id, l.incident_no, l.at, l.kind AS line_kind, l.author, l.text, \
                     s.doc @@ debrief_tsquery("
                ))
                .push_bind(ts_exact.clone())
                .push(
                    ") AS exact, \
                     CAST(-ts_rank(s.doc, debrief_tsquery(",
                )
                .push_bind(ts_all.clone())
                .push(
                    "), 1) AS DOUBLE PRECISION) AS score, i.title \
                     FROM line_search s JOIN transcript_lines l ON l.id = s.line_id \
                     JOIN incidents i ON i.number = l.incident_no \
                     WHERE s.doc @@ debrief_tsquery(",
                )
                .push_bind(ts_all.clone())
                .push(") AND l.duplicate_of IS NULL");
            } else {
                q.push(format!(
                    "SELECT l.id, l.incident_no, l.at, l.kind AS line_kind, \
                     snippet(line_search, -1, {}, '…', 16) AS snip, \
                     s.rowid IN (SELECT rowid FROM line_search WHERE line_search MATCH ",
                    snippet_marks()
                ))
                .push_bind(exact.clone())
                .push(
                    ") AS exact, bm25(line_search, 0.5, 1.0) AS score, i.title \
                     FROM line_search s JOIN transcript_lines l ON l.id = s.rowid \
                     JOIN incidents i ON i.number = l.incident_no \
                     WHERE line_search MATCH ",
                )
                .push_bind(all.clone())
                .push(" AND l.duplicate_of IS NULL");
            }
            push_dates(&mut q, "l.at", query);
            q.push(" ORDER BY exact DESC, score LIMIT ")
                .push_bind(RESULT_LIMIT as i64);
            if pg {
                q.push(") m");
                push_pg_headline(&mut q, "author", "text", ts_all.clone(), ts_any.clone());
                q.push(" ORDER BY m.exact DESC, m.score");
            }
            let found: Vec<(Hit, Option<i64>)> = q
                .fetch_all(self)
                .await?
                .iter()
                .map(line_hit)
                .collect::<Result<Vec<_>, DbError>>()?;
            for (mut hit, paged) in found {
                if let Some(id) = paged {
                    hit.page = Some(self.review_position(hit.number, id).await?);
                }
                hits.push(hit);
            }
        }
        hits.sort_by(|a, b| b.exact.cmp(&a.exact).then(a.score.total_cmp(&b.score)));
        hits.truncate(RESULT_LIMIT);
        Ok(hits)
    }

    /// How many lines come before line `id` in the incident's review (its
    /// default view: duplicates and joins left out), to link to its page.
    async fn review_position(&self, number: i64, id: i64) -> Result<i64, DbError> {
        Ok(sql(
            "SELECT COUNT(*) FROM transcript_lines l, transcript_lines me \
             WHERE me.id = $1 AND l.incident_no = $2 AND l.duplicate_of IS NULL \
             AND l.kind NOT IN ('join', 'part', 'quit') \
             AND (l.at, l.transcript_id, l.line_no) < (me.at, me.transcript_id, me.line_no)",
        )
        .bind(id)
        .bind(number)
        .scalar(self)
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
        let pg = self.is_postgres();
        let row =
            sql("SELECT id, title, summary_markdown, started_at FROM incidents WHERE number = $1")
                .bind(number.0)
                .fetch_optional(self)
                .await?
                .ok_or(DbError::NotFound(
                    crate::domain::missing::Missing::Incident(number),
                ))?;
        let (id, started, text): (String, i64, String) = (
            row.col("id")?,
            row.col("started_at")?,
            format!(
                "{} {}",
                row.col::<String>("title")?,
                row.col::<String>("summary_markdown")?
            ),
        );
        // Shared services: the incidents sharing the most, counted in SQL
        // (a common service is shared by thousands of incidents; only the
        // best few can be shown).
        let mut shared: BTreeMap<i64, Vec<String>> = BTreeMap::new();
        let services_of = if pg {
            "string_agg(s.service, ',')"
        } else {
            "group_concat(s.service, ',')"
        };
        let rows: Vec<(i64, String)> = sql(format!(
            "SELECT i.number, {services_of} AS services FROM incident_services mine \
             JOIN incident_services s ON s.service = mine.service AND s.incident_id <> mine.incident_id \
             JOIN incidents i ON i.id = s.incident_id \
             WHERE mine.incident_id = $1 AND i.started_at < $2 \
             GROUP BY i.number ORDER BY COUNT(*) DESC, i.number DESC LIMIT $3"
        ))
        .bind(&id)
        .bind(started)
        .bind(TERM_MATCH_LIMIT)
        .records(self)
        .await?;
        for (n, services) in rows {
            // Service names hold no commas (the form splits on them).
            shared.insert(n, services.split(',').map(str::to_string).collect());
        }
        // Distinctive terms: candidates held by at least one other document
        // and by few, rarest first.
        let candidates = candidate_terms(&text);
        // A term in more than one document of twenty says little about this
        // incident (and matching it would read a large share of the index on
        // every page view); small databases keep every shared term.
        let documents: i64 = sql("SELECT COUNT(*) FROM search_refs").scalar(self).await?;
        let common = (documents / 20).max(COMMON_TERM_FLOOR);
        let mut counted: Vec<(String, i64)> = Vec::new();
        for term in candidates.iter().take(40) {
            // SQLite reads the count from the index's vocabulary (fts5vocab);
            // PostgreSQL has none, so it counts the documents matching the
            // term through the GIN index, stopping past `common` (a count
            // above it is refused either way).
            let docs: Option<i64> = if pg {
                let Some(query) = ts_any_term(std::slice::from_ref(term)) else {
                    continue;
                };
                Some(
                    sql("SELECT COUNT(*) FROM (SELECT 1 FROM search_docs \
                         WHERE doc @@ debrief_tsquery($1) LIMIT $2) t")
                    .bind(query)
                    .bind(common + 1)
                    .scalar(self)
                    .await?,
                )
            } else {
                sql("SELECT doc FROM search_terms WHERE term = $1")
                    .bind(term)
                    .scalar_optional(self)
                    .await?
            };
            if let Some(docs) = docs.filter(|d| (2..=common).contains(d)) {
                counted.push((term.clone(), docs));
            }
        }
        counted.sort_by_key(|(_, docs)| *docs);
        let distinctive: Vec<String> = counted.into_iter().take(6).map(|(t, _)| t).collect();
        let mut by_terms: HashMap<i64, Vec<String>> = HashMap::new();
        for term in &distinctive {
            let query = if pg {
                ts_any_term(std::slice::from_ref(term))
            } else {
                any_term(std::slice::from_ref(term))
            };
            let Some(query) = query else {
                continue;
            };
            let statement = if pg {
                "SELECT DISTINCT d.number FROM search_docs d JOIN search_refs r ON r.docid = d.docid \
                 JOIN incidents i ON i.number = d.number \
                 WHERE d.doc @@ debrief_tsquery($1) AND r.kind IN ('incident', 'event', 'postmortem') \
                 AND d.number <> $2 AND i.started_at < $3 LIMIT $4"
            } else {
                "SELECT DISTINCT d.number FROM search_docs d JOIN search_refs r ON r.docid = d.rowid \
                 JOIN incidents i ON i.number = d.number \
                 WHERE search_docs MATCH $1 AND r.kind IN ('incident', 'event', 'postmortem') \
                 AND d.number <> $2 AND i.started_at < $3 LIMIT $4"
            };
            let numbers: Vec<i64> = sql(statement)
                .bind(&query)
                .bind(number.0)
                .bind(started)
                .bind(TERM_MATCH_LIMIT)
                .scalars(self)
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
            let (title, started_at): (String, i64) =
                sql("SELECT title, started_at FROM incidents WHERE number = $1")
                    .bind(n)
                    .record(self)
                    .await?;
            let countermeasures: Vec<(i64, String, String)> =
                sql("SELECT c.number, c.title, c.status FROM countermeasures c \
                 JOIN countermeasure_incidents ci ON ci.countermeasure_id = c.id \
                 JOIN incidents i ON i.id = ci.incident_id \
                 WHERE i.number = $1 AND c.merged_into IS NULL ORDER BY c.number")
                .bind(n)
                .records(self)
                .await?;
            out.push(RelatedRow {
                number: n,
                title,
                started_at: from_epoch(started_at),
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
            let rows: Vec<(i64, String, i64)> =
                sql("SELECT number, title, started_at FROM incidents \
                 WHERE started_at >= $1 AND started_at < $2 ORDER BY started_at")
                .bind(start)
                .bind(end)
                .records(self)
                .await?;
            out.extend(rows.into_iter().map(|(n, t, s)| (n, t, from_epoch(s))));
        }
        Ok(out)
    }
}
