-- name: insert_session
-- $1 token_hash, $2 user_id, $3 now, $4 expires_at, $5 ip, $6 user_agent
INSERT INTO web_sessions (token_hash, user_id, created_at, last_seen_at, expires_at, ip, user_agent)
VALUES ($1, $2, $3, $3, $4, $5, $6);

-- name: get_session_user
-- The user behind a live session; touching last_seen_at is left to a separate query.
-- $1 token_hash, $2 now
SELECT s.user_id FROM web_sessions s
  JOIN users u ON u.id = s.user_id
 WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.approved AND NOT u.disabled;

-- name: delete_session
-- $1 token_hash
DELETE FROM web_sessions WHERE token_hash = $1;

-- name: delete_other_sessions
-- After a password change every other session of the user ends.
-- $1 user_id, $2 keep token_hash
DELETE FROM web_sessions WHERE user_id = $1 AND token_hash <> $2;

-- name: hit_rate_limit
-- Count one hit in the bucket's current window and return the window's total.
-- $1 bucket, $2 window_start
INSERT INTO rate_limit_hits (bucket, window_start, hits) VALUES ($1, $2, 1)
ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limit_hits.hits + 1
RETURNING hits;

-- name: get_rate_limit_hits
-- $1 bucket, $2 window_start
SELECT coalesce((SELECT hits FROM rate_limit_hits WHERE bucket = $1 AND window_start = $2), 0);

-- name: clear_rate_limit
-- $1 bucket, $2 window_start
DELETE FROM rate_limit_hits WHERE bucket = $1 AND window_start = $2;

-- name: purge_rate_limits
-- $1 cutoff
DELETE FROM rate_limit_hits WHERE window_start < $1;
