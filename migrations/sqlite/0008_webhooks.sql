-- The outgoing webhook: endpoints an administrator adds, and every delivery
-- of every event to each of them. A delivery is written in the transaction
-- of the change it reports (an outbox), so nothing is lost while a
-- receiver is down; the worker sends and retries it.

CREATE TABLE webhook_endpoints (
    id TEXT PRIMARY KEY NOT NULL,              -- UUID
    url TEXT NOT NULL,
    secret TEXT NOT NULL,                      -- signs each body (HMAC-SHA256); never shown again
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_by TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL                -- epoch seconds, UTC
);

CREATE TABLE webhook_deliveries (
    id TEXT PRIMARY KEY NOT NULL,              -- UUID; sent as X-Debrief-Delivery: the receiver's idempotency key
    endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event TEXT NOT NULL,                       -- countermeasure.created, countermeasure.status_changed
    body TEXT NOT NULL,                        -- the JSON sent, byte for byte: what the signature covers
    state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,          -- epoch milliseconds
    lease_until INTEGER,                       -- epoch milliseconds: a worker is sending it until then
    last_status INTEGER,                       -- the receiver's last HTTP status, if it answered
    last_error TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,               -- epoch seconds
    delivered_at INTEGER                       -- epoch seconds
);

CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt_at);
CREATE INDEX webhook_deliveries_recent ON webhook_deliveries (created_at);
