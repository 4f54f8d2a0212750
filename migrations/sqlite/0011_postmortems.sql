-- Post-mortem documents: one per incident, Markdown, with every saved version kept.
-- `version` guards concurrent edits as for incidents: a save based on an older version is refused.
CREATE TABLE postmortems (
    incident_id TEXT PRIMARY KEY NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    body TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'published')),
    version INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    updated_by TEXT NOT NULL,
    published_at INTEGER
);

-- Every version as it was saved, published or reopened (the body at that moment).
CREATE TABLE postmortem_versions (
    incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'published')),
    action TEXT NOT NULL CHECK (action IN ('saved', 'published', 'reopened')),
    saved_at INTEGER NOT NULL,
    saved_by TEXT NOT NULL,
    PRIMARY KEY (incident_id, version)
);
