-- Inbound ActivityPub: what arrived, the instance actor that signs our fetches, what remote
-- servers report to us, and instance-level policies for whole domains.

-- Every accepted inbox POST, stored before it is processed (answered 202 once this row and
-- its processing job are committed). The activity id is unique, so a redelivery is a no-op.
CREATE TABLE inbox_items (
    id                 bigint PRIMARY KEY,
    activity_id        text        NOT NULL,
    actor_uri          text        NOT NULL,
    type               text        NOT NULL,
    raw                jsonb       NOT NULL,
    -- the key id whose signature was verified (NULL only for rows made by our own code)
    signed_by          text,
    -- the personal inbox it was posted to; NULL for the shared inbox
    inbox_account_id   bigint REFERENCES accounts (id) ON DELETE SET NULL,
    received_at        timestamptz NOT NULL,
    state              text        NOT NULL DEFAULT 'received'
                       CHECK (state IN ('received', 'processed', 'ignored', 'failed')),
    error              text,
    processed_at       timestamptz
);
CREATE UNIQUE INDEX inbox_items_activity_id_key ON inbox_items (activity_id);
CREATE INDEX inbox_items_open_idx ON inbox_items (state, received_at) WHERE state <> 'processed';

-- The instance actor (an `Application` at /actor) signs fetches that are not on behalf of a
-- member. One row, made on first use.
CREATE TABLE instance_actor (
    singleton          boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
    public_key_pem     text        NOT NULL,
    private_key_pem    text        NOT NULL,
    created_at         timestamptz NOT NULL
);

-- Remote actors are looked up by the key id that signed a request, on every inbox POST.
CREATE INDEX accounts_public_key_id_idx ON accounts (public_key_id) WHERE public_key_id IS NOT NULL;
-- A remote actor may name its new home before we know that account.
ALTER TABLE accounts ADD COLUMN moved_to_uri text;

-- Reports that other servers send us (`Flag`). The moderation work reads them; nothing here
-- acts on them.
CREATE TABLE reports (
    id                   bigint PRIMARY KEY,
    uri                  text,
    reporter_account_id  bigint      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_ids   bigint[]    NOT NULL,
    status_uris          text[]      NOT NULL DEFAULT '{}',
    comment              text        NOT NULL DEFAULT '',
    origin_domain        text,
    received_at          timestamptz NOT NULL
);
CREATE UNIQUE INDEX reports_uri_key ON reports (uri) WHERE uri IS NOT NULL;
CREATE INDEX reports_received_idx ON reports (received_at DESC);

