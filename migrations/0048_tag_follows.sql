-- Hashtags an account follows (Mastodon's followed tags): public posts carrying one of them
-- join the follower's home feed. Paged by the follow's own id, newest first.
CREATE TABLE tag_follows (
    id          bigint PRIMARY KEY,
    account_id  bigint      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    tag_id      bigint      NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL,
    UNIQUE (account_id, tag_id)
);
-- Who follows a tag: read when a post carrying it is fanned out.
CREATE INDEX tag_follows_tag_idx ON tag_follows (tag_id, account_id);
