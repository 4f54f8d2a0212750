-- Countermeasures: what a review decided to change, tracked to done, and
-- the outgoing webhook that tells other trackers about them.

CREATE TABLE countermeasures (
    id TEXT PRIMARY KEY NOT NULL,              -- UUID
    number INTEGER NOT NULL UNIQUE,            -- the human-facing "CM-12"
    version INTEGER NOT NULL DEFAULT 1,        -- bumped on every write; stale writes are refused
    title TEXT NOT NULL,
    description_markdown TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL CHECK (kind IN ('prevent_recurrence', 'detect_sooner', 'notify_faster',
        'respond_faster', 'diagnose_faster', 'repair_faster', 'process', 'documentation')),
    priority TEXT NOT NULL CHECK (priority IN ('urgent', 'high', 'medium', 'low')),
    owner TEXT NOT NULL DEFAULT '',
    due_on TEXT,                               -- a calendar day, YYYY-MM-DD
    status TEXT NOT NULL CHECK (status IN ('proposed', 'accepted', 'in_progress', 'done', 'wont_do')),
    wont_do_reason TEXT NOT NULL DEFAULT '',
    ticket_url TEXT NOT NULL DEFAULT '',
    -- What prompted it: a timeline event or a transcript line (either, both or neither).
    source_event_id TEXT REFERENCES timeline_events (id) ON DELETE SET NULL,
    source_line_id INTEGER REFERENCES transcript_lines (id) ON DELETE SET NULL,
    -- Set when merged into another: the row stays, read-only, with its history.
    merged_into TEXT REFERENCES countermeasures (id),
    created_by TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,               -- epoch seconds, UTC
    updated_at INTEGER NOT NULL,
    completed_at INTEGER,                      -- when it reached done
    CHECK (status <> 'wont_do' OR wont_do_reason <> '')
);

CREATE INDEX countermeasures_by_status ON countermeasures (status, due_on);

-- The incidents a countermeasure answers ("seen in 3 incidents").
CREATE TABLE countermeasure_incidents (
    countermeasure_id TEXT NOT NULL REFERENCES countermeasures (id) ON DELETE CASCADE,
    incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    PRIMARY KEY (countermeasure_id, incident_id)
);

CREATE INDEX countermeasure_incidents_by_incident ON countermeasure_incidents (incident_id);
