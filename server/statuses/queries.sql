-- name: insert_status
-- $1 id, $2 account_id, $3 uri, $4 url, $5 local, $6 in_reply_to_id, $7 in_reply_to_account_id,
-- $8 in_reply_to_uri, $9 reblog_of_id, $10 conversation_id, $11 content, $12 text_source,
-- $13 spoiler_text, $14 sensitive, $15 visibility, $16 language, $17 application_id,
-- $18 created_at, $19 now, $20 quote_policy
INSERT INTO statuses (id, account_id, uri, url, local, in_reply_to_id, in_reply_to_account_id,
                      in_reply_to_uri, reblog_of_id, conversation_id, content, text_source,
                      spoiler_text, sensitive, visibility, language, application_id, created_at,
                      updated_at, quote_policy)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19,
        $20)
ON CONFLICT (uri) DO NOTHING
RETURNING id, account_id, uri, url, local, in_reply_to_id, in_reply_to_account_id,
          in_reply_to_uri, reblog_of_id, conversation_id, content, text_source, spoiler_text,
          sensitive, visibility, language, application_id, edited_at, deleted_at, created_at,
          updated_at, replies_count, reblogs_count, favourites_count, quotes_count, quote_policy;

-- name: get_poster
-- The local account about to post and its posting defaults, in one round trip.
-- $1 account id
SELECT a.id, a.username, a.domain, a.display_name, a.note, a.uri, a.url, a.inbox_url,
       a.shared_inbox_url, a.outbox_url, a.followers_url, a.following_url, a.featured_url,
       a.actor_type, a.public_key_pem, a.public_key_id, a.locked, a.bot, a.discoverable,
       a.indexable, a.avatar_url, a.header_url, a.fields, a.also_known_as, a.moved_to_account_id,
       a.suspended_at, a.fetched_at, a.created_at, a.updated_at,
       u.default_privacy, u.default_sensitive, u.default_language, u.default_quote_policy
  FROM accounts a LEFT JOIN users u ON u.account_id = a.id
 WHERE a.id = $1;

-- name: get_status
-- A status by id, deleted or not (callers decide what a tombstone means for them).
-- $1 id
SELECT id, account_id, uri, url, local, in_reply_to_id, in_reply_to_account_id, in_reply_to_uri,
       reblog_of_id, conversation_id, content, text_source, spoiler_text, sensitive, visibility,
       language, application_id, edited_at, deleted_at, created_at, updated_at, replies_count,
       reblogs_count, favourites_count, quotes_count, quote_policy
  FROM statuses WHERE id = $1;

-- name: get_status_by_uri
-- $1 uri
SELECT id, account_id, uri, url, local, in_reply_to_id, in_reply_to_account_id, in_reply_to_uri,
       reblog_of_id, conversation_id, content, text_source, spoiler_text, sensitive, visibility,
       language, application_id, edited_at, deleted_at, created_at, updated_at, replies_count,
       reblogs_count, favourites_count, quotes_count, quote_policy
  FROM statuses WHERE uri = $1;

-- name: get_statuses
-- $1 ids
SELECT id, account_id, uri, url, local, in_reply_to_id, in_reply_to_account_id, in_reply_to_uri,
       reblog_of_id, conversation_id, content, text_source, spoiler_text, sensitive, visibility,
       language, application_id, edited_at, deleted_at, created_at, updated_at, replies_count,
       reblogs_count, favourites_count, quotes_count, quote_policy
  FROM statuses WHERE id = ANY($1::bigint[]);

-- name: set_quote_policy
-- Who may quote a post, changed by its author (here) or its server (an Update); the status
-- only when it changed.
-- $1 id, $2 quote_policy
UPDATE statuses SET quote_policy = $2
 WHERE id = $1 AND quote_policy <> $2
RETURNING id, account_id, uri, url, local, in_reply_to_id, in_reply_to_account_id,
          in_reply_to_uri, reblog_of_id, conversation_id, content, text_source, spoiler_text,
          sensitive, visibility, language, application_id, edited_at, deleted_at, created_at,
          updated_at, replies_count, reblogs_count, favourites_count, quotes_count, quote_policy;

-- name: get_reblog_by
-- A live boost of a status by an account.
-- $1 account_id, $2 reblog_of_id
SELECT id FROM statuses
 WHERE account_id = $1 AND reblog_of_id = $2 AND deleted_at IS NULL;

