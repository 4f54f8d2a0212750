-- Settings an administrator changes in the app. One row per key; the value
-- is text the domain code parses (see domain::metrics_export).
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at INTEGER NOT NULL            -- epoch seconds, UTC
);
