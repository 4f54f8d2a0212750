//! Schema parity: a fresh SQLite file and a fresh PostgreSQL database, each
//! migrated by the real binary, hold the same tables, the same columns (of
//! the same kind, null or not null alike) and the same indexes over the same
//! columns. The two migration folders are written by hand side by side; this
//! is what keeps them in step. Where the dialects must differ (full-text
//! search is FTS5 on SQLite and a tsvector table on PostgreSQL), the
//! difference is listed below with its reason.

use std::collections::BTreeMap;

use sqlx::Connection;

use crate::common::{self, Server, postgres};

/// Tables only one backend has, and why.
const ONE_SIDED_TABLES: &[(&str, &str)] = &[
    (
        "tower_sessions",
        "the session store's own table; on PostgreSQL it lives in a schema of its own",
    ),
    (
        "line_search",
        "full-text search: tsvector tables on PostgreSQL, FTS5 virtual tables on SQLite",
    ),
    (
        "search_docs",
        "full-text search: tsvector tables on PostgreSQL, FTS5 virtual tables on SQLite",
    ),
];

/// One table: its columns (name → kind, nullable) and its indexes (name →
/// indexed columns), as both backends can be made to say them.
#[derive(Debug, Default, PartialEq)]
struct Table {
    columns: BTreeMap<String, (&'static str, bool)>,
    indexes: BTreeMap<String, String>,
}

type Schema = BTreeMap<String, Table>;

/// A declared type as the kind of value it holds: SQLite's INTEGER is
/// PostgreSQL's BIGINT, INTEGER or (for 0/1 flags) BOOLEAN; REAL is DOUBLE
/// PRECISION.
fn kind(declared: &str) -> &'static str {
    match declared.to_ascii_lowercase().as_str() {
        "integer" | "bigint" | "smallint" | "boolean" => "integer",
        "text" | "character varying" => "text",
        "real" | "double precision" => "real",
        "blob" | "bytea" => "blob",
        "tsvector" => "tsvector",
        other => panic!("a column of type {other:?}: say what it is"),
    }
}

async fn sqlite_schema(path: &std::path::Path) -> Schema {
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}?mode=ro", path.display()))
        .await
        .unwrap();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
         AND name <> '_sqlx_migrations' AND sql NOT LIKE 'CREATE VIRTUAL TABLE%' \
         AND name NOT IN (SELECT m.name FROM sqlite_master v, sqlite_master m \
             WHERE v.sql LIKE 'CREATE VIRTUAL TABLE%' AND m.name LIKE v.name || '\\_%' ESCAPE '\\')",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let mut schema = Schema::new();
    for table in tables {
        let mut t = Table::default();
        let columns: Vec<(String, String, i64, i64)> =
            sqlx::query_as("SELECT name, type, \"notnull\", pk FROM pragma_table_info(?)")
                .bind(&table)
                .fetch_all(&mut conn)
                .await
                .unwrap();
        for (name, declared, not_null, pk) in columns {
            // A primary key is never null, whether or not it says so.
            t.columns
                .insert(name, (kind(&declared), not_null == 0 && pk == 0));
        }
        let indexes: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
        )
        .bind(&table)
        .fetch_all(&mut conn)
        .await
        .unwrap();
        for index in indexes {
            let columns: Vec<Option<String>> =
                sqlx::query_scalar("SELECT name FROM pragma_index_info(?) ORDER BY seqno")
                    .bind(&index)
                    .fetch_all(&mut conn)
                    .await
                    .unwrap();
            t.indexes.insert(index, joined(columns));
        }
        schema.insert(table, t);
    }
    schema
}

