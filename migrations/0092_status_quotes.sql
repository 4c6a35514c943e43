-- Quote posts (FEP-044f, as Mastodon 4.5 federates them): a post that quotes another, and
-- whether the quoted post's author allowed it. One row per quoting post.
--
-- state: pending (no authorisation seen yet), accepted (the quoted author's server gave an
-- authorisation stamp we checked, or it is a self-quote), rejected (refused, or the stamp did
-- not check out), revoked (the stamp was withdrawn later), deleted (the quoted post is gone).
-- approval_uri is the stamp's id when the quoted author is elsewhere; ours are served at
-- /users/NAME/quote_authorizations/ID (ID = the quoting post's status id) and need no column.
CREATE TABLE status_quotes (
    status_id          bigint      PRIMARY KEY REFERENCES statuses (id) ON DELETE CASCADE,
    account_id         bigint      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    quoted_uri         text        NOT NULL,
    quoted_status_id   bigint      REFERENCES statuses (id) ON DELETE SET NULL,
    quoted_account_id  bigint      REFERENCES accounts (id) ON DELETE SET NULL,
    state              text        NOT NULL DEFAULT 'pending'
                       CHECK (state IN ('pending', 'accepted', 'rejected', 'revoked', 'deleted')),
    approval_uri       text,
    activity_uri       text,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL
);

-- The quotes of a post (its quotes list and count) and the revocation of a stamp by its id.
CREATE INDEX status_quotes_quoted_idx ON status_quotes (quoted_status_id, status_id)
    WHERE quoted_status_id IS NOT NULL;
CREATE INDEX status_quotes_approval_idx ON status_quotes (approval_uri)
    WHERE approval_uri IS NOT NULL;
