-- Paged lists share one shape: $1 owner/target account id, $2 max_id, $3 since_id,
-- $4 min_id, $5 limit. page_id is the row the cursor moves over (the follow, block or mute),
-- not the account, as in Mastodon. A min_id page is read upwards and reversed by the caller.

-- name: page_followers
SELECT f.id AS page_id, f.account_id FROM follows f JOIN accounts a ON a.id = f.account_id
 WHERE f.target_account_id = $1 AND a.suspended_at IS NULL
   AND ($2::bigint IS NULL OR f.id < $2) AND ($3::bigint IS NULL OR f.id > $3)
   AND ($4::bigint IS NULL OR f.id > $4)
 ORDER BY CASE WHEN $4::bigint IS NULL THEN -f.id ELSE f.id END LIMIT $5;

-- name: page_following
SELECT f.id AS page_id, f.target_account_id AS account_id
  FROM follows f JOIN accounts a ON a.id = f.target_account_id
 WHERE f.account_id = $1 AND a.suspended_at IS NULL
   AND ($2::bigint IS NULL OR f.id < $2) AND ($3::bigint IS NULL OR f.id > $3)
   AND ($4::bigint IS NULL OR f.id > $4)
 ORDER BY CASE WHEN $4::bigint IS NULL THEN -f.id ELSE f.id END LIMIT $5;

-- name: page_follow_requests
SELECT r.id AS page_id, r.account_id FROM follow_requests r
 WHERE r.target_account_id = $1
   AND ($2::bigint IS NULL OR r.id < $2) AND ($3::bigint IS NULL OR r.id > $3)
   AND ($4::bigint IS NULL OR r.id > $4)
 ORDER BY CASE WHEN $4::bigint IS NULL THEN -r.id ELSE r.id END LIMIT $5;

-- name: page_blocks
SELECT b.id AS page_id, b.target_account_id AS account_id FROM blocks b
 WHERE b.account_id = $1
   AND ($2::bigint IS NULL OR b.id < $2) AND ($3::bigint IS NULL OR b.id > $3)
   AND ($4::bigint IS NULL OR b.id > $4)
 ORDER BY CASE WHEN $4::bigint IS NULL THEN -b.id ELSE b.id END LIMIT $5;

-- name: page_mutes
-- Expired mutes are not shown. $6 now
SELECT m.id AS page_id, m.target_account_id AS account_id FROM mutes m
 WHERE m.account_id = $1 AND (m.expires_at IS NULL OR m.expires_at > $6)
   AND ($2::bigint IS NULL OR m.id < $2) AND ($3::bigint IS NULL OR m.id > $3)
   AND ($4::bigint IS NULL OR m.id > $4)
 ORDER BY CASE WHEN $4::bigint IS NULL THEN -m.id ELSE m.id END LIMIT $5;

-- name: page_endorsements
SELECT p.id AS page_id, p.target_account_id AS account_id FROM account_pins p
 WHERE p.account_id = $1
   AND ($2::bigint IS NULL OR p.id < $2) AND ($3::bigint IS NULL OR p.id > $3)
   AND ($4::bigint IS NULL OR p.id > $4)
 ORDER BY CASE WHEN $4::bigint IS NULL THEN -p.id ELSE p.id END LIMIT $5;

-- name: page_followed_tags
SELECT f.id AS page_id, t.id AS tag_id, t.name FROM tag_follows f JOIN tags t ON t.id = f.tag_id
 WHERE f.account_id = $1
   AND ($2::bigint IS NULL OR f.id < $2) AND ($3::bigint IS NULL OR f.id > $3)
   AND ($4::bigint IS NULL OR f.id > $4)
 ORDER BY CASE WHEN $4::bigint IS NULL THEN -f.id ELSE f.id END LIMIT $5;

-- name: page_domain_blocks
SELECT d.id AS page_id, d.domain FROM account_domain_blocks d
 WHERE d.account_id = $1
   AND ($2::bigint IS NULL OR d.id < $2) AND ($3::bigint IS NULL OR d.id > $3)
   AND ($4::bigint IS NULL OR d.id > $4)
 ORDER BY CASE WHEN $4::bigint IS NULL THEN -d.id ELSE d.id END LIMIT $5;

-- name: insert_domain_block
-- $1 id, $2 account id, $3 domain (lower case), $4 now
INSERT INTO account_domain_blocks (id, account_id, domain, created_at)
VALUES ($1, $2, $3, $4) ON CONFLICT (account_id, domain) DO NOTHING;

