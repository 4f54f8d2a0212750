-- Integer keys for transcripts and their lines.
--
-- Every transcript line carried two 36-character UUIDs (its incident's and its
-- transcript's): most of a line's index entry and a third of the work of
-- storing a large import. A line now names its incident by number and its
-- transcript by an integer key; the transcript keeps its UUID as its public
-- identity (history rows, exports). Rows are copied, not lost: line ids stay
-- the same, so links from timeline events stay valid.
--
-- Foreign keys are on inside the migration's transaction, and dropping a
-- table deletes its rows first (cascading), so every table that points at an
-- old one is rebuilt too, and the old tables are dropped children first.

CREATE TABLE transcripts_new (
    id INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    -- Order of import within the incident, shown to people. Keys grow in the
    -- same order, so the review breaks ties on the key.
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

CREATE TABLE transcript_lines_new (
    id INTEGER PRIMARY KEY,
    incident_no INTEGER NOT NULL,              -- incidents.number
    transcript_id INTEGER NOT NULL REFERENCES transcripts_new (id) ON DELETE CASCADE,
    line_no INTEGER NOT NULL,                  -- 1-based, in the transcript's file
    at INTEGER NOT NULL,                       -- epoch seconds, UTC
    kind TEXT NOT NULL,                        -- a transcript line-kind code
    author TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL,
    thread TEXT,                               -- the thread's key in its source (Slack: the parent's ts)
    flag TEXT,                                 -- what to check about the time, for people
    -- Same message (instant, kind, author, text) seen before: the line shown
    -- in its place. Sources are never dropped.
    fingerprint INTEGER NOT NULL,
    duplicate_of INTEGER,
    suggestion TEXT,                           -- a suggestion rule id
    suggestion_state TEXT CHECK (suggestion_state IN ('accepted', 'dismissed'))
);

CREATE TABLE transcript_problems_new (
    transcript_id INTEGER NOT NULL REFERENCES transcripts_new (id) ON DELETE CASCADE,
    line_no INTEGER NOT NULL,
    reason TEXT NOT NULL
);

CREATE TABLE event_lines_new (
    event_id TEXT NOT NULL REFERENCES timeline_events (id) ON DELETE CASCADE,
    line_id INTEGER NOT NULL REFERENCES transcript_lines_new (id) ON DELETE CASCADE,
    PRIMARY KEY (event_id, line_id)
);

INSERT INTO transcripts_new (uuid, incident_id, no, channel, format, file_name, zone, line_count,
        duplicate_count, problem_count, first_at, last_at, imported_by, imported_at)
    SELECT id, incident_id, no, channel, format, file_name, zone, line_count,
        duplicate_count, problem_count, first_at, last_at, imported_by, imported_at
    FROM transcripts ORDER BY incident_id, no;

INSERT INTO transcript_lines_new (id, incident_no, transcript_id, line_no, at, kind, author, text,
        thread, flag, fingerprint, duplicate_of, suggestion, suggestion_state)
    SELECT l.id, i.number, t.id, l.line_no, l.at, l.kind, l.author, l.text,
        l.thread, l.flag, l.fingerprint, l.duplicate_of, l.suggestion, l.suggestion_state
    FROM transcript_lines l
    JOIN transcripts_new t ON t.uuid = l.transcript_id
    JOIN incidents i ON i.id = l.incident_id;

INSERT INTO transcript_problems_new (transcript_id, line_no, reason)
    SELECT t.id, p.line_no, p.reason
    FROM transcript_problems p JOIN transcripts_new t ON t.uuid = p.transcript_id;

INSERT INTO event_lines_new (event_id, line_id) SELECT event_id, line_id FROM event_lines;

DROP TABLE event_lines;
DROP TABLE transcript_problems;
DROP TABLE transcript_lines;
DROP TABLE transcripts;

-- Renaming also renames the references to a table in the others.
ALTER TABLE transcripts_new RENAME TO transcripts;
ALTER TABLE transcript_lines_new RENAME TO transcript_lines;
ALTER TABLE transcript_problems_new RENAME TO transcript_problems;
ALTER TABLE event_lines_new RENAME TO event_lines;

-- The review: every shown line of an incident in order.
CREATE INDEX transcript_lines_review ON transcript_lines (incident_no, at, transcript_id, line_no)
    WHERE duplicate_of IS NULL;
CREATE INDEX transcript_lines_duplicates ON transcript_lines (duplicate_of)
    WHERE duplicate_of IS NOT NULL;
-- A thread of an incident: its first line and its replies.
CREATE INDEX transcript_lines_threads ON transcript_lines (incident_no, thread)
    WHERE thread IS NOT NULL;
CREATE INDEX transcript_problems_of ON transcript_problems (transcript_id, line_no);
CREATE INDEX event_lines_by_line ON event_lines (line_id);
