-- What the Mastodon client API needs beyond the social core: the plain-text sources of a
-- local profile, uploaded avatar and header files, posting defaults, weekly activity and the
-- instance's rules.

-- accounts.note and accounts.fields hold the HTML every reader sees (and federation
-- publishes); a local author edits the plain text kept here.
ALTER TABLE accounts ADD COLUMN note_source   text,
                     ADD COLUMN fields_source jsonb,
                     -- files under the media directory; remote accounts use avatar_url/header_url
                     ADD COLUMN avatar_path   text,
                     ADD COLUMN header_path   text;

ALTER TABLE users ADD COLUMN default_privacy   text    NOT NULL DEFAULT 'public'
                      CHECK (default_privacy IN ('public', 'unlisted', 'private', 'direct')),
                  ADD COLUMN default_sensitive boolean NOT NULL DEFAULT false,
                  ADD COLUMN default_language  text,
                  ADD COLUMN hide_collections  boolean NOT NULL DEFAULT false;

-- One row per user and week in which they signed in or used the API: the "logins" column of
-- the instance activity report, kept without storing every request.
CREATE TABLE user_activity_weeks (
    week     date   NOT NULL,
    user_id  bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (week, user_id)
);

-- The instance's rules as the API lists them, until the charter's moderation clauses take
-- their place.
CREATE TABLE instance_rules (
    id          bigint PRIMARY KEY,
    text        text        NOT NULL,
    hint        text        NOT NULL DEFAULT '',
    position    integer     NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL
);