-- name: delete_domain_block
DELETE FROM account_domain_blocks WHERE account_id = $1 AND domain = $2;

-- name: unfollow_domain
-- A domain block also ends the blocker's follows of that domain's accounts (as Mastodon).
-- $1 account id, $2 domain
SELECT a.id FROM follows f JOIN accounts a ON a.id = f.target_account_id
 WHERE f.account_id = $1 AND lower(a.domain) = $2;

-- name: set_note
-- $1 account id, $2 target, $3 comment, $4 now
INSERT INTO account_notes (account_id, target_account_id, comment, updated_at)
VALUES ($1, $2, $3, $4)
ON CONFLICT (account_id, target_account_id) DO UPDATE SET comment = $3, updated_at = $4;

-- name: delete_note
DELETE FROM account_notes WHERE account_id = $1 AND target_account_id = $2;

-- name: insert_pin
-- $1 id, $2 account id, $3 target, $4 now
INSERT INTO account_pins (id, account_id, target_account_id, created_at)
VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING;

-- name: delete_pin
DELETE FROM account_pins WHERE account_id = $1 AND target_account_id = $2;

-- name: is_following
SELECT EXISTS (SELECT 1 FROM follows WHERE account_id = $1 AND target_account_id = $2);

-- name: search_accounts
-- Accounts whose username or display name starts with the query, or the exact acct;
-- followed accounts first. $1 viewer (or NULL), $2 username part (lower), $3 domain part
-- (lower, or NULL), $4 only accounts the viewer follows, $5 limit, $6 offset
SELECT a.id FROM accounts a
 WHERE a.suspended_at IS NULL
   AND (lower(a.username) LIKE $2 || '%' OR lower(a.display_name) LIKE $2 || '%'
        OR lower(a.display_name) LIKE '% ' || $2 || '%')
   AND ($3::text IS NULL OR lower(a.domain) LIKE $3 || '%')
   AND (NOT $4 OR EXISTS (SELECT 1 FROM follows f WHERE f.account_id = $1
                                                     AND f.target_account_id = a.id))
 ORDER BY (lower(a.username) = $2 AND ($3::text IS NULL OR lower(a.domain) = $3)) DESC,
          EXISTS (SELECT 1 FROM follows f WHERE f.account_id = $1
                                            AND f.target_account_id = a.id) DESC,
          a.domain IS NULL DESC, a.id
 LIMIT $5 OFFSET $6;

-- name: list_suggestions
-- Accounts followed by people the viewer follows (ranked by how many), then local accounts
-- that posted lately (reported as "most_interactions"); never the viewer, accounts already followed or requested, blocked,
-- muted or dismissed ones. $1 viewer, $2 limit
WITH excluded AS (
    SELECT $1::bigint AS id
    UNION SELECT target_account_id FROM follows WHERE account_id = $1
    UNION SELECT target_account_id FROM follow_requests WHERE account_id = $1
    UNION SELECT target_account_id FROM blocks WHERE account_id = $1
    UNION SELECT account_id FROM blocks WHERE target_account_id = $1
    UNION SELECT target_account_id FROM mutes WHERE account_id = $1
    UNION SELECT target_account_id FROM suggestion_dismissals WHERE account_id = $1
),
friends AS (
    SELECT f2.target_account_id AS id, count(*) AS n, 'friends_of_friends' AS source, 0 AS rank
      FROM follows f1 JOIN follows f2 ON f2.account_id = f1.target_account_id
     WHERE f1.account_id = $1
     GROUP BY f2.target_account_id
),
active AS (
    SELECT s.account_id AS id, 0 AS n, 'most_interactions' AS source, 1 AS rank
      FROM account_stats s JOIN accounts a ON a.id = s.account_id
      JOIN users u ON u.account_id = a.id
     WHERE a.domain IS NULL AND u.approved AND NOT u.disabled AND a.discoverable
       AND s.last_status_at IS NOT NULL
     ORDER BY s.last_status_at DESC LIMIT 200
)
SELECT DISTINCT ON (c.id) c.id, c.source, c.rank, c.n
  FROM (SELECT * FROM friends UNION ALL SELECT * FROM active) c
  JOIN accounts a ON a.id = c.id AND a.suspended_at IS NULL
 WHERE c.id NOT IN (SELECT id FROM excluded WHERE id IS NOT NULL)
 ORDER BY c.id, c.rank
 LIMIT $2;

-- name: dismiss_suggestion
INSERT INTO suggestion_dismissals (account_id, target_account_id, created_at)
VALUES ($1, $2, $3) ON CONFLICT DO NOTHING;