async fn postgres_schema(url: &str) -> Schema {
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables \
         WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> '_sqlx_migrations'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let mut schema = Schema::new();
    for table in tables {
        let mut t = Table::default();
        let columns: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT column_name::text, data_type::text, is_nullable::text FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name = $1",
        )
        .bind(&table)
        .fetch_all(&mut conn)
        .await
        .unwrap();
        for (name, declared, nullable) in columns {
            t.columns.insert(name, (kind(&declared), nullable == "YES"));
        }
        // Indexes made by hand: not those behind a primary key or a UNIQUE
        // constraint (SQLite's are automatic and unnamed too).
        let indexes: Vec<(String, Vec<Option<String>>)> = sqlx::query_as(
            "SELECT i.relname::text, array_agg(a.attname::text ORDER BY k.n) \
             FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid \
             JOIN pg_class t ON t.oid = x.indrelid JOIN pg_namespace ns ON ns.oid = t.relnamespace \
             CROSS JOIN LATERAL unnest(x.indkey) WITH ORDINALITY AS k(attnum, n) \
             LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum AND k.attnum > 0 \
             WHERE ns.nspname = 'public' AND t.relname = $1 AND NOT x.indisprimary \
               AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) \
             GROUP BY i.relname",
        )
        .bind(&table)
        .fetch_all(&mut conn)
        .await
        .unwrap();
        for (index, columns) in indexes {
            t.indexes.insert(index, joined(columns));
        }
        schema.insert(table, t);
    }
    schema
}

/// Indexed columns, an expression shown as `(expression)`.
fn joined(columns: Vec<Option<String>>) -> String {
    columns
        .into_iter()
        .map(|c| c.unwrap_or_else(|| "(expression)".into()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every way the two schemas differ, one sentence each.
fn differences(sqlite: &Schema, pg: &Schema) -> Vec<String> {
    let mut out = Vec::new();
    let one_sided = |table: &str| ONE_SIDED_TABLES.iter().any(|(t, _)| *t == table);
    for (name, _) in sqlite.iter().filter(|(n, _)| !pg.contains_key(*n)) {
        if !one_sided(name) {
            out.push(format!("table {name} is only on SQLite"));
        }
    }
    for (name, _) in pg.iter().filter(|(n, _)| !sqlite.contains_key(*n)) {
        if !one_sided(name) {
            out.push(format!("table {name} is only on PostgreSQL"));
        }
    }
    for (name, s) in sqlite {
        let Some(p) = pg.get(name) else { continue };
        for (column, s_col) in &s.columns {
            match p.columns.get(column) {
                None => out.push(format!("{name}.{column} is only on SQLite")),
                Some(p_col) if p_col != s_col => out.push(format!(
                    "{name}.{column}: SQLite {s_col:?}, PostgreSQL {p_col:?} (kind, nullable)"
                )),
                Some(_) => {}
            }
        }
        for column in p.columns.keys().filter(|c| !s.columns.contains_key(*c)) {
            out.push(format!("{name}.{column} is only on PostgreSQL"));
        }
        for (index, s_cols) in &s.indexes {
            match p.indexes.get(index) {
                None => out.push(format!("index {index} on {name} is only on SQLite")),
                Some(p_cols) if p_cols != s_cols => out.push(format!(
                    "index {index} on {name}: SQLite ({s_cols}), PostgreSQL ({p_cols})"
                )),
                Some(_) => {}
            }
        }
        for index in p.indexes.keys().filter(|i| !s.indexes.contains_key(*i)) {
            out.push(format!("index {index} on {name} is only on PostgreSQL"));
        }
    }
    out
}

#[tokio::test]
async fn both_backends_migrate_to_the_same_tables_columns_and_indexes() {
    if common::not_in_the_postgres_run("it migrates both backends itself") {
        return;
    }
    let sqlite = Server::start_sqlite();
    let url = postgres::server().fresh_database();
    let pg = Server::start_on_url(&url, false);
    let sqlite_schema = sqlite_schema(&sqlite.db_path).await;
    let pg_schema = postgres_schema(&url).await;
    assert!(
        sqlite_schema.len() >= 20 && sqlite_schema.contains_key("transcript_lines"),
        "the schema was read: {:?}",
        sqlite_schema.keys()
    );
    let found = differences(&sqlite_schema, &pg_schema);
    assert!(
        found.is_empty(),
        "the backends' schemas differ:\n{}",
        found.join("\n")
    );
    // Every table the app copies between backends is on both.
    for (table, _) in app::db::COPIED_TABLES {
        assert!(sqlite_schema.contains_key(*table), "{table} on SQLite");
        assert!(pg_schema.contains_key(*table), "{table} on PostgreSQL");
    }
    drop(pg);
}
