-- name: notify_stream
-- $1 channel, $2 payload
SELECT pg_notify($1, $2);

-- name: list_home_recipients
-- Which of these accounts have the status in their home feed.
-- $1 status_id, $2 account ids
SELECT account_id FROM home_feed WHERE status_id = $1 AND account_id = ANY($2::bigint[]);

-- name: get_stream_facts
-- What decides which public streams a status belongs to.
-- $1 status_id
SELECT s.visibility, s.local, s.reblog_of_id,
       (s.in_reply_to_account_id IS NOT NULL AND s.in_reply_to_account_id <> s.account_id) AS reply_to_other,
       EXISTS (SELECT 1 FROM media_attachments m WHERE m.status_id = s.id) AS has_media,
       coalesce((SELECT array_agg(lower(t.name)) FROM status_tags st JOIN tags t ON t.id = st.tag_id
                  WHERE st.status_id = s.id), '{}') AS tags
  FROM statuses s WHERE s.id = $1;

-- name: list_direct_participants
-- The local accounts taking part in a direct message (its author and the accounts it
-- mentions): whose `direct` streams hear of the conversation.
-- $1 status_id
SELECT a.id AS account_id FROM statuses s JOIN accounts a ON a.id = s.account_id
 WHERE s.id = $1 AND s.visibility = 'direct' AND a.domain IS NULL
UNION
SELECT m.account_id FROM statuses s
  JOIN mentions m ON m.status_id = s.id
  JOIN accounts a ON a.id = m.account_id AND a.domain IS NULL
 WHERE s.id = $1 AND s.visibility = 'direct';
