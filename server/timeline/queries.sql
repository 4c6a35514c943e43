-- name: fanout_statuses
-- Put new statuses (or boosts) into the home feeds of the local accounts that should see
-- them: the author if local; local followers (not for direct messages; not boosts for
-- followers who hide them; replies to others only for followers of both); local accounts
-- mentioned in a direct message; followers of its hashtags. Blocks and mutes keep a status out; a boost of something
-- already in a feed is not added again; an author on an exclusive list is read there only.
-- Returns, in the same round trip, ('bell', status id, follower to notify: those who asked
-- to hear of the author's original public or unlisted posts) and ('list', status id, list
-- id) for the lists whose timeline each status is on (list_shows_status).
-- The accounts kept out (blockers and muters of the author or of the boosted author, owners
-- of an exclusive list with the author) are few and found once per status through their
-- target indexes, so each of a thousand candidates costs one hash probe, not three index
-- probes. Whether a follower is local is read from its follow (follower_remote, migration
-- 0022), not from a probe of accounts per follower. The arms are UNION ALL: they overlap only where a hashtag follower also follows
-- the author, and ON CONFLICT DO NOTHING skips a row already inserted by the same statement.
-- Planned once per session for one status: the fan-out job's get_status_to_fan_out and the
-- inbox's single posts and boosts (plan_once) set plan_cache_mode; a fresh plan of this
-- statement cost more than the whole fan-out of a 10-follower post. Batches of plain remote
-- posts keep PostgreSQL's own choice (see plain_posts.py).
-- $1 status ids, $2 now
WITH s AS (
    SELECT st.id, st.account_id, st.reblog_of_id, st.visibility, st.in_reply_to_account_id,
           orig.account_id AS original_author
      FROM statuses st LEFT JOIN statuses orig ON orig.id = st.reblog_of_id
     WHERE st.id = ANY($1::bigint[]) AND st.deleted_at IS NULL
),
kept_out AS (
    SELECT s.id AS status_id, b.account_id FROM s
      JOIN blocks b ON b.target_account_id IN (s.account_id, coalesce(s.original_author, s.account_id))
    UNION ALL
    SELECT s.id, mu.account_id FROM s
      JOIN mutes mu ON mu.target_account_id IN (s.account_id, coalesce(s.original_author, s.account_id))
    UNION ALL
    SELECT s.id, l.account_id FROM s
      JOIN list_accounts la ON la.account_id = s.account_id
      JOIN lists l ON l.id = la.list_id AND l.exclusive AND l.account_id <> s.account_id
),
candidates AS (
    SELECT s.id AS status_id, a.id AS account_id
      FROM s JOIN accounts a ON a.id = s.account_id AND a.domain IS NULL
    UNION ALL
    SELECT s.id, f.account_id FROM s
      JOIN follows f ON f.target_account_id = s.account_id AND NOT f.follower_remote
     WHERE s.visibility <> 'direct'
       AND (s.reblog_of_id IS NULL OR f.show_reblogs)
       AND (s.in_reply_to_account_id IS NULL OR s.in_reply_to_account_id = s.account_id
            OR s.in_reply_to_account_id = f.account_id
            OR EXISTS (SELECT 1 FROM follows f2 WHERE f2.account_id = f.account_id
                          AND f2.target_account_id = s.in_reply_to_account_id))
    UNION ALL
    SELECT s.id, m.account_id FROM s
      JOIN mentions m ON m.status_id = s.id
      JOIN accounts a ON a.id = m.account_id AND a.domain IS NULL
     WHERE s.visibility = 'direct'
    UNION ALL
    -- Followers of a hashtag the post carries (public originals only), unless its author
    -- blocks them, they block the author's domain, or they block or mute someone it mentions.
    SELECT s.id, tf.account_id FROM s
      JOIN status_tags stt ON stt.status_id = s.id
      JOIN tag_follows tf ON tf.tag_id = stt.tag_id
      JOIN accounts author ON author.id = s.account_id
     WHERE s.visibility = 'public' AND s.reblog_of_id IS NULL AND tf.account_id <> s.account_id
       AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.account_id = s.account_id
                          AND b.target_account_id = tf.account_id)
       AND (author.domain IS NULL OR NOT EXISTS (
                SELECT 1 FROM account_domain_blocks d WHERE d.account_id = tf.account_id
                   AND d.domain = lower(author.domain)))
       AND NOT EXISTS (SELECT 1 FROM mentions m WHERE m.status_id = s.id AND (
                EXISTS (SELECT 1 FROM blocks b WHERE b.account_id = tf.account_id
                           AND b.target_account_id = m.account_id)
             OR EXISTS (SELECT 1 FROM mutes mu WHERE mu.account_id = tf.account_id
                           AND mu.target_account_id = m.account_id)))
),
fed AS (
    INSERT INTO home_feed (account_id, status_id, author_id, reblog_of_id)
    SELECT c.account_id, s.id, s.account_id, s.reblog_of_id
      FROM candidates c JOIN s ON s.id = c.status_id
 WHERE (c.status_id, c.account_id) NOT IN (SELECT k.status_id, k.account_id FROM kept_out k)
   AND (s.reblog_of_id IS NULL OR (
            c.account_id <> s.original_author
        AND NOT EXISTS (SELECT 1 FROM home_feed h WHERE h.account_id = c.account_id
                           AND (h.status_id = s.reblog_of_id OR h.reblog_of_id = s.reblog_of_id))))
    ON CONFLICT DO NOTHING
)
SELECT 'bell' AS kind, s.id AS status_id, f.account_id AS id FROM s
  JOIN follows f ON f.target_account_id = s.account_id AND f.notify AND NOT f.follower_remote
 WHERE s.reblog_of_id IS NULL AND s.visibility IN ('public', 'unlisted')
