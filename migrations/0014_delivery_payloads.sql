-- An outbound activity's body, serialized once and shared by every delivery job of its
-- fan-out: a post to followers on 1,800 servers stores it once, not in each of 1,800 jobs.
-- Rows go after a week, longer than any delivery keeps retrying (20 tries, at most 6 h apart).
CREATE TABLE delivery_payloads (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    body        bytea       NOT NULL,
    created_at  timestamptz NOT NULL
);
CREATE INDEX delivery_payloads_created_idx ON delivery_payloads (created_at);
