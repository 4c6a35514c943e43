-- Accounts: local and remote actors share one table (as in Mastodon) so statuses, follows
-- and votes point at one id space. A local account has domain IS NULL and a users row.

CREATE TABLE accounts (
    id                 bigint PRIMARY KEY,
    username           text        NOT NULL,
    domain             text,
    display_name       text        NOT NULL DEFAULT '',
    note               text        NOT NULL DEFAULT '',
    uri                text        NOT NULL,
    url                text,
    inbox_url          text,
    shared_inbox_url   text,
    outbox_url         text,
    followers_url      text,
    following_url      text,
    featured_url       text,
    actor_type         text        NOT NULL DEFAULT 'Person',
    public_key_pem     text,
    public_key_id      text,
    private_key_pem    text,
    locked             boolean     NOT NULL DEFAULT false,
    bot                boolean     NOT NULL DEFAULT false,
    discoverable       boolean     NOT NULL DEFAULT true,
    indexable          boolean     NOT NULL DEFAULT true,
    avatar_url         text,
    header_url         text,
    fields             jsonb       NOT NULL DEFAULT '[]',
    also_known_as      text[]      NOT NULL DEFAULT '{}',
    moved_to_account_id bigint REFERENCES accounts (id) ON DELETE SET NULL,
    suspended_at       timestamptz,
    fetched_at         timestamptz,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,
    CONSTRAINT accounts_username_chars CHECK (username ~ '^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?$')
);
CREATE UNIQUE INDEX accounts_username_domain_key ON accounts (lower(username), coalesce(lower(domain), ''));
CREATE UNIQUE INDEX accounts_uri_key ON accounts (uri);
CREATE INDEX accounts_domain_idx ON accounts (domain) WHERE domain IS NOT NULL;

CREATE TABLE users (
    id                 bigint PRIMARY KEY,
    account_id         bigint      NOT NULL UNIQUE REFERENCES accounts (id) ON DELETE CASCADE,
    email              text        NOT NULL,
    password_hash      text        NOT NULL,
    role               text        NOT NULL DEFAULT 'user' CHECK (role IN ('admin', 'moderator', 'user')),
    approved           boolean     NOT NULL DEFAULT true,
    signup_reason      text        NOT NULL DEFAULT '',
    disabled           boolean     NOT NULL DEFAULT false,
    locale             text        NOT NULL DEFAULT 'en',
    created_at         timestamptz NOT NULL,
    last_sign_in_at    timestamptz,
    password_changed_at timestamptz
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE INDEX users_pending_idx ON users (created_at) WHERE NOT approved;

-- Browser sessions. The cookie holds a random token; only its SHA-256 is stored.
CREATE TABLE web_sessions (
    token_hash         bytea PRIMARY KEY,
    user_id            bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at         timestamptz NOT NULL,
    last_seen_at       timestamptz NOT NULL,
    expires_at         timestamptz NOT NULL,
    ip                 text,
    user_agent         text        NOT NULL DEFAULT ''
);
CREATE INDEX web_sessions_user_idx ON web_sessions (user_id);

-- Fixed-window counters shared by every web process (login, sign-up, posting limits).
CREATE TABLE rate_limit_hits (
    bucket             text        NOT NULL,
    window_start       timestamptz NOT NULL,
    hits               integer     NOT NULL,
    PRIMARY KEY (bucket, window_start)
);