UNION ALL
SELECT 'list', st.id, l.id FROM statuses st
  JOIN list_accounts la ON la.account_id = st.account_id
  JOIN lists l ON l.id = la.list_id
  JOIN follows f ON f.account_id = l.account_id AND f.target_account_id = st.account_id
 WHERE st.id = ANY($1::bigint[]) AND list_shows_status(l, st, f.show_reblogs, $2)
ORDER BY 1, 2, 3;

-- name: get_status_to_fan_out
-- A status for its fan-out job, with what decides its public streams (get_stream_facts's
-- columns after the status's), and for the rest of the job's transaction when the status
-- exists: synchronous_commit off, and the session's one plan of each statement reused (the
-- first two columns, dropped by the wrapper): one round trip instead of four. Choosing
-- plans afresh for fanout_statuses cost about 2-4 ms a post, more than all the rest of a
-- 10-follower fan-out; its plan does not depend on the status it is given.
-- $1 status_id
SELECT set_config('synchronous_commit', 'off', true) AS no_flush,
       set_config('plan_cache_mode', 'force_generic_plan', true) AS one_plan, s.id, s.account_id, s.uri, s.url, s.local, s.in_reply_to_id, s.in_reply_to_account_id,
       s.in_reply_to_uri, s.reblog_of_id, s.conversation_id, s.content, s.text_source,
       s.spoiler_text, s.sensitive, s.visibility, s.language, s.application_id, s.edited_at,
       s.deleted_at, s.created_at, s.updated_at, s.replies_count, s.reblogs_count,
       s.favourites_count, s.quotes_count, s.quote_policy,
       (s.in_reply_to_account_id IS NOT NULL AND s.in_reply_to_account_id <> s.account_id) AS reply_to_other,
       EXISTS (SELECT 1 FROM media_attachments m WHERE m.status_id = s.id) AS has_media,
       coalesce((SELECT array_agg(lower(t.name)) FROM status_tags st JOIN tags t ON t.id = st.tag_id
                  WHERE st.status_id = s.id), '{}') AS tags
  FROM statuses s WHERE s.id = $1;

