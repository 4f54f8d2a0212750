-- Full-text search (SQLite FTS5) across incidents, timeline events, post-mortems,
-- countermeasures and imported transcript lines, kept in step by triggers (and, for
-- transcript lines, by the import's own transaction).
--
-- `search_refs` gives every indexed record a stable document id: an explicit INTEGER
-- PRIMARY KEY, so VACUUM and backups keep it, and updates find the document by an index
-- lookup rather than a scan of the full-text table.
CREATE TABLE search_refs (
    docid INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('incident', 'event', 'postmortem', 'countermeasure')),
    ref TEXT NOT NULL,                         -- the record's id
    UNIQUE (kind, ref)
);

-- `number`: the incident's number (for a countermeasure, its own); `at`: epoch seconds
-- for the date filter (the incident's start, the event's time, the last save).
CREATE VIRTUAL TABLE search_docs USING fts5 (
    number UNINDEXED,
    at UNINDEXED,
    title,
    body,
    tokenize = 'unicode61 remove_diacritics 2'
);

-- Transcript lines index their own table (external content: the text is not stored twice).
CREATE VIRTUAL TABLE line_search USING fts5 (
    author,
    text,
    content = 'transcript_lines',
    content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);

-- How many documents hold each term: "distinctive terms" are the rare ones.
CREATE VIRTUAL TABLE search_terms USING fts5vocab (search_docs, 'row');

CREATE TRIGGER transcript_lines_search_delete AFTER DELETE ON transcript_lines BEGIN
    INSERT INTO line_search (line_search, rowid, author, text) VALUES ('delete', old.id, old.author, old.text);
END;

-- Incidents: title and summary.
CREATE TRIGGER incidents_search_insert AFTER INSERT ON incidents BEGIN
    INSERT INTO search_refs (kind, ref) VALUES ('incident', new.id);
    INSERT INTO search_docs (rowid, number, at, title, body)
        SELECT docid, new.number, new.started_at, new.title, new.summary_markdown
        FROM search_refs WHERE kind = 'incident' AND ref = new.id;
END;
CREATE TRIGGER incidents_search_update AFTER UPDATE OF title, summary_markdown, started_at ON incidents BEGIN
    DELETE FROM search_docs WHERE rowid = (SELECT docid FROM search_refs WHERE kind = 'incident' AND ref = new.id);
    INSERT INTO search_docs (rowid, number, at, title, body)
        SELECT docid, new.number, new.started_at, new.title, new.summary_markdown
        FROM search_refs WHERE kind = 'incident' AND ref = new.id;
END;
CREATE TRIGGER incidents_search_delete AFTER DELETE ON incidents BEGIN
    DELETE FROM search_docs WHERE rowid = (SELECT docid FROM search_refs WHERE kind = 'incident' AND ref = old.id);
    DELETE FROM search_refs WHERE kind = 'incident' AND ref = old.id;
END;

-- Timeline events: actor and text; a deleted event leaves the index until restored.
CREATE TRIGGER events_search_insert AFTER INSERT ON timeline_events BEGIN
    INSERT INTO search_refs (kind, ref) VALUES ('event', new.id);
    INSERT INTO search_docs (rowid, number, at, title, body)
        SELECT r.docid, i.number, new.at, new.actor, new.body_markdown
        FROM search_refs r, incidents i
        WHERE r.kind = 'event' AND r.ref = new.id AND i.id = new.incident_id AND new.deleted_at IS NULL;
END;
CREATE TRIGGER events_search_update AFTER UPDATE OF at, actor, body_markdown, deleted_at ON timeline_events BEGIN
    DELETE FROM search_docs WHERE rowid = (SELECT docid FROM search_refs WHERE kind = 'event' AND ref = new.id);
    INSERT INTO search_docs (rowid, number, at, title, body)
        SELECT r.docid, i.number, new.at, new.actor, new.body_markdown
        FROM search_refs r, incidents i
        WHERE r.kind = 'event' AND r.ref = new.id AND i.id = new.incident_id AND new.deleted_at IS NULL;
END;
CREATE TRIGGER events_search_delete AFTER DELETE ON timeline_events BEGIN
    DELETE FROM search_docs WHERE rowid = (SELECT docid FROM search_refs WHERE kind = 'event' AND ref = old.id);
    DELETE FROM search_refs WHERE kind = 'event' AND ref = old.id;
END;