-- name: mark_status_deleted
-- $1 id, $2 now
UPDATE statuses SET deleted_at = $2, updated_at = $2 WHERE id = $1 AND deleted_at IS NULL
RETURNING id;

-- name: mark_reblogs_deleted
-- Boosts of a deleted status go with it.
-- $1 reblog_of_id, $2 now
UPDATE statuses SET deleted_at = $2, updated_at = $2
 WHERE reblog_of_id = $1 AND deleted_at IS NULL
RETURNING id, account_id;

-- name: update_status_content
-- $1 id, $2 content, $3 text_source, $4 spoiler_text, $5 sensitive, $6 language, $7 edited_at
UPDATE statuses SET content = $2, text_source = $3, spoiler_text = $4, sensitive = $5,
                    language = coalesce($6, language), edited_at = $7, updated_at = $7
 WHERE id = $1;

-- name: insert_status_edit
-- $1 id, $2 status_id, $3 account_id, $4 content, $5 spoiler_text, $6 sensitive, $7 media,
-- $8 poll_options, $9 created_at
INSERT INTO status_edits (id, status_id, account_id, content, spoiler_text, sensitive, media,
                          poll_options, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9);

-- name: list_status_edits
-- $1 status_id
SELECT id, status_id, account_id, content, spoiler_text, sensitive, media, poll_options, created_at
  FROM status_edits WHERE status_id = $1 ORDER BY id;

-- name: insert_mentions
-- $1 status_id, $2 account_ids, $3 silent
INSERT INTO mentions (status_id, account_id, silent)
SELECT $1, unnest($2::bigint[]), $3
ON CONFLICT DO NOTHING;

-- name: delete_mentions
-- $1 status_id
DELETE FROM mentions WHERE status_id = $1;

-- name: list_mentions
-- $1 status_ids
SELECT m.status_id, a.id AS account_id, a.username, a.domain, a.uri, a.url
  FROM mentions m JOIN accounts a ON a.id = m.account_id
 WHERE m.status_id = ANY($1::bigint[]) AND NOT m.silent
 ORDER BY m.status_id, a.id;

-- name: list_mentioned_account_ids
-- $1 status_id
SELECT account_id FROM mentions WHERE status_id = $1;

-- name: upsert_tags
-- Make sure each tag exists; return the id of each (names are distinct, case-insensitively).
-- Existing tags are not locked: a popular tag in every incoming post would otherwise
-- serialise all their transactions on its row. last_used_at (it orders tag search) is moved
-- only when over an hour old, as Mastodon moves last_status_at only when 12 hours old. A tag
-- inserted by a transaction still open when this statement began is not seen here: the
-- wrapper runs the statement again for those.
-- $1 ids (fresh), $2 names, $3 now
WITH wanted AS (SELECT unnest($1::bigint[]) AS id, unnest($2::text[]) AS name),
ins AS (
    INSERT INTO tags (id, name, created_at, last_used_at)
    SELECT id, name, $3, $3 FROM wanted
    ON CONFLICT (lower(name)) DO NOTHING
    RETURNING id, name
),
touched AS (
    UPDATE tags t SET last_used_at = $3
      FROM wanted w
     WHERE lower(t.name) = lower(w.name)
       AND (t.last_used_at IS NULL OR t.last_used_at < $3 - interval '1 hour')
)
SELECT id, name FROM ins
UNION ALL
SELECT t.id, t.name FROM tags t JOIN wanted w ON lower(t.name) = lower(w.name);

-- name: tag_status
-- upsert_tags and insert_status_tags in one statement; returns how many distinct tags were
-- found, which falls short only when another transaction created one of them after this
-- statement's snapshot (the wrapper then runs it again; linking twice changes nothing).
-- $1 status_id, $2 ids (fresh), $3 names, $4 now
WITH wanted AS (SELECT unnest($2::bigint[]) AS id, unnest($3::text[]) AS name),
ins AS (
    INSERT INTO tags (id, name, created_at, last_used_at)
    SELECT id, name, $4, $4 FROM wanted
    ON CONFLICT (lower(name)) DO NOTHING
    RETURNING id
),
touched AS (
    UPDATE tags t SET last_used_at = $4
      FROM wanted w
     WHERE lower(t.name) = lower(w.name)
       AND (t.last_used_at IS NULL OR t.last_used_at < $4 - interval '1 hour')
),
found AS (
    SELECT id FROM ins
    UNION
    SELECT t.id FROM tags t JOIN wanted w ON lower(t.name) = lower(w.name)
),
linked AS (
    INSERT INTO status_tags (status_id, tag_id) SELECT $1, id FROM found
    ON CONFLICT DO NOTHING
)
SELECT count(*) FROM found;

