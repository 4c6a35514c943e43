-- Inbox POSTs signed by a key we do not have yet. The web process checks everything that
-- needs no key (body size, JSON shape, digest, Date window, the key on the actor's host),
-- keeps the request here and answers 202; a job fetches the key, verifies the signature
-- kept here and moves the activity to inbox_items, or drops it. The signature is kept as
-- parsed (the exact bytes that were signed), so the job needs neither the headers nor the
-- request line. Bounded per host and in total by the inbox (see inbox_routes).
CREATE TABLE inbox_unverified (
    id                  bigint      PRIMARY KEY,
    activity_id         text        NOT NULL,
    actor_uri           text        NOT NULL,
    type                text        NOT NULL,
    -- the host of the key id (and of the actor: they must match), for the per-host bound
    host                text        NOT NULL,
    raw                 text        NOT NULL,
    inbox_account_id    bigint REFERENCES accounts (id) ON DELETE SET NULL,
    received_at         timestamptz NOT NULL,
    sig_scheme          text        NOT NULL,
    key_id              text        NOT NULL,
    sig_algorithm       text        NOT NULL,
    signing_string      bytea       NOT NULL,
    legacy_signing_string bytea,
    signature           bytea       NOT NULL,
    covered             text[]      NOT NULL,
    sig_created         timestamptz
);
CREATE UNIQUE INDEX inbox_unverified_activity_id_key ON inbox_unverified (activity_id);
CREATE INDEX inbox_unverified_host_idx ON inbox_unverified (host, received_at);
-- for the purge of rows whose job gave up without deleting them (see defer_unverified)
CREATE INDEX inbox_unverified_received_idx ON inbox_unverified (received_at);