-- name: plan_once
-- For the rest of the caller's transaction, each statement reuses the session's one
-- (generic) plan: the inbox stores a remote post or boost with fanout_statuses for its one
-- status, and a fresh plan of it cost more than the fan-out of a post to a few followers
-- (as in the fan-out job). What follows it there (stream events, bells, jobs, the inbox
-- item's finish) is keyed lookups and inserts whose generic plans are the custom ones. Not
-- for batches of statuses (plain_posts.py says why).
SELECT set_config('plan_cache_mode', 'force_generic_plan', true) AS one_plan;

-- name: remove_status_from_feeds
-- The feeds a status can be in are those fan-out and backfill put it in: its author's, its
-- author's followers' and, for a direct message, those of the accounts it mentions. Naming
-- them lets each row be found by the primary key; home_feed has no index on status_id
-- alone (one would slow every fan-out), so "WHERE status_id = $1" read the whole table.
-- $1 status_id
DELETE FROM home_feed h
 USING (SELECT s.account_id FROM statuses s WHERE s.id = $1
        UNION
        SELECT f.account_id FROM statuses s JOIN follows f ON f.target_account_id = s.account_id
         WHERE s.id = $1
        UNION
        SELECT m.account_id FROM mentions m WHERE m.status_id = $1) AS owners
 WHERE h.account_id = owners.account_id AND h.status_id = $1;

-- name: backfill_home_feed
-- After a follow: the followed account's recent posts the follower may see.
-- $1 follower account_id, $2 followed account_id, $3 limit
INSERT INTO home_feed (account_id, status_id, author_id, reblog_of_id)
SELECT $1, s.id, s.account_id, s.reblog_of_id
  FROM statuses s
 WHERE s.account_id = $2 AND s.deleted_at IS NULL
   AND s.visibility IN ('public', 'unlisted', 'private')
   AND (s.in_reply_to_account_id IS NULL OR s.in_reply_to_account_id IN ($1, $2))
   AND NOT EXISTS (SELECT 1 FROM list_accounts la JOIN lists l ON l.id = la.list_id
                    WHERE la.account_id = $2 AND l.account_id = $1 AND l.exclusive)
 ORDER BY s.id DESC
 LIMIT $3
ON CONFLICT DO NOTHING;

-- name: remove_tag_from_feed
-- After unfollowing a hashtag: the posts that were in the feed only for it leave (not the
-- owner's own, nor those of accounts followed or carrying another hashtag still followed).
-- $1 feed owner account_id, $2 tag id
DELETE FROM home_feed h USING status_tags st
 WHERE h.account_id = $1 AND st.status_id = h.status_id AND st.tag_id = $2
   AND h.author_id <> $1
   AND NOT EXISTS (SELECT 1 FROM follows f WHERE f.account_id = $1
                      AND f.target_account_id = h.author_id)
   AND NOT EXISTS (SELECT 1 FROM status_tags other JOIN tag_follows tf ON tf.tag_id = other.tag_id
                    WHERE other.status_id = h.status_id AND other.tag_id <> $2
                      AND tf.account_id = $1);

-- name: remove_author_from_feed
-- After an unfollow or block: the author's entries leave the feed (read through the primary
-- key's account_id; there is no author index, see migration 0047).
-- $1 feed owner account_id, $2 author account_id
DELETE FROM home_feed WHERE account_id = $1 AND author_id = $2;

-- name: trim_home_feeds
-- Feeds keep their newest $1 entries only; older pages are rebuilt from follows if ever
-- needed. One feed ($2) after a follow's backfill, or every local feed (the hourly
-- timeline.trim_feeds), each read newest first through the primary key.
-- $1 keep, $2 account_id or NULL for all
DELETE FROM home_feed h USING (
    SELECT a.id AS account_id, c.status_id AS oldest_kept
      FROM accounts a
     CROSS JOIN LATERAL (SELECT status_id FROM home_feed WHERE account_id = a.id
                          ORDER BY status_id DESC OFFSET $1 - 1 LIMIT 1) c
     WHERE a.domain IS NULL AND ($2::bigint IS NULL OR a.id = $2)
) t
 WHERE h.account_id = t.account_id AND h.status_id < t.oldest_kept;

-- name: list_home_timeline
-- Newest first below max_id and above since_id (home_entries, migration 0041).
-- The bounds are repeated in a form a generic plan (the one a prepared statement keeps) uses
-- as bounds of the home_feed index scan (the function is inlined, so they reach it):
-- home_entries's `$2 IS NULL OR status_id < $2` is only a filter there, and page n of a
-- timeline then fetched and dropped the 20 * (n - 1) newer entries first. A NULL bound is
-- the widest one (status ids are positive bigints).
-- $1 account_id, $2 max_id, $3 since_id, $4 limit, $5 now
SELECT status_id FROM home_entries($1, $2, $3, $5)
 WHERE status_id < coalesce($2, 9223372036854775807) AND status_id > coalesce($3, 0)
 ORDER BY status_id DESC LIMIT $4;

-- name: list_home_timeline_after
-- The entries just above min_id, oldest first (Mastodon's min_id paging).
-- $1 account_id, $2 min_id, $3 max_id, $4 limit, $5 now
SELECT h.status_id FROM home_feed h
  JOIN statuses s ON s.id = h.status_id
 WHERE h.account_id = $1 AND h.status_id > $2
   AND ($3::bigint IS NULL OR h.status_id < $3)
   AND s.deleted_at IS NULL
   AND NOT EXISTS (SELECT 1 FROM mutes mu WHERE mu.account_id = $1 AND mu.target_account_id = h.author_id
                      AND (mu.expires_at IS NULL OR mu.expires_at > $5))
 ORDER BY h.status_id ASC
 LIMIT $4;

-- name: list_public_timeline
-- Public posts, no boosts, and no replies to other people (Mastodon's PublicFeed).
-- $1 local_only, $2 remote_only, $3 only_media, $4 max_id, $5 since_id, $6 limit
SELECT s.id FROM statuses s
 WHERE s.visibility = 'public' AND s.reblog_of_id IS NULL AND s.deleted_at IS NULL
   AND (s.in_reply_to_id IS NULL OR s.in_reply_to_account_id = s.account_id)
   AND (NOT $1 OR s.local) AND (NOT $2 OR NOT s.local)
   AND (NOT $3 OR EXISTS (SELECT 1 FROM media_attachments m WHERE m.status_id = s.id))
   AND ($4::bigint IS NULL OR s.id < $4)
   AND ($5::bigint IS NULL OR s.id > $5)
 ORDER BY s.id DESC
 LIMIT $6;

-- name: list_public_timeline_after
-- $1 local_only, $2 remote_only, $3 only_media, $4 min_id, $5 max_id, $6 limit
SELECT s.id FROM statuses s
 WHERE s.visibility = 'public' AND s.reblog_of_id IS NULL AND s.deleted_at IS NULL
   AND (s.in_reply_to_id IS NULL OR s.in_reply_to_account_id = s.account_id)
   AND (NOT $1 OR s.local) AND (NOT $2 OR NOT s.local)
   AND (NOT $3 OR EXISTS (SELECT 1 FROM media_attachments m WHERE m.status_id = s.id))
   AND s.id > $4
   AND ($5::bigint IS NULL OR s.id < $5)
 ORDER BY s.id ASC
 LIMIT $6;

-- name: list_tag_timeline
-- Public posts carrying any of the tags in $1, all of $2 and none of $3, newest first
-- (oldest first above min_id, for Mastodon's min_id paging).
-- $1 any (lower case), $2 all, $3 none, $4 local_only, $5 only_media, $6 max_id, $7 since_id,
-- $8 min_id, $9 limit
SELECT s.id FROM statuses s
 WHERE s.visibility = 'public' AND s.reblog_of_id IS NULL AND s.deleted_at IS NULL
   AND (NOT $4 OR s.local)
   AND (NOT $5 OR EXISTS (SELECT 1 FROM media_attachments m WHERE m.status_id = s.id))
   AND ($6::bigint IS NULL OR s.id < $6)
   AND ($7::bigint IS NULL OR s.id > $7)
   AND ($8::bigint IS NULL OR s.id > $8)
   AND EXISTS (SELECT 1 FROM status_tags st JOIN tags t ON t.id = st.tag_id
                WHERE st.status_id = s.id AND lower(t.name) = ANY($1::text[]))
   AND NOT EXISTS (SELECT 1 FROM unnest($2::text[]) AS want(name)
                    WHERE NOT EXISTS (SELECT 1 FROM status_tags st JOIN tags t ON t.id = st.tag_id
                                       WHERE st.status_id = s.id AND lower(t.name) = want.name))
   AND NOT EXISTS (SELECT 1 FROM status_tags st JOIN tags t ON t.id = st.tag_id
                    WHERE st.status_id = s.id AND lower(t.name) = ANY($3::text[]))
 ORDER BY CASE WHEN $8::bigint IS NULL THEN -s.id ELSE s.id END
 LIMIT $9;

-- name: list_account_statuses
-- An account's statuses as the viewer may see them (Mastodon's AccountStatusesFilter):
-- all for the author; public, unlisted, mentioning the viewer, and followers-only for
-- followers otherwise; nothing across a block. Newest first, or oldest first above min_id.
-- $1 account_id, $2 viewer_id (null: anonymous), $3 only_media, $4 exclude_replies,
-- $5 exclude_reblogs, $6 pinned, $7 tagged (lower case or null), $8 max_id, $9 since_id,
-- $10 min_id, $11 limit
SELECT s.id FROM statuses s
 WHERE s.account_id = $1 AND s.deleted_at IS NULL
   AND (s.account_id = $2 OR (
        s.visibility IN ('public', 'unlisted')
        OR (s.visibility = 'private' AND EXISTS (SELECT 1 FROM follows f
                                                  WHERE f.account_id = $2 AND f.target_account_id = $1))
        OR EXISTS (SELECT 1 FROM mentions m WHERE m.status_id = s.id AND m.account_id = $2)))
   AND NOT EXISTS (SELECT 1 FROM blocks b WHERE $2 <> $1
                     AND ((b.account_id = $2 AND b.target_account_id = $1)
                       OR (b.account_id = $1 AND b.target_account_id = $2)))
   AND (NOT $3 OR EXISTS (SELECT 1 FROM media_attachments m WHERE m.status_id = s.id))
   AND (NOT $4 OR s.in_reply_to_id IS NULL OR s.in_reply_to_account_id = s.account_id)
   AND (NOT $5 OR s.reblog_of_id IS NULL)
   AND (NOT $6 OR EXISTS (SELECT 1 FROM status_pins p WHERE p.status_id = s.id AND p.account_id = $1))
   AND ($7::text IS NULL OR EXISTS (SELECT 1 FROM status_tags st JOIN tags t ON t.id = st.tag_id
                                     WHERE st.status_id = s.id AND lower(t.name) = $7))
   AND ($8::bigint IS NULL OR s.id < $8)
   AND ($9::bigint IS NULL OR s.id > $9)
   AND ($10::bigint IS NULL OR s.id > $10)
 ORDER BY CASE WHEN $10::bigint IS NULL THEN -s.id ELSE s.id END
 LIMIT $11;

-- name: list_bookmarks
-- The account's bookmarks, newest first; paged by the bookmark's id.
-- $1 account_id, $2 max_id, $3 since_id, $4 min_id, $5 limit
SELECT b.id AS page_id, b.status_id FROM bookmarks b JOIN statuses s ON s.id = b.status_id
 WHERE b.account_id = $1 AND s.deleted_at IS NULL
   AND ($2::bigint IS NULL OR b.id < $2) AND ($3::bigint IS NULL OR b.id > $3)
   AND ($4::bigint IS NULL OR b.id > $4)
 ORDER BY CASE WHEN $4::bigint IS NULL THEN -b.id ELSE b.id END
 LIMIT $5;

-- name: list_favourites
-- The account's favourites, newest first; paged by the favourite's id.
-- $1 account_id, $2 max_id, $3 since_id, $4 min_id, $5 limit
SELECT f.id AS page_id, f.status_id FROM favourites f JOIN statuses s ON s.id = f.status_id
 WHERE f.account_id = $1 AND s.deleted_at IS NULL
   AND ($2::bigint IS NULL OR f.id < $2) AND ($3::bigint IS NULL OR f.id > $3)
   AND ($4::bigint IS NULL OR f.id > $4)
 ORDER BY CASE WHEN $4::bigint IS NULL THEN -f.id ELSE f.id END
 LIMIT $5;