-- name: insert_status_tags
-- $1 status_id, $2 tag_ids
INSERT INTO status_tags (status_id, tag_id) SELECT $1, unnest($2::bigint[]) ON CONFLICT DO NOTHING;

-- name: delete_status_tags
-- $1 status_id
DELETE FROM status_tags WHERE status_id = $1;

-- name: list_status_tags
-- $1 status_ids
SELECT st.status_id, t.name FROM status_tags st JOIN tags t ON t.id = st.tag_id
 WHERE st.status_id = ANY($1::bigint[]) ORDER BY st.status_id, t.name;

-- name: attach_media
-- Attach an author's unattached uploads; returns the ids attached.
-- $1 media ids in order, $2 account_id, $3 status_id
UPDATE media_attachments m SET status_id = $3, position = o.pos
  FROM unnest($1::bigint[]) WITH ORDINALITY AS o(id, pos)
 WHERE m.id = o.id AND m.account_id = $2 AND (m.status_id IS NULL OR m.status_id = $3)
RETURNING m.id;

-- name: detach_media_except
-- An edit's attachments are those it names: the others leave the post (its history keeps them).
-- $1 status_id, $2 media ids kept
UPDATE media_attachments SET status_id = NULL
 WHERE status_id = $1 AND NOT (id = ANY($2::bigint[]));

-- name: insert_favourite
-- $1 id, $2 account_id, $3 status_id, $4 uri, $5 now
INSERT INTO favourites (id, account_id, status_id, uri, created_at)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (account_id, status_id) DO NOTHING
RETURNING id;

-- name: delete_favourite
-- $1 account_id, $2 status_id
DELETE FROM favourites WHERE account_id = $1 AND status_id = $2 RETURNING id, uri;

-- name: get_favourite_by_uri
-- $1 uri
SELECT id, account_id, status_id FROM favourites WHERE uri = $1;

-- name: can_see_private
-- May this account see the author's followers-only posts (follows them)?
-- $1 viewer account_id, $2 author account_id
SELECT EXISTS (SELECT 1 FROM follows WHERE account_id = $1 AND target_account_id = $2);

-- name: is_mentioned
-- $1 status_id, $2 account_id
SELECT EXISTS (SELECT 1 FROM mentions WHERE status_id = $1 AND account_id = $2);

-- name: blocked_either_way
-- $1 account a, $2 account b
SELECT EXISTS (SELECT 1 FROM blocks
                WHERE (account_id = $1 AND target_account_id = $2)
                   OR (account_id = $2 AND target_account_id = $1));

-- name: get_conversation_root
-- $1 status id
SELECT coalesce(conversation_id, id) FROM statuses WHERE id = $1;

-- name: insert_poll
-- $1 id, $2 status_id, $3 account_id, $4 options, $5 multiple, $6 hide_totals, $7 expires_at, $8 now
INSERT INTO polls (id, status_id, account_id, options, multiple, hide_totals, expires_at,
                   created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8);

-- name: get_status_poll
-- $1 status_id
SELECT id, options, multiple, hide_totals, expires_at FROM polls WHERE status_id = $1;

-- name: update_poll
-- An edit's poll: open again until the new end.
-- $1 id, $2 options, $3 multiple, $4 hide_totals, $5 expires_at, $6 now
UPDATE polls SET options = $2, multiple = $3, hide_totals = $4, expires_at = $5,
                 closed_at = NULL, updated_at = $6
 WHERE id = $1;

-- name: delete_poll_votes
-- $1 poll id
DELETE FROM poll_votes WHERE poll_id = $1;

-- name: delete_poll
-- $1 poll id
DELETE FROM polls WHERE id = $1;

