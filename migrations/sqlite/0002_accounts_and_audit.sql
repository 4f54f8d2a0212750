-- People who may use Debrief, and the record of every change they make.

CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,              -- UUID
    login TEXT NOT NULL UNIQUE,                -- lower-case login name
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,               -- argon2id PHC string; never leaves the server
    role TEXT NOT NULL CHECK (role IN ('viewer', 'editor', 'admin')),
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    -- Bumped when the password changes or the account is disabled: every
    -- session made under an older value ends.
    session_epoch INTEGER NOT NULL DEFAULT 1,
    version INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

-- Every change, who made it and what it changed. Rows are only ever added.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,                       -- epoch seconds, UTC
    actor_id TEXT REFERENCES users (id),       -- NULL when made from the command line
    actor_name TEXT NOT NULL,                  -- as the actor was called at the time
    action TEXT NOT NULL,                      -- created, updated, password_changed, ...
    object_kind TEXT NOT NULL,                 -- incident, user
    object_id TEXT NOT NULL,
    object_label TEXT NOT NULL,                -- "#42 Checkout latency", "ana (Ana Lima)"
    changes TEXT NOT NULL DEFAULT '[]'         -- JSON: [{"field", "before", "after"}]
);

CREATE INDEX audit_log_by_object ON audit_log (object_kind, object_id, id);
CREATE INDEX audit_log_by_actor ON audit_log (actor_id, id);
