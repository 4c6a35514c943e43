-- name: list_lists
-- $1 owner account id
SELECT id, account_id, title, replies_policy, exclusive FROM lists
 WHERE account_id = $1 ORDER BY id;

-- name: get_list
-- $1 list id, $2 owner
SELECT id, account_id, title, replies_policy, exclusive FROM lists
 WHERE id = $1 AND account_id = $2;

-- name: insert_list
-- $1 id, $2 owner, $3 title, $4 replies policy, $5 exclusive, $6 now
INSERT INTO lists (id, account_id, title, replies_policy, exclusive, created_at)
VALUES ($1, $2, $3, $4, $5, $6)
RETURNING id, account_id, title, replies_policy, exclusive;

-- name: update_list
-- $1 id, $2 owner, $3 title, $4 replies policy, $5 exclusive
UPDATE lists SET title = $3, replies_policy = $4, exclusive = $5
 WHERE id = $1 AND account_id = $2
RETURNING id, account_id, title, replies_policy, exclusive;

-- name: delete_list
DELETE FROM lists WHERE id = $1 AND account_id = $2 RETURNING id;

-- name: page_list_accounts
-- $1 list id, $2 max_id, $3 since_id, $4 min_id, $5 limit (0: all)
SELECT la.id AS page_id, la.account_id FROM list_accounts la
 WHERE la.list_id = $1
   AND ($2::bigint IS NULL OR la.id < $2) AND ($3::bigint IS NULL OR la.id > $3)
   AND ($4::bigint IS NULL OR la.id > $4)
 ORDER BY CASE WHEN $4::bigint IS NULL THEN -la.id ELSE la.id END
 LIMIT nullif($5, 0);

-- name: add_list_accounts
-- Only accounts the list's owner follows; returns the ids that could not be added.
-- $1 list id, $2 owner, $3 account ids, $4 new row ids (same length)
WITH wanted AS (SELECT * FROM unnest($3::bigint[], $4::bigint[]) AS w (account_id, row_id)),
added AS (
    INSERT INTO list_accounts (account_id, list_id, id)
    SELECT w.account_id, $1, w.row_id FROM wanted w
     WHERE EXISTS (SELECT 1 FROM follows f WHERE f.account_id = $2
                      AND f.target_account_id = w.account_id)
    ON CONFLICT (account_id, list_id) DO NOTHING
    RETURNING account_id
)
SELECT w.account_id FROM wanted w
 WHERE NOT EXISTS (SELECT 1 FROM follows f WHERE f.account_id = $2
                      AND f.target_account_id = w.account_id);

-- name: remove_list_accounts
-- $1 list id, $2 account ids
DELETE FROM list_accounts WHERE list_id = $1 AND account_id = ANY($2::bigint[]);

-- name: lists_with_account
-- The viewer's lists that contain an account. $1 owner, $2 member account id
SELECT l.id, l.account_id, l.title, l.replies_policy, l.exclusive
  FROM list_accounts la JOIN lists l ON l.id = la.list_id
 WHERE la.account_id = $2 AND l.account_id = $1 ORDER BY l.id;

-- name: list_ids_containing
-- Every list (of any owner) an author is on, with its owner: what the fan-out of a new
-- status uses to reach list timelines and list streams. $1 author account id
SELECT la.list_id, l.account_id AS owner_id, l.replies_policy, l.exclusive
  FROM list_accounts la JOIN lists l ON l.id = la.list_id
 WHERE la.account_id = $1;

-- name: list_member_ids
-- The accounts on a list (for the list timeline query). $1 list id
SELECT account_id FROM list_accounts WHERE list_id = $1;

-- name: remove_from_owner_lists
-- An unfollow takes the account off the follower's lists. $1 owner, $2 member
DELETE FROM list_accounts la USING lists l
 WHERE l.id = la.list_id AND l.account_id = $1 AND la.account_id = $2;

-- The list timeline (Mastodon's list feed) is read from the members' own statuses rather
-- than kept as a feed. What belongs on it (list_shows_status, migration 0039, for the three
-- queries below alike):
--   * not direct messages (those reach mentioned people only);
--   * boosts only from members whose boosts the owner shows, never of the owner's own
--     posts, and not of authors the owner blocks or mutes;
--   * replies by the replies policy: always to the member themself or to the owner;
--     `followed`: to anyone the owner follows; `list`: to members of the list; `none`:
--     no other replies. A reply whose parent is unknown is left out, as in the home feed.
-- Blocks, mutes and domain blocks of the members themselves are applied when the page is
-- rendered (the same check as every other timeline).

-- name: list_timeline
-- Newest first below max_id and above since_id, at most $5 per member before the cut.
-- $1 list id, $2 owner, $3 max_id, $4 since_id, $5 limit, $6 now
SELECT x.id FROM lists l
  JOIN list_accounts la ON la.list_id = l.id
  JOIN follows f ON f.account_id = l.account_id AND f.target_account_id = la.account_id
 CROSS JOIN LATERAL (
    SELECT s.id FROM statuses s
     WHERE s.account_id = la.account_id
       AND ($3::bigint IS NULL OR s.id < $3) AND ($4::bigint IS NULL OR s.id > $4)
       AND list_shows_status(l, s, f.show_reblogs, $6)
     ORDER BY s.id DESC LIMIT $5) x
 WHERE l.id = $1 AND l.account_id = $2
 ORDER BY x.id DESC
 LIMIT $5;

-- name: list_timeline_after
-- The entries just above min_id, oldest first (Mastodon's min_id paging).
-- $1 list id, $2 owner, $3 min_id, $4 max_id, $5 limit, $6 now
SELECT x.id FROM lists l
  JOIN list_accounts la ON la.list_id = l.id
  JOIN follows f ON f.account_id = l.account_id AND f.target_account_id = la.account_id
 CROSS JOIN LATERAL (
    SELECT s.id FROM statuses s
     WHERE s.account_id = la.account_id
       AND s.id > $3 AND ($4::bigint IS NULL OR s.id < $4)
       AND list_shows_status(l, s, f.show_reblogs, $6)
     ORDER BY s.id ASC LIMIT $5) x
 WHERE l.id = $1 AND l.account_id = $2
 ORDER BY x.id ASC
 LIMIT $5;

-- name: owns_list
-- $1 list id, $2 account id
SELECT EXISTS (SELECT 1 FROM lists WHERE id = $1 AND account_id = $2);
