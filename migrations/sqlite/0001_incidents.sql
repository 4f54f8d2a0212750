-- Incidents: the record every other feature hangs from.
-- Instants are INTEGER seconds since the Unix epoch, UTC (portable to PostgreSQL's BIGINT,
-- cheap to sort and subtract for reports). Closed sets are short snake_case codes.
CREATE TABLE incidents (
    id TEXT PRIMARY KEY NOT NULL,              -- UUID: stable across exports and databases
    number INTEGER NOT NULL UNIQUE,            -- the human-facing "#42"
    version INTEGER NOT NULL DEFAULT 1,        -- bumped on every write; stale writes are refused
    title TEXT NOT NULL,
    severity TEXT NOT NULL CHECK (severity IN ('blip', 'degradation', 'outage')),
    status TEXT NOT NULL CHECK (status IN ('investigating', 'resolved', 'in_review', 'published')),
    commander TEXT NOT NULL DEFAULT '',
    facilitator TEXT NOT NULL DEFAULT '',
    detection_method TEXT CHECK (detection_method IN ('automated_alert', 'customer_report', 'employee', 'other')),
    time_zone TEXT NOT NULL DEFAULT 'UTC',     -- IANA zone the key moments were typed in
    summary_markdown TEXT NOT NULL DEFAULT '',
    impact_started_at INTEGER,
    impact_started_estimated INTEGER NOT NULL DEFAULT 0 CHECK (impact_started_estimated IN (0, 1)),
    detected_at INTEGER,
    detected_estimated INTEGER NOT NULL DEFAULT 0 CHECK (detected_estimated IN (0, 1)),
    notified_at INTEGER,
    notified_estimated INTEGER NOT NULL DEFAULT 0 CHECK (notified_estimated IN (0, 1)),
    responded_at INTEGER,
    responded_estimated INTEGER NOT NULL DEFAULT 0 CHECK (responded_estimated IN (0, 1)),
    diagnosed_at INTEGER,
    diagnosed_estimated INTEGER NOT NULL DEFAULT 0 CHECK (diagnosed_estimated IN (0, 1)),
    repaired_at INTEGER,
    repaired_estimated INTEGER NOT NULL DEFAULT 0 CHECK (repaired_estimated IN (0, 1)),
    resolved_at INTEGER,
    resolved_estimated INTEGER NOT NULL DEFAULT 0 CHECK (resolved_estimated IN (0, 1)),
    cynefin_first TEXT CHECK (cynefin_first IN ('clear', 'complicated', 'complex', 'chaotic', 'confused')),
    cynefin_first_note TEXT NOT NULL DEFAULT '',
    cynefin_hindsight TEXT CHECK (cynefin_hindsight IN ('clear', 'complicated', 'complex', 'chaotic', 'confused')),
    cynefin_hindsight_note TEXT NOT NULL DEFAULT '',
    started_at INTEGER NOT NULL,               -- earliest key moment, else created_at: list order
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE INDEX incidents_by_start ON incidents (started_at, number);
CREATE INDEX incidents_by_status ON incidents (status, started_at);
CREATE INDEX incidents_by_severity ON incidents (severity, started_at);

-- Affected services, as tags, in the order given.
CREATE TABLE incident_services (
    incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    service TEXT NOT NULL,
    PRIMARY KEY (incident_id, service)
);

CREATE INDEX incident_services_by_service ON incident_services (service, incident_id);
