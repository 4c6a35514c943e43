-- name: list_media_for_statuses
-- $1 status ids
SELECT id, status_id, type, file_path, preview_path, remote_url, description, blurhash, meta,
       focus_x, focus_y
  FROM media_attachments WHERE status_id = ANY($1::bigint[])
 ORDER BY status_id, position, id;

-- name: list_polls_for_statuses
-- Polls with their tallies (local ones counted from votes) and the viewer's own choices.
-- $1 status ids, $2 viewer account id (may be null)
SELECT p.id, p.status_id, p.account_id, p.options, p.multiple, p.hide_totals, p.expires_at,
       p.closed_at, p.remote_counts, p.remote_voters,
       coalesce((SELECT jsonb_object_agg(v.choice, v.n) FROM (
                   SELECT choice, count(*) AS n FROM poll_votes WHERE poll_id = p.id
                    GROUP BY choice) v), '{}'::jsonb) AS tallies,
       (SELECT count(DISTINCT account_id) FROM poll_votes WHERE poll_id = p.id) AS voters,
       coalesce((SELECT array_agg(choice ORDER BY choice) FROM poll_votes
                  WHERE poll_id = p.id AND account_id = $2), '{}'::integer[]) AS own_votes
  FROM polls p WHERE p.status_id = ANY($1::bigint[]);

-- name: list_viewer_flags
-- What the viewer did with each status: favourited, boosted, bookmarked, pinned, muted.
-- $1 status ids, $2 viewer account id
SELECT s.id, vf.favourited, vf.reblogged, vf.bookmarked, vf.pinned, vf.muted
  FROM statuses s CROSS JOIN LATERAL status_viewer_flags(s.id, s.conversation_id, $2) vf
 WHERE s.id = ANY($1::bigint[]);

-- name: filter_visible
-- Which of these statuses the viewer may see: live, and public or unlisted, or their own,
-- or mentioning them, or followers-only from someone they follow; never across a block.
-- A boost also needs its original to be visible. With `hide_muted`, also not from accounts
-- or domains the viewer mutes or blocks.
-- $1 status ids, $2 viewer account id (null: anonymous), $3 hide_muted, $4 now
SELECT s.id FROM statuses s JOIN accounts a ON a.id = s.account_id
 WHERE s.id = ANY($1::bigint[]) AND s.deleted_at IS NULL AND a.suspended_at IS NULL
   AND (s.account_id = $2 OR (
        NOT EXISTS (SELECT 1 FROM blocks b
                     WHERE (b.account_id = $2 AND b.target_account_id = s.account_id)
                        OR (b.account_id = s.account_id AND b.target_account_id = $2))
        AND (s.visibility IN ('public', 'unlisted')
             OR EXISTS (SELECT 1 FROM mentions m WHERE m.status_id = s.id AND m.account_id = $2)
             OR (s.visibility = 'private' AND EXISTS (
                    SELECT 1 FROM follows f WHERE f.account_id = $2 AND f.target_account_id = s.account_id)))
        AND (s.reblog_of_id IS NULL OR EXISTS (
             SELECT 1 FROM statuses o WHERE o.id = s.reblog_of_id AND o.deleted_at IS NULL
                AND (o.account_id = $2 OR o.visibility IN ('public', 'unlisted'))
                AND NOT EXISTS (SELECT 1 FROM blocks b2
                                 WHERE (b2.account_id = $2 AND b2.target_account_id = o.account_id)
                                    OR (b2.account_id = o.account_id AND b2.target_account_id = $2))))
        AND (NOT $3 OR (
             NOT EXISTS (SELECT 1 FROM mutes mu WHERE mu.account_id = $2
                            AND mu.target_account_id = s.account_id
                            AND (mu.expires_at IS NULL OR mu.expires_at > $4))
             AND NOT EXISTS (SELECT 1 FROM account_domain_blocks d WHERE d.account_id = $2
                                AND d.domain = a.domain)))));

