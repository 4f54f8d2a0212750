-- Large imports are committed first and their lines indexed for search right after, by the
-- server, in a transaction of their own (indexing a million lines inside the import would
-- double its time). 0 marks a transcript whose lines are not indexed yet; a server that
-- starts later catches up.
ALTER TABLE transcripts ADD COLUMN search_indexed INTEGER NOT NULL DEFAULT 1 CHECK (search_indexed IN (0, 1));
CREATE INDEX transcripts_search_pending ON transcripts (id) WHERE search_indexed = 0;
