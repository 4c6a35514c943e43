-- name: list_markers
-- $1 account id, $2 timelines
SELECT timeline, last_read_id, version, updated_at FROM markers
 WHERE account_id = $1 AND timeline = ANY($2::text[]);

-- name: save_marker
-- $1 account id, $2 timeline, $3 last read id, $4 now
INSERT INTO markers (account_id, timeline, last_read_id, version, updated_at)
VALUES ($1, $2, $3, 0, $4)
ON CONFLICT (account_id, timeline) DO UPDATE
   SET last_read_id = $3, version = markers.version + 1, updated_at = $4;