-- name: list_ancestors
-- The chain of statuses a status replies to, nearest first (at most $2 steps).
-- $1 status id, $2 limit
WITH RECURSIVE up(id, parent, depth) AS (
    SELECT s.id, s.in_reply_to_id, 0 FROM statuses s WHERE s.id = $1
    UNION ALL
    SELECT s.id, s.in_reply_to_id, up.depth + 1 FROM up JOIN statuses s ON s.id = up.parent
     WHERE up.depth < $2
)
SELECT id FROM up WHERE depth > 0 ORDER BY depth;

-- name: list_descendants
-- Replies to a status, and replies to them, with their parent (at most $2 rows, 60 levels).
-- $1 status id, $2 limit
WITH RECURSIVE down(id, parent, depth) AS (
    SELECT s.id, s.in_reply_to_id, 1 FROM statuses s WHERE s.in_reply_to_id = $1
    UNION ALL
    SELECT s.id, s.in_reply_to_id, down.depth + 1 FROM down JOIN statuses s ON s.in_reply_to_id = down.id
     WHERE down.depth < 60
)
SELECT id, parent FROM down ORDER BY id LIMIT $2;

-- name: list_rebloggers
-- Who boosted a status, newest boost first; paged by the boost's id.
-- $1 status id, $2 max_id, $3 since_id, $4 limit
SELECT s.id AS page_id, s.account_id FROM statuses s
 WHERE s.reblog_of_id = $1 AND s.deleted_at IS NULL
   AND ($2::bigint IS NULL OR s.id < $2) AND ($3::bigint IS NULL OR s.id > $3)
 ORDER BY s.id DESC LIMIT $4;

-- name: list_favouriters
-- Who favourited a status, newest first; paged by the favourite's id.
-- $1 status id, $2 max_id, $3 since_id, $4 limit
SELECT f.id AS page_id, f.account_id FROM favourites f
 WHERE f.status_id = $1
   AND ($2::bigint IS NULL OR f.id < $2) AND ($3::bigint IS NULL OR f.id > $3)
 ORDER BY f.id DESC LIMIT $4;

-- name: search_accounts
-- Accounts whose username starts with, or display name contains, the text (LIKE-escaped).
-- $1 text (lower case), $2 domain (lower case, or null), $3 viewer, $4 following only,
-- $5 limit, $6 offset
SELECT a.id FROM accounts a
 WHERE a.suspended_at IS NULL
   AND (lower(a.username) LIKE $1 || '%' OR lower(a.display_name) LIKE '%' || $1 || '%')
   AND ($2::text IS NULL OR lower(a.domain) = $2 OR ($2 = '' AND a.domain IS NULL))
   AND (NOT $4 OR EXISTS (SELECT 1 FROM follows f WHERE f.account_id = $3 AND f.target_account_id = a.id))
   AND NOT EXISTS (SELECT 1 FROM blocks b WHERE (b.account_id = $3 AND b.target_account_id = a.id)
                                          OR (b.account_id = a.id AND b.target_account_id = $3))
 ORDER BY (lower(a.username) = $1) DESC, (a.domain IS NULL) DESC, a.id
 LIMIT $5 OFFSET $6;

-- name: search_tags
-- $1 text (lower case, LIKE-escaped), $2 limit, $3 offset
SELECT id, name FROM tags WHERE lower(name) LIKE $1 || '%'
 ORDER BY (lower(name) = $1) DESC, last_used_at DESC NULLS LAST, id
 LIMIT $2 OFFSET $3;

-- name: search_statuses
-- Full-text search over what the viewer may find: their own statuses, public statuses of
-- authors who allow indexing, and statuses they favourited, bookmarked, boosted, answered or
-- were mentioned in. (Visibility is checked again after.)
-- $1 query text, $2 viewer, $3 author filter (or null), $4 limit, $5 offset
SELECT s.id FROM statuses s JOIN accounts a ON a.id = s.account_id
 WHERE s.search_vector @@ plainto_tsquery('simple', $1)
   AND s.deleted_at IS NULL AND s.reblog_of_id IS NULL AND a.suspended_at IS NULL
   AND ($3::bigint IS NULL OR s.account_id = $3)
   AND (s.account_id = $2
        OR (s.visibility = 'public' AND a.indexable)
        OR EXISTS (SELECT 1 FROM favourites f WHERE f.status_id = s.id AND f.account_id = $2)
        OR EXISTS (SELECT 1 FROM bookmarks b WHERE b.status_id = s.id AND b.account_id = $2)
        OR EXISTS (SELECT 1 FROM statuses r WHERE r.reblog_of_id = s.id AND r.account_id = $2)
        OR EXISTS (SELECT 1 FROM statuses r WHERE r.in_reply_to_id = s.id AND r.account_id = $2)
        OR EXISTS (SELECT 1 FROM mentions m WHERE m.status_id = s.id AND m.account_id = $2))
 ORDER BY s.id DESC
 LIMIT $4 OFFSET $5;

