-- The review meeting of an incident: when, how long, where, who, and whether the handout went out.
-- One row per incident once anything is scheduled; `version` guards concurrent edits.
CREATE TABLE reviews (
    incident_id TEXT PRIMARY KEY NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    scheduled_at INTEGER,                      -- NULL: not scheduled yet
    minutes INTEGER NOT NULL DEFAULT 60 CHECK (minutes BETWEEN 15 AND 480),
    location TEXT NOT NULL DEFAULT '',         -- a room or a video-call link
    attendees TEXT NOT NULL DEFAULT '',        -- one per line
    handout_sent_at INTEGER,
    handout_sent_by TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
