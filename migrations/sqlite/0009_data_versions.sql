-- A counter per derived view that every change to its inputs bumps, in the
-- same transaction (triggers), so a process can keep the view in memory and
-- know, with one read, whether it is still current, even when another
-- process (the command line) or another instance wrote.
CREATE TABLE data_versions (
    name TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL
);

-- The outlier report reads incidents, their services and countermeasures.
INSERT INTO data_versions (name, version) VALUES ('report', 1);

CREATE TRIGGER report_incidents_insert AFTER INSERT ON incidents
BEGIN UPDATE data_versions SET version = version + 1 WHERE name = 'report'; END;
CREATE TRIGGER report_incidents_update AFTER UPDATE ON incidents
BEGIN UPDATE data_versions SET version = version + 1 WHERE name = 'report'; END;
CREATE TRIGGER report_incidents_delete AFTER DELETE ON incidents
BEGIN UPDATE data_versions SET version = version + 1 WHERE name = 'report'; END;

CREATE TRIGGER report_services_insert AFTER INSERT ON incident_services
BEGIN UPDATE data_versions SET version = version + 1 WHERE name = 'report'; END;
CREATE TRIGGER report_services_update AFTER UPDATE ON incident_services
BEGIN UPDATE data_versions SET version = version + 1 WHERE name = 'report'; END;
CREATE TRIGGER report_services_delete AFTER DELETE ON incident_services
BEGIN UPDATE data_versions SET version = version + 1 WHERE name = 'report'; END;

CREATE TRIGGER report_countermeasures_insert AFTER INSERT ON countermeasures
BEGIN UPDATE data_versions SET version = version + 1 WHERE name = 'report'; END;
CREATE TRIGGER report_countermeasures_update AFTER UPDATE ON countermeasures
BEGIN UPDATE data_versions SET version = version + 1 WHERE name = 'report'; END;
CREATE TRIGGER report_countermeasures_delete AFTER DELETE ON countermeasures
BEGIN UPDATE data_versions SET version = version + 1 WHERE name = 'report'; END;

CREATE TRIGGER report_cm_links_insert AFTER INSERT ON countermeasure_incidents
BEGIN UPDATE data_versions SET version = version + 1 WHERE name = 'report'; END;
CREATE TRIGGER report_cm_links_update AFTER UPDATE ON countermeasure_incidents
BEGIN UPDATE data_versions SET version = version + 1 WHERE name = 'report'; END;
CREATE TRIGGER report_cm_links_delete AFTER DELETE ON countermeasure_incidents
BEGIN UPDATE data_versions SET version = version + 1 WHERE name = 'report'; END;