-- name: find_status_by_url
-- $1 uri or url
SELECT id FROM statuses WHERE (uri = $1 OR url = $1) AND deleted_at IS NULL LIMIT 1;

-- name: tag_history
-- Daily uses and distinct accounts per tag since $2 (public and unlisted statuses).
-- $1 tag ids, $2 since
SELECT st.tag_id, date_trunc('day', s.created_at AT TIME ZONE 'UTC') AS day,
       count(*) AS uses, count(DISTINCT s.account_id) AS accounts
  FROM status_tags st JOIN statuses s ON s.id = st.status_id
 WHERE st.tag_id = ANY($1::bigint[]) AND s.created_at >= $2 AND s.deleted_at IS NULL
   AND s.visibility IN ('public', 'unlisted')
 GROUP BY st.tag_id, day;

-- name: trending_tags
-- Tags used by the most distinct accounts in public statuses since $1.
-- $1 since, $2 limit, $3 offset
SELECT t.id, t.name FROM tags t JOIN (
    SELECT st.tag_id, count(DISTINCT s.account_id) AS accounts, max(s.id) AS latest
      FROM status_tags st JOIN statuses s ON s.id = st.status_id
      JOIN accounts a ON a.id = s.account_id
     WHERE s.created_at >= $1 AND s.deleted_at IS NULL AND s.visibility = 'public'
       AND a.suspended_at IS NULL
     GROUP BY st.tag_id) used ON used.tag_id = t.id
 ORDER BY used.accounts DESC, used.latest DESC
 LIMIT $2 OFFSET $3;

-- name: trending_statuses
-- Public statuses ranked by the favourites and boosts they received since $1.
-- $1 since, $2 limit, $3 offset
SELECT s.id FROM statuses s JOIN accounts a ON a.id = s.account_id
  JOIN (SELECT e.status_id, count(*) AS score FROM (
            SELECT status_id FROM favourites WHERE created_at >= $1
            UNION ALL
            SELECT reblog_of_id FROM statuses
             WHERE reblog_of_id IS NOT NULL AND created_at >= $1 AND deleted_at IS NULL) e
         GROUP BY e.status_id) ranked ON ranked.status_id = s.id
 WHERE s.visibility = 'public' AND s.deleted_at IS NULL AND s.reblog_of_id IS NULL
   AND a.suspended_at IS NULL
 ORDER BY ranked.score DESC, s.id DESC
 LIMIT $2 OFFSET $3;

-- name: list_conversations
-- The account's direct-message conversations (account_conversations_of, migration 0040),
-- newest first, paged by their latest status id.
-- $1 account_id, $2 max_id, $3 since_id, $4 min_id, $5 limit
SELECT c.conversation_id, c.last_status_id, c.unread
  FROM account_conversations_of($1) c
 WHERE ($2::bigint IS NULL OR c.last_status_id < $2)
   AND ($3::bigint IS NULL OR c.last_status_id > $3)
   AND ($4::bigint IS NULL OR c.last_status_id > $4)
 ORDER BY CASE WHEN $4::bigint IS NULL THEN -c.last_status_id ELSE c.last_status_id END
 LIMIT $5;

-- name: list_conversation_participants
-- Everyone in these conversations' direct statuses: authors and mentioned accounts.
-- $1 conversation ids
SELECT DISTINCT coalesce(s.conversation_id, s.id) AS conversation_id, p.account_id
  FROM statuses s
  CROSS JOIN LATERAL (SELECT s.account_id
                      UNION SELECT m.account_id FROM mentions m WHERE m.status_id = s.id) p
 WHERE coalesce(s.conversation_id, s.id) = ANY($1::bigint[]) AND s.visibility = 'direct'
   AND s.deleted_at IS NULL;

