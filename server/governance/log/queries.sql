-- name: lock_log_for_append
-- Serialise appends for the rest of the transaction, so two writers never build on the
-- same head (the chain would fork). The key is fixed; any process uses the same one.
SELECT pg_advisory_xact_lock(727050);

-- name: get_log_head
-- The last entry's seq and hash, or no row for an empty log.
SELECT seq, hash FROM decision_log ORDER BY seq DESC LIMIT 1;

-- name: insert_log_entry
-- $1 seq, $2 prev_hash, $3 kind, $4 recorded_at, $5 body, $6 hash
INSERT INTO decision_log (seq, prev_hash, kind, recorded_at, body, hash)
VALUES ($1, $2, $3, $4, $5, $6);

-- name: list_log_entries
-- Entries after a seq, oldest first.
-- $1 after_seq, $2 limit
SELECT seq, prev_hash, kind, recorded_at, body, hash
  FROM decision_log WHERE seq > $1 ORDER BY seq LIMIT $2;

-- name: list_log_entries_desc
-- Newest first, for the log page; $1 before_seq (exclusive), $2 limit
SELECT seq, prev_hash, kind, recorded_at, body, hash
  FROM decision_log WHERE seq < $1 ORDER BY seq DESC LIMIT $2;
