-- name: remember_tombstone
-- An Undo or Delete whose target has not arrived (yet).
-- $1 uri, $2 actor_uri, $3 now
INSERT INTO federation_tombstones (uri, actor_uri, recorded_at)
VALUES ($1, $2, $3)
ON CONFLICT (uri) DO UPDATE SET recorded_at = EXCLUDED.recorded_at;

-- name: has_tombstone
-- Whether `uri` was undone or deleted by this actor after `since`.
-- $1 uri, $2 actor_uri, $3 since
SELECT EXISTS (SELECT 1 FROM federation_tombstones
                WHERE uri = $1 AND actor_uri = $2 AND recorded_at >= $3);

-- name: get_post_arrival
-- Before a Create is stored, in one round trip: whether its actor already deleted or undid
-- the post (after `since`), whether the post is stored already, and the stored author (the
-- columns of accounts get_account_by_uri, NULL when unknown).
-- $1 uri, $2 actor_uri, $3 since, $4 author uri
SELECT EXISTS (SELECT 1 FROM federation_tombstones
                WHERE uri = $1 AND actor_uri = $2 AND recorded_at >= $3) AS tombstoned,
       EXISTS (SELECT 1 FROM statuses WHERE uri = $1) AS stored,
       a.id, a.username, a.domain, a.display_name, a.note, a.uri, a.url, a.inbox_url,
       a.shared_inbox_url, a.outbox_url, a.followers_url, a.following_url, a.featured_url,
       a.actor_type, a.public_key_pem, a.public_key_id, a.locked, a.bot, a.discoverable,
       a.indexable, a.avatar_url, a.header_url, a.fields, a.also_known_as, a.moved_to_account_id,
       a.suspended_at, a.fetched_at, a.created_at, a.updated_at
  FROM (SELECT 1) AS one LEFT JOIN accounts a ON a.uri = $4;

-- name: get_post_arrivals
-- get_post_arrival for several posts at once, one row per post in the order given (n).
-- $1 uris, $2 actor_uris, $3 since, $4 author uris
SELECT p.n,
       EXISTS (SELECT 1 FROM federation_tombstones t
                WHERE t.uri = p.uri AND t.actor_uri = p.actor_uri AND t.recorded_at >= $3)
         AS tombstoned,
       EXISTS (SELECT 1 FROM statuses s WHERE s.uri = p.uri) AS stored,
       a.id, a.username, a.domain, a.display_name, a.note, a.uri, a.url, a.inbox_url,
       a.shared_inbox_url, a.outbox_url, a.followers_url, a.following_url, a.featured_url,
       a.actor_type, a.public_key_pem, a.public_key_id, a.locked, a.bot, a.discoverable,
       a.indexable, a.avatar_url, a.header_url, a.fields, a.also_known_as, a.moved_to_account_id,
       a.suspended_at, a.fetched_at, a.created_at, a.updated_at
  FROM unnest($1::text[], $2::text[], $4::text[]) WITH ORDINALITY AS p (uri, actor_uri, author_uri, n)
  LEFT JOIN accounts a ON a.uri = p.author_uri
 ORDER BY p.n;

-- name: delete_old_tombstones
-- $1 before
DELETE FROM federation_tombstones WHERE recorded_at < $1;

-- name: set_moved_to
-- $1 account_id, $2 moved_to_account_id, $3 now
UPDATE accounts SET moved_to_account_id = $2, updated_at = $3 WHERE id = $1;

-- name: commit_without_flush
-- For the rest of this transaction only: COMMIT returns before the WAL reaches disk.
SELECT set_config('synchronous_commit', 'off', true);

-- name: insert_plain_posts
-- Several remote posts that reply to nothing (so each starts its own conversation), in one
-- INSERT; a URI stored already is skipped. Returns the ids inserted. Replies stored before
-- them (fetched as someone's parent) are linked to them in the same statement.
-- $1 ids, $2 account_ids, $3 uris, $4 urls, $5 contents, $6 spoiler_texts, $7 sensitives,
-- $8 visibilities, $9 languages, $10 created_ats, $11 now
WITH ins AS (
    INSERT INTO statuses (id, account_id, uri, url, local, conversation_id, content,
                          spoiler_text, sensitive, visibility, language, created_at, updated_at)
    SELECT p.id, p.account_id, p.uri, p.url, false, p.id, p.content, p.spoiler_text,
           p.sensitive, p.visibility, p.language, p.created_at, $11
      FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[],
                  $7::boolean[], $8::text[], $9::text[], $10::timestamptz[])
           WITH ORDINALITY AS p (id, account_id, uri, url, content, spoiler_text, sensitive,
                                 visibility, language, created_at, n)
     ORDER BY p.n
    ON CONFLICT (uri) DO NOTHING
    RETURNING id, account_id, uri
),
linked AS (
    UPDATE statuses r
       SET in_reply_to_id = ins.id, in_reply_to_account_id = ins.account_id
      FROM ins
     WHERE r.in_reply_to_uri = ins.uri AND r.in_reply_to_id IS NULL
)
SELECT id FROM ins;

-- name: tag_posts
-- tag_status for several posts: the tags created when new (one row per name however many
-- posts use it), then each post linked to its tags. Returns how many distinct tags were
-- found, short only when another transaction created one after this statement's snapshot
-- (the wrapper then runs it again; linking twice changes nothing).
-- $1 status ids, $2 names (one pair per tag use), $3 fresh ids (as many), $4 now
WITH uses AS (
    SELECT u.status_id, u.name, u.id FROM unnest($1::bigint[], $2::text[], $3::bigint[])
        AS u (status_id, name, id)
),
wanted AS (SELECT DISTINCT ON (lower(name)) id, name FROM uses ORDER BY lower(name), id),
ins AS (
    INSERT INTO tags (id, name, created_at, last_used_at)
    SELECT id, name, $4, $4 FROM wanted
    ON CONFLICT (lower(name)) DO NOTHING
    RETURNING id, lower(name) AS key
),
touched AS (
    UPDATE tags t SET last_used_at = $4
      FROM wanted w
     WHERE lower(t.name) = lower(w.name)
       AND (t.last_used_at IS NULL OR t.last_used_at < $4 - interval '1 hour')
),
found AS (
    SELECT id, key FROM ins
    UNION
    SELECT t.id, lower(t.name) FROM tags t JOIN wanted w ON lower(t.name) = lower(w.name)
),
linked AS (
    INSERT INTO status_tags (status_id, tag_id)
    SELECT DISTINCT u.status_id, f.id FROM uses u JOIN found f ON f.key = lower(u.name)
    ON CONFLICT DO NOTHING
)
SELECT count(DISTINCT key) FROM found;

-- name: notify_many
-- Several NOTIFYs on one channel, in the order given; delivered on commit.
-- $1 channel, $2 payloads
SELECT count(pg_notify($1, p.payload))
  FROM unnest($2::text[]) WITH ORDINALITY AS p (payload, n);
