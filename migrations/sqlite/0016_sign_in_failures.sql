-- Failed sign-ins, counted for the sign-in rate limit. Kept in the database
-- (not in a server's memory) so that every instance sharing a database counts
-- the same attempts. `key` is "account:<login>" or "address:<client>". Rows
-- older than the limit's window are deleted as new ones arrive. An attempt is
-- written before its password is checked (so parallel guesses see each
-- other) and taken back if it succeeds.
CREATE TABLE sign_in_failures (
    key TEXT NOT NULL,
    attempt TEXT NOT NULL,                     -- one sign-in attempt's rows, taken back if it succeeds
    at INTEGER NOT NULL                        -- epoch seconds, UTC
);
CREATE INDEX sign_in_failures_by_key ON sign_in_failures (key, at);
CREATE INDEX sign_in_failures_by_age ON sign_in_failures (at);
CREATE INDEX sign_in_failures_by_attempt ON sign_in_failures (attempt);
