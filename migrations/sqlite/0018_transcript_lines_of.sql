-- Deleting a transcript (or an incident) cascades to its lines, and an
-- incident's export reads them by transcript: this finds them without a scan
-- of every line. PostgreSQL has had it from the start; the schema parity
-- test (tests/http/schema.rs) found it missing here.
CREATE INDEX transcript_lines_of ON transcript_lines (transcript_id);
