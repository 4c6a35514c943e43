-- The social core shared by the client API, the pages and both federation protocols.
-- Tables that grow with use carry the owning account's id in their keys so they can later
-- be distributed by account.

CREATE TABLE account_stats (
    account_id        bigint PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    statuses_count    integer NOT NULL DEFAULT 0,
    followers_count   integer NOT NULL DEFAULT 0,
    following_count   integer NOT NULL DEFAULT 0,
    last_status_at    timestamptz
);

CREATE TABLE statuses (
    id                      bigint PRIMARY KEY,
    account_id              bigint      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    uri                     text        NOT NULL,
    url                     text,
    local                   boolean     NOT NULL,
    in_reply_to_id          bigint REFERENCES statuses (id) ON DELETE SET NULL,
    in_reply_to_account_id  bigint REFERENCES accounts (id) ON DELETE SET NULL,
    in_reply_to_uri         text,
    reblog_of_id            bigint REFERENCES statuses (id) ON DELETE CASCADE,
    conversation_id         bigint,
    content                 text        NOT NULL DEFAULT '',
    text_source             text,
    spoiler_text            text        NOT NULL DEFAULT '',
    sensitive               boolean     NOT NULL DEFAULT false,
    visibility              text        NOT NULL
                            CHECK (visibility IN ('public', 'unlisted', 'private', 'direct')),
    language                text,
    application_id          bigint,
    edited_at               timestamptz,
    deleted_at              timestamptz,
    created_at              timestamptz NOT NULL,
    updated_at              timestamptz NOT NULL,
    replies_count           integer     NOT NULL DEFAULT 0,
    reblogs_count           integer     NOT NULL DEFAULT 0,
    favourites_count        integer     NOT NULL DEFAULT 0,
    search_vector           tsvector GENERATED ALWAYS AS (
        to_tsvector('simple', coalesce(spoiler_text, '') || ' ' ||
                    regexp_replace(coalesce(content, ''), '<[^>]*>', ' ', 'g'))) STORED
);
CREATE UNIQUE INDEX statuses_uri_key ON statuses (uri);
CREATE INDEX statuses_account_idx ON statuses (account_id, id DESC);
CREATE INDEX statuses_public_idx ON statuses (id DESC)
    WHERE visibility = 'public' AND reblog_of_id IS NULL AND deleted_at IS NULL;
CREATE INDEX statuses_local_public_idx ON statuses (id DESC)
    WHERE local AND visibility = 'public' AND reblog_of_id IS NULL AND deleted_at IS NULL;
CREATE INDEX statuses_reply_idx ON statuses (in_reply_to_id) WHERE in_reply_to_id IS NOT NULL;
CREATE INDEX statuses_reply_uri_idx ON statuses (in_reply_to_uri) WHERE in_reply_to_uri IS NOT NULL AND in_reply_to_id IS NULL;
CREATE INDEX statuses_reblog_idx ON statuses (reblog_of_id, account_id) WHERE reblog_of_id IS NOT NULL;
CREATE INDEX statuses_conversation_idx ON statuses (conversation_id, id);
CREATE INDEX statuses_search_idx ON statuses USING gin (search_vector);

