-- Which incidents changed, in commit order, so that a process keeping the
-- report's incidents in memory re-reads only those (SQLite has one writer
-- at a time, so the sequence follows commit order). The log keeps about the
-- last 20,000 changes; a reader further behind reads everything again.
-- (On PostgreSQL, sequences do not follow commit order: there the reader
-- re-reads everything, or uses a commit-ordered mechanism.)
CREATE TABLE report_changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id TEXT NOT NULL
);

CREATE TRIGGER report_log_incident_insert AFTER INSERT ON incidents
BEGIN INSERT INTO report_changes (incident_id) VALUES (NEW.id); END;
CREATE TRIGGER report_log_incident_update AFTER UPDATE ON incidents
BEGIN
    INSERT INTO report_changes (incident_id) VALUES (NEW.id);
    INSERT INTO report_changes (incident_id) SELECT OLD.id WHERE OLD.id <> NEW.id;
END;
CREATE TRIGGER report_log_incident_delete AFTER DELETE ON incidents
BEGIN INSERT INTO report_changes (incident_id) VALUES (OLD.id); END;

CREATE TRIGGER report_log_service_insert AFTER INSERT ON incident_services
BEGIN INSERT INTO report_changes (incident_id) VALUES (NEW.incident_id); END;
CREATE TRIGGER report_log_service_update AFTER UPDATE ON incident_services
BEGIN
    INSERT INTO report_changes (incident_id) VALUES (NEW.incident_id);
    INSERT INTO report_changes (incident_id) SELECT OLD.incident_id
        WHERE OLD.incident_id <> NEW.incident_id;
END;
CREATE TRIGGER report_log_service_delete AFTER DELETE ON incident_services
BEGIN INSERT INTO report_changes (incident_id) VALUES (OLD.incident_id); END;

CREATE TRIGGER report_changes_prune AFTER INSERT ON report_changes WHEN NEW.seq % 1000 = 0
BEGIN DELETE FROM report_changes WHERE seq <= NEW.seq - 20000; END;