-- Post-mortems: the document.
CREATE TRIGGER postmortems_search_insert AFTER INSERT ON postmortems BEGIN
    INSERT INTO search_refs (kind, ref) VALUES ('postmortem', new.incident_id);
    INSERT INTO search_docs (rowid, number, at, title, body)
        SELECT r.docid, i.number, new.updated_at, 'Post-mortem: ' || i.title, new.body
        FROM search_refs r, incidents i
        WHERE r.kind = 'postmortem' AND r.ref = new.incident_id AND i.id = new.incident_id;
END;
CREATE TRIGGER postmortems_search_update AFTER UPDATE OF body ON postmortems BEGIN
    DELETE FROM search_docs WHERE rowid = (SELECT docid FROM search_refs WHERE kind = 'postmortem' AND ref = new.incident_id);
    INSERT INTO search_docs (rowid, number, at, title, body)
        SELECT r.docid, i.number, new.updated_at, 'Post-mortem: ' || i.title, new.body
        FROM search_refs r, incidents i
        WHERE r.kind = 'postmortem' AND r.ref = new.incident_id AND i.id = new.incident_id;
END;
CREATE TRIGGER postmortems_search_delete AFTER DELETE ON postmortems BEGIN
    DELETE FROM search_docs WHERE rowid = (SELECT docid FROM search_refs WHERE kind = 'postmortem' AND ref = old.incident_id);
    DELETE FROM search_refs WHERE kind = 'postmortem' AND ref = old.incident_id;
END;

-- Countermeasures: title and description.
CREATE TRIGGER countermeasures_search_insert AFTER INSERT ON countermeasures BEGIN
    INSERT INTO search_refs (kind, ref) VALUES ('countermeasure', new.id);
    INSERT INTO search_docs (rowid, number, at, title, body)
        SELECT docid, new.number, new.created_at, new.title, new.description_markdown
        FROM search_refs WHERE kind = 'countermeasure' AND ref = new.id;
END;
CREATE TRIGGER countermeasures_search_update AFTER UPDATE OF title, description_markdown ON countermeasures BEGIN
    DELETE FROM search_docs WHERE rowid = (SELECT docid FROM search_refs WHERE kind = 'countermeasure' AND ref = new.id);
    INSERT INTO search_docs (rowid, number, at, title, body)
        SELECT docid, new.number, new.created_at, new.title, new.description_markdown
        FROM search_refs WHERE kind = 'countermeasure' AND ref = new.id;
END;
CREATE TRIGGER countermeasures_search_delete AFTER DELETE ON countermeasures BEGIN
    DELETE FROM search_docs WHERE rowid = (SELECT docid FROM search_refs WHERE kind = 'countermeasure' AND ref = old.id);
    DELETE FROM search_refs WHERE kind = 'countermeasure' AND ref = old.id;
END;

-- What a database already holds when it gains search.
INSERT INTO search_refs (kind, ref) SELECT 'incident', id FROM incidents;
INSERT INTO search_refs (kind, ref) SELECT 'event', id FROM timeline_events;
INSERT INTO search_refs (kind, ref) SELECT 'postmortem', incident_id FROM postmortems;
INSERT INTO search_refs (kind, ref) SELECT 'countermeasure', id FROM countermeasures;
INSERT INTO search_docs (rowid, number, at, title, body)
    SELECT r.docid, i.number, i.started_at, i.title, i.summary_markdown
    FROM search_refs r JOIN incidents i ON r.kind = 'incident' AND r.ref = i.id;
INSERT INTO search_docs (rowid, number, at, title, body)
    SELECT r.docid, i.number, e.at, e.actor, e.body_markdown
    FROM search_refs r JOIN timeline_events e ON r.kind = 'event' AND r.ref = e.id
    JOIN incidents i ON i.id = e.incident_id WHERE e.deleted_at IS NULL;
INSERT INTO search_docs (rowid, number, at, title, body)
    SELECT r.docid, i.number, p.updated_at, 'Post-mortem: ' || i.title, p.body
    FROM search_refs r JOIN postmortems p ON r.kind = 'postmortem' AND r.ref = p.incident_id
    JOIN incidents i ON i.id = p.incident_id;
INSERT INTO search_docs (rowid, number, at, title, body)
    SELECT r.docid, c.number, c.created_at, c.title, c.description_markdown
    FROM search_refs r JOIN countermeasures c ON r.kind = 'countermeasure' AND r.ref = c.id;
INSERT INTO line_search (line_search) VALUES ('rebuild');