-- name: get_conversation_of
-- The conversation a live direct status belongs to (as list_conversations numbers them).
-- $1 status id
SELECT coalesce(conversation_id, id) FROM statuses
 WHERE id = $1 AND visibility = 'direct' AND deleted_at IS NULL;
-- name: list_page
-- A page of statuses in one round trip, one row per status: status_page_rows (migration
-- 0041) and what the viewer did with it (status_viewer_flags; all false without a viewer).
-- The originals of the boosts among them come too, in the same round trip (rows in no order).
-- `has_card`: whether a preview card is linked, so a page without any asks for no cards.
-- $1 status ids, $2 viewer account id (may be null)
SELECT r.*, vf.favourited, vf.reblogged, vf.bookmarked, vf.pinned, vf.muted,
       EXISTS (SELECT 1 FROM preview_cards_statuses pc WHERE pc.status_id = r.id) AS has_card
  FROM status_page_rows r
  CROSS JOIN LATERAL status_viewer_flags(r.id, r.conversation_id, $2) vf
 WHERE r.id = ANY($1::bigint[] || ARRAY(SELECT o.reblog_of_id FROM statuses o
                                         WHERE o.id = ANY($1::bigint[])
                                           AND o.reblog_of_id IS NOT NULL));

-- name: list_home_page
-- A page of the home timeline in one round trip: its entries (home_entries's, as
-- list_home_timeline reads them; max_id / since_id paging) with the originals of the boosts
-- among them, newest first; `in_page` tells the entries from originals shown only inside a
-- boost. For each, the viewer's flags (list_page's), and of the status and its author only the
-- versions of their rows: `version` (the status row's xmin: any UPDATE makes a new one,
-- counters included, and since migrations 0093 and 0094 so does any change to its attachments,
-- mentions, hashtags, poll, preview card, quote or application) and st_xmin, that of the
-- author's account_stats row (since migration 0095 any change to the accounts row makes a new
-- one, and a change of role or hidden collections in users a new accounts row); a_xmin, the
-- accounts row's, only for an author without account_stats (NULL otherwise: the second probe
-- per status cost a sixth of the statement). The process keeps statuses, with all they embed,
-- and authors by those versions and reads the ones it does not hold with list_home_rows:
-- usually none, so PostgreSQL sends a few numbers per status instead of its text, its embeds
-- and its author's profile, and the client decodes them. Reading the embeds here on every page
-- was a third of this statement's cost (three aggregates and a dozen probes per page for data
-- written with the post). Each entry's statuses row is read once, by the feed scan that checks
-- it is not deleted, which also takes what the rest of the statement needs of it:
-- home_entries's rule is written out here for that (the function returns ids only, and joining
-- statuses again read every entry's row two more times). The originals are read once more
-- each, and only those not already among the entries. The viewer's flags are read once for the
-- whole page (`shown`: the entries and the originals) and matched to the rows by hash, not
-- probed row by row: status_viewer_flags's rules (migration 0040) written out in that form.
-- The feed is cut at 40 (the endpoint's maximum) before the requested limit: with a constant
-- bound the planner sizes the page the same for every limit and keeps one generic plan (with
-- only `LIMIT $4` it plans for a tenth of the feed and plans again on every call, 2-3 ms).
-- `viewer_filters`: whether the viewer has any filter in force at $5 (the same on every row):
-- most have none, and then the page needs no query for them. The bounds are written as the
-- home_feed scan's own (see list_home_timeline).
-- $1 account_id (the viewer), $2 max_id, $3 since_id, $4 limit (at most 40), $5 now
WITH feed AS (
    SELECT s.id, s.account_id, s.xmin AS version, s.conversation_id, s.reblog_of_id
      FROM home_feed h
      JOIN statuses s ON s.id = h.status_id
     WHERE h.account_id = $1
       AND h.status_id < coalesce($2::bigint, 9223372036854775807)
       AND h.status_id > coalesce($3::bigint, 0)
       AND s.deleted_at IS NULL
       AND NOT EXISTS (SELECT 1 FROM mutes mu WHERE mu.account_id = $1
                          AND mu.target_account_id = h.author_id
                          AND (mu.expires_at IS NULL OR mu.expires_at > $5))
     ORDER BY h.status_id DESC LIMIT 40
), page AS MATERIALIZED (
    SELECT * FROM feed ORDER BY id DESC LIMIT $4
), listed AS (
    SELECT page.*, true AS in_page FROM page
    UNION ALL
    SELECT o.id, o.account_id, o.xmin, o.conversation_id, o.reblog_of_id, false
      FROM statuses o
     WHERE o.id = ANY(ARRAY(SELECT reblog_of_id FROM page WHERE reblog_of_id IS NOT NULL))
       AND o.id NOT IN (SELECT id FROM page)
), shown AS (
    SELECT ARRAY(SELECT id FROM listed) AS ids
)
SELECT s.id, s.account_id, s.version,
       CASE WHEN st.xmin IS NULL
            THEN (SELECT a.xmin FROM accounts a WHERE a.id = s.account_id) END AS a_xmin,
       st.xmin AS st_xmin,
       s.id IN (SELECT f.status_id FROM favourites f WHERE f.account_id = $1 AND f.status_id = ANY((SELECT ids FROM shown)::bigint[])) AS favourited,
       s.id IN (SELECT r.reblog_of_id FROM statuses r WHERE r.reblog_of_id = ANY((SELECT ids FROM shown)::bigint[]) AND r.account_id = $1 AND r.deleted_at IS NULL) AS reblogged,
       s.id IN (SELECT b.status_id FROM bookmarks b WHERE b.account_id = $1 AND b.status_id = ANY((SELECT ids FROM shown)::bigint[])) AS bookmarked,
       s.id IN (SELECT p.status_id FROM status_pins p WHERE p.account_id = $1 AND p.status_id = ANY((SELECT ids FROM shown)::bigint[])) AS pinned,
       coalesce(s.conversation_id, s.id) IN (SELECT c.conversation_id FROM conversation_mutes c WHERE c.account_id = $1) AS muted,
       s.in_page,
       EXISTS (SELECT 1 FROM filters f WHERE f.account_id = $1
                  AND (f.expires_at IS NULL OR f.expires_at > $5)) AS viewer_filters
  FROM listed s
  LEFT JOIN account_stats st ON st.account_id = s.account_id
 ORDER BY s.id DESC;

-- name: list_home_rows
-- The status and author rows of list_home_page's statuses the process does not hold at the
-- versions it read: status_page_rows's first columns (the Status, then a_ and the
-- AccountView's columns after id, read by position), what the status embeds (list_page's
-- media, mentions, tags, has_poll, has_card, has_quote and application; the JSON as text, for
-- the process to decode and weigh), with the versions they have now (list_home_page's
-- `version`, `a_xmin` (NULL when the author has account_stats) and `st_xmin`: the rows are
-- read again for them, only for the statuses missing). The four columns rendering a timeline
-- never reads come as NULL: in_reply_to_uri, text_source (shown only by a delete's response),
-- deleted_at and updated_at, so these rows are kept apart from list_page's.
-- $1 status ids
SELECT r.id, r.account_id, r.uri, r.url, r.local, r.in_reply_to_id, r.in_reply_to_account_id,
       NULL::text AS in_reply_to_uri, r.reblog_of_id, r.conversation_id, r.content,
       NULL::text AS text_source, r.spoiler_text, r.sensitive, r.visibility, r.language,
       r.application_id, r.edited_at, NULL::timestamptz AS deleted_at, r.created_at,
       NULL::timestamptz AS updated_at, r.replies_count, r.reblogs_count, r.favourites_count,
       r.quotes_count, r.quote_policy,
       r.a_username, r.a_domain, r.a_display_name, r.a_note, r.a_uri, r.a_url, r.a_actor_type,
       r.a_locked, r.a_bot, r.a_discoverable, r.a_indexable, r.a_avatar_url, r.a_header_url,
       r.a_avatar_path, r.a_header_path, r.a_fields, r.a_moved_to_account_id,
       r.a_suspended_at, r.a_created_at, r.a_statuses_count, r.a_followers_count,
       r.a_following_count, r.a_last_status_at, r.a_role, r.a_hide_collections,
       r.media::text AS media, r.mentions::text AS mentions, r.tags, r.has_poll,
       EXISTS (SELECT 1 FROM preview_cards_statuses pc WHERE pc.status_id = r.id) AS has_card,
       r.has_quote, r.app_name, r.app_website,
       s.xmin AS version, CASE WHEN st.xmin IS NULL THEN a.xmin END AS a_xmin,
       st.xmin AS st_xmin
  FROM status_page_rows r
  JOIN statuses s ON s.id = r.id
  JOIN accounts a ON a.id = r.account_id
  LEFT JOIN account_stats st ON st.account_id = r.account_id
 WHERE r.id = ANY($1::bigint[]);

-- name: filter_visible_for_viewers
-- Which of these viewers may see one status: filter_visible's rules (with hide_muted), for
-- many viewers in one query, so a stream update to a thousand followers is one check.
-- $1 status id, $2 viewer account ids, $3 now
SELECT v.id AS viewer_id
  FROM unnest($2::bigint[]) AS v(id), statuses s JOIN accounts a ON a.id = s.account_id
 WHERE s.id = $1 AND s.deleted_at IS NULL AND a.suspended_at IS NULL
   AND (s.account_id = v.id OR (
        NOT EXISTS (SELECT 1 FROM blocks b
                     WHERE (b.account_id = v.id AND b.target_account_id = s.account_id)
                        OR (b.account_id = s.account_id AND b.target_account_id = v.id))
        AND (s.visibility IN ('public', 'unlisted')
             OR EXISTS (SELECT 1 FROM mentions m WHERE m.status_id = s.id AND m.account_id = v.id)
             OR (s.visibility = 'private' AND EXISTS (
                    SELECT 1 FROM follows f WHERE f.account_id = v.id AND f.target_account_id = s.account_id)))
        AND (s.reblog_of_id IS NULL OR EXISTS (
             SELECT 1 FROM statuses o WHERE o.id = s.reblog_of_id AND o.deleted_at IS NULL
                AND (o.account_id = v.id OR o.visibility IN ('public', 'unlisted'))
                AND NOT EXISTS (SELECT 1 FROM blocks b2
                                 WHERE (b2.account_id = v.id AND b2.target_account_id = o.account_id)
                                    OR (b2.account_id = o.account_id AND b2.target_account_id = v.id))))
        AND NOT EXISTS (SELECT 1 FROM mutes mu WHERE mu.account_id = v.id
                           AND mu.target_account_id = s.account_id
                           AND (mu.expires_at IS NULL OR mu.expires_at > $3))
        AND NOT EXISTS (SELECT 1 FROM account_domain_blocks d WHERE d.account_id = v.id
                           AND d.domain = a.domain)));

-- name: list_viewer_flags_for_viewers
-- list_viewer_flags for many viewers at once; only rows with at least one flag set.
-- The flags are computed in a subquery of their own (OFFSET 0 keeps it from being merged
-- into this one), where each check is planned for one viewer: an index probe. Merged, a
-- thousand viewers make PostgreSQL hash every boost in `statuses` instead (150 ms on
-- 100,000 statuses against 10 ms, and growing with the table).
-- $1 status ids, $2 viewer account ids
SELECT v.id AS viewer_id, s.id, vf.favourited, vf.reblogged, vf.bookmarked, vf.pinned, vf.muted
  FROM unnest($2::bigint[]) AS v(id)
 CROSS JOIN statuses s
 CROSS JOIN LATERAL (SELECT * FROM status_viewer_flags(s.id, s.conversation_id, v.id) OFFSET 0) vf
 WHERE s.id = ANY($1::bigint[])
   AND (vf.favourited OR vf.reblogged OR vf.bookmarked OR vf.pinned OR vf.muted);
