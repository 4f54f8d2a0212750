-- Failed sign-ins, counted for the sign-in rate limit. Kept in the database
-- (not in a server's memory) so that every instance sharing a database counts
-- the same attempts. `key` is "account:<login>" or "address:<client>". Rows
-- older than the limit's window are deleted as new ones arrive.
CREATE TABLE sign_in_failures (
    key TEXT NOT NULL,
    at INTEGER NOT NULL                        -- epoch seconds, UTC
);
CREATE INDEX sign_in_failures_by_key ON sign_in_failures (key, at);
CREATE INDEX sign_in_failures_by_age ON sign_in_failures (at);
