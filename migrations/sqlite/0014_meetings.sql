-- Meeting mode: the review walked through the timeline event by event. One row per incident
-- while a meeting runs: who facilitates and the event on screen. `version` goes up on every
-- step and note, so followers know what changed.
CREATE TABLE meetings (
    incident_id TEXT PRIMARY KEY NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    event_id TEXT REFERENCES timeline_events (id) ON DELETE SET NULL,
    facilitator_id TEXT NOT NULL,
    facilitator_name TEXT NOT NULL,
    version INTEGER NOT NULL,
    started_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

-- Notes and questions written against an event during the meeting; they outlive it.
CREATE TABLE meeting_notes (
    id INTEGER PRIMARY KEY,
    incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    event_id TEXT NOT NULL REFERENCES timeline_events (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('note', 'question')),
    body TEXT NOT NULL,
    author TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE INDEX meeting_notes_of ON meeting_notes (incident_id, id);
