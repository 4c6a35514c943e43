-- OAuth 2 for the Mastodon client API: registered client applications, short-lived
-- authorization codes and access tokens. Client secrets, codes and tokens are random strings
-- shown once; only their SHA-256 is stored, so a copy of the database grants nothing.

CREATE TABLE oauth_applications (
    id                  bigint PRIMARY KEY,
    name                text        NOT NULL,
    website             text,
    redirect_uris       text[]      NOT NULL,
    scopes              text[]      NOT NULL,
    client_id           text        NOT NULL UNIQUE,
    client_secret_hash  bytea       NOT NULL,
    created_at          timestamptz NOT NULL
);

CREATE TABLE oauth_access_tokens (
    id              bigint PRIMARY KEY,
    token_hash      bytea       NOT NULL UNIQUE,
    application_id  bigint      NOT NULL REFERENCES oauth_applications (id) ON DELETE CASCADE,
    -- NULL for an application-only token (client_credentials grant)
    user_id         bigint REFERENCES users (id) ON DELETE CASCADE,
    scopes          text[]      NOT NULL,
    created_at      timestamptz NOT NULL,
    revoked_at      timestamptz
);
CREATE INDEX oauth_access_tokens_user_idx ON oauth_access_tokens (user_id, application_id)
    WHERE revoked_at IS NULL;

CREATE TABLE oauth_authorization_codes (
    code_hash              bytea PRIMARY KEY,
    application_id         bigint      NOT NULL REFERENCES oauth_applications (id) ON DELETE CASCADE,
    user_id                bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    redirect_uri           text        NOT NULL,
    scopes                 text[]      NOT NULL,
    code_challenge         text,
    code_challenge_method  text CHECK (code_challenge_method IN ('S256', 'plain')),
    created_at             timestamptz NOT NULL,
    expires_at             timestamptz NOT NULL,
    used_at                timestamptz,
    -- the token the code was exchanged for: revoked if the code is ever presented again
    access_token_id        bigint REFERENCES oauth_access_tokens (id) ON DELETE SET NULL
);
CREATE INDEX oauth_authorization_codes_expiry_idx ON oauth_authorization_codes (expires_at);
