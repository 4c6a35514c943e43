-- The account side of the Mastodon client API: private notes, endorsements, featured tags,
-- lists, markers, filters, dismissed suggestions, and what a report made through the API
-- records. Per-account tables carry the owning account's id first in their keys.

CREATE TABLE account_notes (
    account_id         bigint      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id  bigint      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    comment            text        NOT NULL,
    updated_at         timestamptz NOT NULL,
    PRIMARY KEY (account_id, target_account_id)
);

-- Accounts a member features on their profile (Mastodon's "endorsements").
CREATE TABLE account_pins (
    account_id         bigint      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id  bigint      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id                 bigint      NOT NULL UNIQUE,
    created_at         timestamptz NOT NULL,
    PRIMARY KEY (account_id, target_account_id)
);

CREATE TABLE featured_tags (
    id            bigint PRIMARY KEY,
    account_id    bigint      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    tag_id        bigint      NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    created_at    timestamptz NOT NULL,
    UNIQUE (account_id, tag_id)
);

CREATE TABLE lists (
    id              bigint PRIMARY KEY,
    account_id      bigint      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    title           text        NOT NULL,
    replies_policy  text        NOT NULL DEFAULT 'list'
                    CHECK (replies_policy IN ('followed', 'list', 'none')),
    exclusive       boolean     NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL
);
CREATE INDEX lists_account_idx ON lists (account_id, id);

-- list_accounts.account_id is the member of the list (the followed account); the list's
-- owner is lists.account_id. Keyed by the member first so the fan-out finds the lists an
-- author is on with one index scan.
CREATE TABLE list_accounts (
    account_id  bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    list_id     bigint NOT NULL REFERENCES lists (id) ON DELETE CASCADE,
    id          bigint NOT NULL UNIQUE,
    PRIMARY KEY (account_id, list_id)
);
CREATE INDEX list_accounts_list_idx ON list_accounts (list_id, account_id);

CREATE TABLE markers (
    account_id    bigint      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    timeline      text        NOT NULL CHECK (timeline IN ('home', 'notifications')),
    last_read_id  bigint      NOT NULL,
    version       integer     NOT NULL DEFAULT 0,
    updated_at    timestamptz NOT NULL,
    PRIMARY KEY (account_id, timeline)
);

CREATE TABLE filters (
    id             bigint PRIMARY KEY,
    account_id     bigint      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    title          text        NOT NULL,
    context        text[]      NOT NULL,
    filter_action  text        NOT NULL DEFAULT 'warn'
                   CHECK (filter_action IN ('warn', 'hide', 'blur')),
    expires_at     timestamptz,
    created_at     timestamptz NOT NULL
);
CREATE INDEX filters_account_idx ON filters (account_id, id);

CREATE TABLE filter_keywords (
    id          bigint PRIMARY KEY,
    filter_id   bigint      NOT NULL REFERENCES filters (id) ON DELETE CASCADE,
    keyword     text        NOT NULL,
    whole_word  boolean     NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL
);
CREATE INDEX filter_keywords_filter_idx ON filter_keywords (filter_id, id);

CREATE TABLE filter_statuses (
    id          bigint PRIMARY KEY,
    filter_id   bigint      NOT NULL REFERENCES filters (id) ON DELETE CASCADE,
    status_id   bigint      NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL,
    UNIQUE (filter_id, status_id)
);

CREATE TABLE suggestion_dismissals (
    account_id         bigint      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id  bigint      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at         timestamptz NOT NULL,
    PRIMARY KEY (account_id, target_account_id)
);

-- Reports made by local members through the API (received ones keep their columns).
ALTER TABLE reports ADD COLUMN category      text NOT NULL DEFAULT 'other'
                        CHECK (category IN ('spam', 'legal', 'violation', 'other')),
                    ADD COLUMN rule_ids      text[]   NOT NULL DEFAULT '{}',
                    ADD COLUMN status_ids    bigint[] NOT NULL DEFAULT '{}',
                    ADD COLUMN forward       boolean  NOT NULL DEFAULT false,
                    ADD COLUMN forwarded     boolean  NOT NULL DEFAULT false,
                    ADD COLUMN action_taken  text     NOT NULL DEFAULT 'open'
                        CHECK (action_taken IN ('open', 'resolved', 'dismissed')),
                    ADD COLUMN action_taken_at timestamptz;
CREATE INDEX reports_reporter_idx ON reports (reporter_account_id, id DESC);
