-- name: list_filters
-- $1 account_id
SELECT id, account_id, title, context, filter_action, expires_at, created_at
  FROM filters WHERE account_id = $1 ORDER BY id;

-- name: get_filter
-- $1 id, $2 account_id
SELECT id, account_id, title, context, filter_action, expires_at, created_at
  FROM filters WHERE id = $1 AND account_id = $2;

-- name: insert_filter
-- $1 id, $2 account_id, $3 title, $4 context, $5 filter_action, $6 expires_at, $7 now
INSERT INTO filters (id, account_id, title, context, filter_action, expires_at, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7);

-- name: update_filter
-- $1 id, $2 title, $3 context, $4 filter_action, $5 expires_at
UPDATE filters SET title = $2, context = $3, filter_action = $4, expires_at = $5 WHERE id = $1;

-- name: delete_filter
-- $1 id, $2 account_id
DELETE FROM filters WHERE id = $1 AND account_id = $2 RETURNING id;

-- name: list_keywords
-- $1 filter ids
SELECT id, filter_id, keyword, whole_word FROM filter_keywords
 WHERE filter_id = ANY($1::bigint[]) ORDER BY id;

-- name: get_keyword
-- A keyword of one of the account's filters.
-- $1 keyword id, $2 account_id
SELECT k.id, k.filter_id, k.keyword, k.whole_word FROM filter_keywords k
  JOIN filters f ON f.id = k.filter_id
 WHERE k.id = $1 AND f.account_id = $2;

-- name: insert_keyword
-- $1 id, $2 filter_id, $3 keyword, $4 whole_word, $5 now
INSERT INTO filter_keywords (id, filter_id, keyword, whole_word, created_at)
VALUES ($1, $2, $3, $4, $5);

-- name: update_keyword
-- $1 id, $2 filter_id, $3 keyword, $4 whole_word
UPDATE filter_keywords SET keyword = $3, whole_word = $4 WHERE id = $1 AND filter_id = $2
RETURNING id;

-- name: delete_keyword
-- $1 id, $2 filter_id
DELETE FROM filter_keywords WHERE id = $1 AND filter_id = $2 RETURNING id;

-- name: list_filter_statuses
-- $1 filter ids
SELECT id, filter_id, status_id FROM filter_statuses
 WHERE filter_id = ANY($1::bigint[]) ORDER BY id;

-- name: get_filter_status
-- $1 filter_status id, $2 account_id
SELECT s.id, s.filter_id, s.status_id FROM filter_statuses s
  JOIN filters f ON f.id = s.filter_id
 WHERE s.id = $1 AND f.account_id = $2;

-- name: insert_filter_status
-- $1 id, $2 filter_id, $3 status_id, $4 now
INSERT INTO filter_statuses (id, filter_id, status_id, created_at)
VALUES ($1, $2, $3, $4)
ON CONFLICT (filter_id, status_id) DO NOTHING
RETURNING id;

-- name: delete_filter_status
-- $1 id
DELETE FROM filter_statuses WHERE id = $1;

-- name: list_active_filter_ids
-- The account's filters that have not expired (for rendering statuses).
-- $1 account_id, $2 now
SELECT id FROM filters WHERE account_id = $1 AND (expires_at IS NULL OR expires_at > $2)
 ORDER BY id;

-- name: list_account_keywords
-- Every keyword of the account's filters: each is one filter in the v1 API.
-- $1 account_id
SELECT k.id, k.filter_id, k.keyword, k.whole_word FROM filter_keywords k
  JOIN filters f ON f.id = k.filter_id
 WHERE f.account_id = $1 ORDER BY k.id;