-- name: insert_bookmark
-- $1 id, $2 account_id, $3 status_id, $4 now
INSERT INTO bookmarks (id, account_id, status_id, created_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (account_id, status_id) DO NOTHING;

-- name: delete_bookmark
-- $1 account_id, $2 status_id
DELETE FROM bookmarks WHERE account_id = $1 AND status_id = $2;

-- name: insert_pin
-- Pins are capped per account; the count is taken under a lock on the account's row so two
-- concurrent pins cannot both pass the check. Returns the pin id, or null when the cap is hit.
-- $1 id, $2 account_id, $3 status_id, $4 now, $5 max pins
WITH locked AS (SELECT id FROM accounts WHERE id = $2 FOR UPDATE),
existing AS (SELECT count(*) AS n FROM status_pins, locked WHERE status_pins.account_id = locked.id)
INSERT INTO status_pins (id, account_id, status_id, created_at)
SELECT $1, $2, $3, $4 FROM existing
 WHERE existing.n < $5
   OR EXISTS (SELECT 1 FROM status_pins WHERE account_id = $2 AND status_id = $3)
ON CONFLICT (account_id, status_id) DO UPDATE SET created_at = status_pins.created_at
RETURNING id;

-- name: delete_pin
-- $1 account_id, $2 status_id
DELETE FROM status_pins WHERE account_id = $1 AND status_id = $2;

-- name: insert_conversation_mute
-- $1 account_id, $2 conversation_id
INSERT INTO conversation_mutes (account_id, conversation_id) VALUES ($1, $2) ON CONFLICT DO NOTHING;

-- name: delete_conversation_mute
-- $1 account_id, $2 conversation_id
DELETE FROM conversation_mutes WHERE account_id = $1 AND conversation_id = $2;

-- name: get_idempotent_status
-- A status made with this key by this account since $3 (an hour ago).
-- $1 account_id, $2 key, $3 since
SELECT status_id FROM status_idempotency_keys WHERE account_id = $1 AND key = $2 AND created_at > $3;

-- name: put_idempotency_key
-- $1 account_id, $2 key, $3 status_id, $4 now
INSERT INTO status_idempotency_keys (account_id, key, status_id, created_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (account_id, key) DO UPDATE SET status_id = EXCLUDED.status_id, created_at = EXCLUDED.created_at;

-- name: lock_idempotency_key
-- Serialises two requests carrying the same key (the second waits for the first's commit).
-- $1 lock key
SELECT pg_advisory_xact_lock($1);

-- name: insert_scheduled_status
-- $1 id, $2 account_id, $3 scheduled_at, $4 params, $5 application_id, $6 now
INSERT INTO scheduled_statuses (id, account_id, scheduled_at, params, application_id, created_at)
VALUES ($1, $2, $3, $4, $5, $6);

-- name: take_scheduled_status
-- Removes and returns a scheduled status that is due, so it is published once. One moved
-- later by its owner is left for the job of its new time.
-- $1 id, $2 now
DELETE FROM scheduled_statuses WHERE id = $1 AND scheduled_at <= $2
RETURNING id, account_id, scheduled_at, params, application_id;

-- name: page_scheduled_statuses
-- The account's scheduled statuses, newest first, paged by id.
-- $1 account_id, $2 max_id, $3 since_id, $4 min_id, $5 limit
SELECT id, account_id, scheduled_at, params, application_id FROM scheduled_statuses
 WHERE account_id = $1
   AND ($2::bigint IS NULL OR id < $2) AND ($3::bigint IS NULL OR id > $3)
   AND ($4::bigint IS NULL OR id > $4)
 ORDER BY CASE WHEN $4::bigint IS NULL THEN -id ELSE id END LIMIT $5;

-- name: get_scheduled_status
-- $1 id, $2 account_id
SELECT id, account_id, scheduled_at, params, application_id FROM scheduled_statuses
 WHERE id = $1 AND account_id = $2;

-- name: reschedule_status
-- $1 id, $2 account_id, $3 scheduled_at
UPDATE scheduled_statuses SET scheduled_at = $3 WHERE id = $1 AND account_id = $2
RETURNING id, account_id, scheduled_at, params, application_id;

-- name: delete_scheduled_status
-- $1 id, $2 account_id
DELETE FROM scheduled_statuses WHERE id = $1 AND account_id = $2 RETURNING id;

-- name: count_scheduled_statuses
-- How many the account has waiting: in all, and for the day of $2 (from $2 to $3).
-- $1 account_id, $2 day start, $3 day end
SELECT count(*) AS total,
       count(*) FILTER (WHERE scheduled_at >= $2 AND scheduled_at < $3) AS on_day
  FROM scheduled_statuses WHERE account_id = $1;
