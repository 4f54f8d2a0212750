-- Chat transcripts imported into an incident, their lines (one chronological
-- review across every transcript of the incident), and which timeline events
-- were made from which lines.

CREATE TABLE transcripts (
    id TEXT PRIMARY KEY NOT NULL,              -- UUID
    incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    -- Order of import within the incident; the review's tie-breaker after time.
    no INTEGER NOT NULL,
    channel TEXT NOT NULL,
    format TEXT NOT NULL,                      -- a transcript format code
    file_name TEXT NOT NULL DEFAULT '',
    zone TEXT NOT NULL,                        -- the zone wall-clock times were read in
    line_count INTEGER NOT NULL,               -- lines stored, duplicates included
    duplicate_count INTEGER NOT NULL,          -- of which already seen elsewhere
    problem_count INTEGER NOT NULL,            -- lines that could not be read
    first_at INTEGER,
    last_at INTEGER,
    imported_by TEXT NOT NULL DEFAULT '',
    imported_at INTEGER NOT NULL,
    UNIQUE (incident_id, no)
);

CREATE TABLE transcript_lines (
    id INTEGER PRIMARY KEY,
    incident_id TEXT NOT NULL,
    transcript_id TEXT NOT NULL REFERENCES transcripts (id) ON DELETE CASCADE,
    transcript_no INTEGER NOT NULL,
    line_no INTEGER NOT NULL,                  -- 1-based, in the transcript's file
    at INTEGER NOT NULL,                       -- epoch seconds, UTC
    kind TEXT NOT NULL,                        -- a transcript line-kind code
    author TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL,
    thread TEXT,
    flag TEXT,                                 -- what to check about the time, for people
    -- Same message (instant, kind, author, text) seen before: the line shown
    -- in its place. Sources are never dropped.
    fingerprint INTEGER NOT NULL,
    duplicate_of INTEGER,
    suggestion TEXT,                           -- a suggestion rule id
    suggestion_state TEXT CHECK (suggestion_state IN ('accepted', 'dismissed'))
);

-- The review: every shown line of an incident in order.
CREATE INDEX transcript_lines_review ON transcript_lines (incident_id, at, transcript_no, line_no)
    WHERE duplicate_of IS NULL;
CREATE INDEX transcript_lines_duplicates ON transcript_lines (duplicate_of)
    WHERE duplicate_of IS NOT NULL;

-- Lines that could not be read, kept so the review can say which and why.
CREATE TABLE transcript_problems (
    transcript_id TEXT NOT NULL REFERENCES transcripts (id) ON DELETE CASCADE,
    line_no INTEGER NOT NULL,
    reason TEXT NOT NULL
);
CREATE INDEX transcript_problems_of ON transcript_problems (transcript_id, line_no);

-- Which lines a timeline event was made from.
CREATE TABLE event_lines (
    event_id TEXT NOT NULL REFERENCES timeline_events (id) ON DELETE CASCADE,
    line_id INTEGER NOT NULL REFERENCES transcript_lines (id) ON DELETE CASCADE,
    PRIMARY KEY (event_id, line_id)
);
CREATE INDEX event_lines_by_line ON event_lines (line_id);
