-- The timeline of an incident, its attachments, and history rows that belong
-- to an incident even when they describe one of its events.

CREATE TABLE timeline_events (
    id TEXT PRIMARY KEY NOT NULL,              -- UUID
    incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    -- Order of creation within the incident: events at the same second keep it.
    seq INTEGER NOT NULL,
    at INTEGER NOT NULL,                       -- epoch seconds, UTC
    kind TEXT NOT NULL CHECK (kind IN ('observation', 'action', 'decision', 'communication', 'alert', 'change', 'other')),
    actor TEXT NOT NULL DEFAULT '',
    body_markdown TEXT NOT NULL,
    evidence_url TEXT NOT NULL DEFAULT '',
    -- Where the event came from: typed by hand, or imported from a transcript line.
    source TEXT NOT NULL DEFAULT 'typed' CHECK (source IN ('typed', 'imported')),
    source_name TEXT NOT NULL DEFAULT '',      -- transcript name, for imported events
    source_line INTEGER,                       -- 1-based line in that transcript
    -- The key moment this event marks; the incident's moment follows it.
    key_moment TEXT CHECK (key_moment IN ('impact_started', 'detected', 'notified', 'responded', 'diagnosed', 'repaired', 'resolved')),
    version INTEGER NOT NULL DEFAULT 1,
    deleted_at INTEGER,                        -- set while deleted; restoring clears it
    created_by TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (incident_id, seq)
);

CREATE INDEX timeline_events_in_order ON timeline_events (incident_id, at, seq);
-- At most one live event marks each moment of an incident.
CREATE UNIQUE INDEX timeline_events_one_mark ON timeline_events (incident_id, key_moment)
    WHERE key_moment IS NOT NULL AND deleted_at IS NULL;

CREATE TABLE attachments (
    id TEXT PRIMARY KEY NOT NULL,              -- UUID; also the stored file's name
    incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    event_id TEXT REFERENCES timeline_events (id) ON DELETE CASCADE,
    file_name TEXT NOT NULL,                   -- as offered on download, made safe
    kind TEXT NOT NULL CHECK (kind IN ('png', 'jpeg', 'webp', 'svg', 'pdf')),
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    deleted_at INTEGER,
    created_by TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
);

CREATE INDEX attachments_of_incident ON attachments (incident_id, created_at);

-- History: which incident a row belongs to (events and attachments included).
ALTER TABLE audit_log ADD COLUMN incident_id TEXT;
UPDATE audit_log SET incident_id = object_id WHERE object_kind = 'incident';
CREATE INDEX audit_log_by_incident ON audit_log (incident_id, id);
