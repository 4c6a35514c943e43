-- name: insert_notification
-- Skipped when the recipient blocks the sender or mutes them with notifications hidden.
-- $1 id, $2 account_id, $3 from_account_id, $4 type, $5 status_id, $6 now
INSERT INTO notifications (id, account_id, from_account_id, type, status_id, created_at)
SELECT $1, $2, $3, $4, $5, $6
 WHERE NOT EXISTS (SELECT 1 FROM blocks WHERE account_id = $2 AND target_account_id = $3)
   AND NOT EXISTS (SELECT 1 FROM mutes WHERE account_id = $2 AND target_account_id = $3
                      AND hide_notifications AND (expires_at IS NULL OR expires_at > $6))
ON CONFLICT DO NOTHING
RETURNING id;

-- name: delete_notifications_about
-- When a follow request is answered, or a favourite undone, its notification goes.
-- $1 account_id, $2 from_account_id, $3 type, $4 status_id
DELETE FROM notifications
 WHERE account_id = $1 AND from_account_id = $2 AND type = $3
   AND coalesce(status_id, 0) = coalesce($4::bigint, 0);

-- name: list_notifications_for
-- $1 account_id, $2 limit
SELECT id, account_id, from_account_id, type, status_id, created_at
  FROM notifications WHERE account_id = $1 ORDER BY id DESC LIMIT $2;