-- Earlier versions of an edited status (Mastodon's status edits).
CREATE TABLE status_edits (
    id            bigint PRIMARY KEY,
    status_id     bigint      NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    account_id    bigint      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    content       text        NOT NULL,
    spoiler_text  text        NOT NULL DEFAULT '',
    sensitive     boolean     NOT NULL DEFAULT false,
    media         jsonb       NOT NULL DEFAULT '[]',
    poll_options  jsonb,
    created_at    timestamptz NOT NULL
);
CREATE INDEX status_edits_status_idx ON status_edits (status_id, id);

CREATE TABLE mentions (
    status_id     bigint  NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    account_id    bigint  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    silent        boolean NOT NULL DEFAULT false,
    PRIMARY KEY (status_id, account_id)
);
CREATE INDEX mentions_account_idx ON mentions (account_id, status_id DESC);

CREATE TABLE tags (
    id            bigint PRIMARY KEY,
    name          text        NOT NULL,
    created_at    timestamptz NOT NULL,
    last_used_at  timestamptz
);
CREATE UNIQUE INDEX tags_name_key ON tags (lower(name));

CREATE TABLE status_tags (
    status_id     bigint NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    tag_id        bigint NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    PRIMARY KEY (tag_id, status_id)
);
CREATE INDEX status_tags_status_idx ON status_tags (status_id);

CREATE TABLE media_attachments (
    id            bigint PRIMARY KEY,
    account_id    bigint      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_id     bigint REFERENCES statuses (id) ON DELETE SET NULL,
    type          text        NOT NULL CHECK (type IN ('image', 'gifv', 'video', 'audio', 'unknown')),
    file_path     text,
    preview_path  text,
    remote_url    text,
    content_type  text,
    description   text,
    blurhash      text,
    meta          jsonb       NOT NULL DEFAULT '{}',
    focus_x       real        NOT NULL DEFAULT 0,
    focus_y       real        NOT NULL DEFAULT 0,
    position      integer     NOT NULL DEFAULT 0,
    created_at    timestamptz NOT NULL
);
CREATE INDEX media_attachments_status_idx ON media_attachments (status_id, position) WHERE status_id IS NOT NULL;
CREATE INDEX media_attachments_account_idx ON media_attachments (account_id, id DESC);

CREATE TABLE polls (
    id            bigint PRIMARY KEY,
    status_id     bigint      NOT NULL UNIQUE REFERENCES statuses (id) ON DELETE CASCADE,
    account_id    bigint      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    options       jsonb       NOT NULL,
    multiple      boolean     NOT NULL DEFAULT false,
    hide_totals   boolean     NOT NULL DEFAULT false,
    expires_at    timestamptz,
    closed_at     timestamptz,
    -- remote polls report their counts; local ones are counted from poll_votes
    remote_counts jsonb,
    remote_voters integer,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);

CREATE TABLE poll_votes (
    id            bigint PRIMARY KEY,
    poll_id       bigint      NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    account_id    bigint      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    choice        integer     NOT NULL,
    uri           text,
    created_at    timestamptz NOT NULL,
    UNIQUE (poll_id, account_id, choice)
);

CREATE TABLE follows (
    id                 bigint PRIMARY KEY,
    account_id         bigint      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id  bigint      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    show_reblogs       boolean     NOT NULL DEFAULT true,
    notify             boolean     NOT NULL DEFAULT false,
    languages          text[],
    uri                text,
    created_at         timestamptz NOT NULL,
    UNIQUE (account_id, target_account_id)
);
CREATE INDEX follows_target_idx ON follows (target_account_id, account_id);

CREATE TABLE follow_requests (
    id                 bigint PRIMARY KEY,
    account_id         bigint      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id  bigint      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    show_reblogs       boolean     NOT NULL DEFAULT true,
    notify             boolean     NOT NULL DEFAULT false,
    uri                text,
    created_at         timestamptz NOT NULL,
    UNIQUE (account_id, target_account_id)
);
CREATE INDEX follow_requests_target_idx ON follow_requests (target_account_id, id);

CREATE TABLE favourites (
    id            bigint PRIMARY KEY,
    account_id    bigint      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_id     bigint      NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    uri           text,
    created_at    timestamptz NOT NULL,
    UNIQUE (account_id, status_id)
);
CREATE INDEX favourites_status_idx ON favourites (status_id);
CREATE INDEX favourites_account_idx ON favourites (account_id, id DESC);

CREATE TABLE bookmarks (
    id            bigint PRIMARY KEY,
    account_id    bigint      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_id     bigint      NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    created_at    timestamptz NOT NULL,
    UNIQUE (account_id, status_id)
);
CREATE INDEX bookmarks_account_idx ON bookmarks (account_id, id DESC);

CREATE TABLE status_pins (
    id            bigint PRIMARY KEY,
    account_id    bigint      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_id     bigint      NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    created_at    timestamptz NOT NULL,
    UNIQUE (account_id, status_id)
);

CREATE TABLE blocks (
    id                 bigint PRIMARY KEY,
    account_id         bigint      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id  bigint      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    uri                text,
    created_at         timestamptz NOT NULL,
    UNIQUE (account_id, target_account_id)
);
CREATE INDEX blocks_target_idx ON blocks (target_account_id);

CREATE TABLE mutes (
    id                 bigint PRIMARY KEY,
    account_id         bigint      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id  bigint      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    hide_notifications boolean     NOT NULL DEFAULT true,
    expires_at         timestamptz,
    created_at         timestamptz NOT NULL,
    UNIQUE (account_id, target_account_id)
);

CREATE TABLE account_domain_blocks (
    id            bigint PRIMARY KEY,
    account_id    bigint      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    domain        text        NOT NULL,
    created_at    timestamptz NOT NULL,
    UNIQUE (account_id, domain)
);

CREATE TABLE conversation_mutes (
    account_id       bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    conversation_id  bigint NOT NULL,
    PRIMARY KEY (account_id, conversation_id)
);

CREATE TABLE notifications (
    id               bigint PRIMARY KEY,
    account_id       bigint      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    from_account_id  bigint      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    type             text        NOT NULL,
    status_id        bigint REFERENCES statuses (id) ON DELETE CASCADE,
    target_id        bigint,
    created_at       timestamptz NOT NULL
);
CREATE INDEX notifications_account_idx ON notifications (account_id, id DESC);
CREATE UNIQUE INDEX notifications_once_idx ON notifications (account_id, type, from_account_id, coalesce(status_id, 0))
    WHERE type IN ('favourite', 'reblog', 'follow', 'follow_request', 'mention', 'status', 'update', 'poll');

-- Home feeds, filled on write. The status is the entry; for a boost it is the boost.
CREATE TABLE home_feed (
    account_id       bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_id        bigint NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    author_id        bigint NOT NULL,
    reblog_of_id     bigint,
    PRIMARY KEY (account_id, status_id)
);
CREATE INDEX home_feed_author_idx ON home_feed (account_id, author_id);

-- Counters kept by triggers, so every writer (API, pages, both protocols) keeps them right.
CREATE FUNCTION bump_account_stat(target bigint, col text, delta integer) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO account_stats (account_id) VALUES (target) ON CONFLICT DO NOTHING;
    EXECUTE format('UPDATE account_stats SET %I = greatest(%I + $1, 0) WHERE account_id = $2', col, col)
        USING delta, target;
END $$;

CREATE FUNCTION follows_counter() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM bump_account_stat(NEW.account_id, 'following_count', 1);
        PERFORM bump_account_stat(NEW.target_account_id, 'followers_count', 1);
        RETURN NEW;
    END IF;
    PERFORM bump_account_stat(OLD.account_id, 'following_count', -1);
    PERFORM bump_account_stat(OLD.target_account_id, 'followers_count', -1);
    RETURN OLD;
END $$;
CREATE TRIGGER follows_counter AFTER INSERT OR DELETE ON follows
    FOR EACH ROW EXECUTE FUNCTION follows_counter();

CREATE FUNCTION statuses_counter() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    was_live boolean := TG_OP <> 'INSERT' AND OLD.deleted_at IS NULL;
    is_live boolean := TG_OP <> 'DELETE' AND NEW.deleted_at IS NULL;
    row_ statuses%ROWTYPE;
    delta integer;
BEGIN
    IF TG_OP = 'DELETE' THEN row_ := OLD; ELSE row_ := NEW; END IF;
    delta := (CASE WHEN is_live THEN 1 ELSE 0 END) - (CASE WHEN was_live THEN 1 ELSE 0 END);
    IF delta = 0 THEN RETURN NULL; END IF;
    IF row_.reblog_of_id IS NULL THEN
        PERFORM bump_account_stat(row_.account_id, 'statuses_count', delta);
        IF delta > 0 THEN
            UPDATE account_stats SET last_status_at = greatest(last_status_at, row_.created_at)
             WHERE account_id = row_.account_id;
        END IF;
    ELSE
        UPDATE statuses SET reblogs_count = greatest(reblogs_count + delta, 0) WHERE id = row_.reblog_of_id;
    END IF;
    IF row_.in_reply_to_id IS NOT NULL THEN
        UPDATE statuses SET replies_count = greatest(replies_count + delta, 0) WHERE id = row_.in_reply_to_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER statuses_counter AFTER INSERT OR DELETE OR UPDATE OF deleted_at ON statuses
    FOR EACH ROW EXECUTE FUNCTION statuses_counter();

CREATE FUNCTION favourites_counter() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE statuses SET favourites_count = favourites_count + 1 WHERE id = NEW.status_id;
        RETURN NEW;
    END IF;
    UPDATE statuses SET favourites_count = greatest(favourites_count - 1, 0) WHERE id = OLD.status_id;
    RETURN OLD;
END $$;
CREATE TRIGGER favourites_counter AFTER INSERT OR DELETE ON favourites
    FOR EACH ROW EXECUTE FUNCTION favourites_counter();

-- Remote servers report their own follower and post counts in their actor documents.
ALTER TABLE accounts ADD COLUMN remote_followers_count integer,
                     ADD COLUMN remote_following_count integer,
                     ADD COLUMN remote_statuses_count integer;
