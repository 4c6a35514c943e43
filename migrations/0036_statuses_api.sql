-- What the client API needs beyond the social core: idempotent posting and scheduled posts.

-- A client retrying POST /api/v1/statuses with the same Idempotency-Key within an hour gets
-- the status it already made instead of a second one.
CREATE TABLE status_idempotency_keys (
    account_id   bigint      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    key          text        NOT NULL,
    status_id    bigint      NOT NULL,
    created_at   timestamptz NOT NULL,
    PRIMARY KEY (account_id, key)
);

-- Posts written now and published later by a job (Mastodon's scheduled statuses).
CREATE TABLE scheduled_statuses (
    id              bigint PRIMARY KEY,
    account_id      bigint      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    scheduled_at    timestamptz NOT NULL,
    params          jsonb       NOT NULL,
    application_id  bigint,
    created_at      timestamptz NOT NULL
);
CREATE INDEX scheduled_statuses_account_idx ON scheduled_statuses (account_id, id DESC);

-- Trending statuses are ranked by the favourites of the last days.
CREATE INDEX favourites_created_idx ON favourites (created_at);