-- name: familiar_followers
-- For each target: the viewer's followees who follow it. $1 viewer, $2 target ids
SELECT t.id AS target_id, coalesce(array_agg(f2.account_id ORDER BY f2.id DESC)
                                   FILTER (WHERE f2.account_id IS NOT NULL), '{}') AS ids
  FROM unnest($2::bigint[]) AS t (id)
  LEFT JOIN follows f2 ON f2.target_account_id = t.id
       AND f2.account_id IN (SELECT target_account_id FROM follows WHERE account_id = $1)
 GROUP BY t.id;

-- name: list_featured_tags
-- $1 account id
SELECT ft.id, t.name, ft.created_at,
       (SELECT count(*) FROM status_tags st JOIN statuses s ON s.id = st.status_id
         WHERE st.tag_id = t.id AND s.account_id = ft.account_id AND s.deleted_at IS NULL
           AND s.visibility IN ('public', 'unlisted')) AS statuses_count,
       (SELECT max(s.created_at) FROM status_tags st JOIN statuses s ON s.id = st.status_id
         WHERE st.tag_id = t.id AND s.account_id = ft.account_id AND s.deleted_at IS NULL
           AND s.visibility IN ('public', 'unlisted')) AS last_status_at
  FROM featured_tags ft JOIN tags t ON t.id = ft.tag_id
 WHERE ft.account_id = $1 ORDER BY ft.id;

-- name: upsert_tag
-- $1 id, $2 name, $3 now
INSERT INTO tags (id, name, created_at) VALUES ($1, $2, $3)
ON CONFLICT (lower(name)) DO UPDATE SET name = tags.name
RETURNING id;

-- name: insert_featured_tag
-- $1 id, $2 account id, $3 tag id, $4 now
INSERT INTO featured_tags (id, account_id, tag_id, created_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (account_id, tag_id) DO UPDATE SET account_id = featured_tags.account_id
RETURNING id;

-- name: count_featured_tags
SELECT count(*) FROM featured_tags WHERE account_id = $1;

-- name: delete_featured_tag
DELETE FROM featured_tags WHERE id = $1 AND account_id = $2 RETURNING id;

-- name: get_tag_by_name
-- $1 name (any case)
SELECT id, name FROM tags WHERE lower(name) = lower($1);

-- name: follow_tag
-- The tag (made when new) and the follow in one statement; following again changes nothing.
-- $1 follow id, $2 account id, $3 tag id if new, $4 name, $5 now
WITH tag AS (
    INSERT INTO tags (id, name, created_at) VALUES ($3, $4, $5)
    ON CONFLICT (lower(name)) DO UPDATE SET name = tags.name
    RETURNING id, name
), follow AS (
    INSERT INTO tag_follows (id, account_id, tag_id, created_at)
    SELECT $1, $2, tag.id, $5 FROM tag
    ON CONFLICT (account_id, tag_id) DO NOTHING
)
SELECT id, name FROM tag;

-- name: unfollow_tag
-- $1 account id, $2 tag id
DELETE FROM tag_follows WHERE account_id = $1 AND tag_id = $2;

-- name: followed_tag_ids
-- Which of these tags the account follows. $1 account id, $2 tag ids
SELECT tag_id FROM tag_follows WHERE account_id = $1 AND tag_id = ANY($2::bigint[]);

-- name: list_directory
-- The profile directory: discoverable accounts that are not suspended (nor blocked either way
-- with the viewer), most recently active first ($2 'active') or newest first ('new'); local
-- ones only with $3. Accounts that never posted come last among the active.
-- $1 viewer (or NULL), $2 order, $3 local only, $4 limit, $5 offset
SELECT a.id FROM accounts a LEFT JOIN account_stats st ON st.account_id = a.id
 WHERE a.discoverable AND a.suspended_at IS NULL AND a.moved_to_account_id IS NULL
   AND (NOT $3 OR a.domain IS NULL)
   AND (a.domain IS NOT NULL OR EXISTS (SELECT 1 FROM users u WHERE u.account_id = a.id
                                           AND u.approved AND NOT u.disabled))
   AND ($1::bigint IS NULL OR NOT EXISTS (
            SELECT 1 FROM blocks b WHERE (b.account_id = $1 AND b.target_account_id = a.id)
                                      OR (b.account_id = a.id AND b.target_account_id = $1)))
 ORDER BY CASE WHEN $2 = 'new' THEN a.created_at END DESC NULLS LAST,
          st.last_status_at DESC NULLS LAST, a.id DESC
 LIMIT $4 OFFSET $5;
