-- name: insert_media
-- $1 id, $2 account id, $3 type, $4 file path (NULL while processing), $5 preview path,
-- $6 content type, $7 description, $8 blurhash, $9 meta, $10 focus x, $11 focus y, $12 now
INSERT INTO media_attachments (id, account_id, type, file_path, preview_path, content_type,
                               description, blurhash, meta, focus_x, focus_y, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
RETURNING *;

-- name: get_own_media
-- $1 id, $2 owner account id
SELECT * FROM media_attachments WHERE id = $1 AND account_id = $2;

-- name: update_unattached_media
-- Description and focal point change only while the file is not on a status yet (after
-- that, editing the status is the way).
-- $1 id, $2 owner, $3 description (NULL keeps), $4 focus x (NULL keeps), $5 focus y
UPDATE media_attachments
   SET description = CASE WHEN $3::text IS NULL THEN description ELSE $3::text END,
       focus_x = coalesce($4::real, focus_x), focus_y = coalesce($5::real, focus_y)
 WHERE id = $1 AND account_id = $2 AND status_id IS NULL
RETURNING *;

-- name: update_status_media
-- An edit of the post changes one of its attachments' description or focal point.
-- $1 id, $2 owner, $3 status id, $4 description (NULL keeps), $5 focus x (NULL keeps), $6 focus y
UPDATE media_attachments
   SET description = CASE WHEN $4::text IS NULL THEN description ELSE $4::text END,
       focus_x = coalesce($5::real, focus_x), focus_y = coalesce($6::real, focus_y)
 WHERE id = $1 AND account_id = $2 AND status_id = $3
RETURNING id;

-- name: finish_media
-- A file processed in the background is ready.
-- $1 id, $2 file path, $3 preview path, $4 content type, $5 blurhash, $6 meta
UPDATE media_attachments
   SET file_path = $2, preview_path = $3, content_type = $4, blurhash = $5, meta = $6
 WHERE id = $1 AND file_path IS NULL
RETURNING id;

-- name: list_media_by_ids
-- $1 media ids
SELECT * FROM media_attachments WHERE id = ANY($1::bigint[]);

-- name: list_media_for_statuses
-- Every attachment of these statuses, in the order the author attached them.
-- $1 status ids
SELECT * FROM media_attachments
 WHERE status_id = ANY($1::bigint[])
 ORDER BY status_id, position, id;

-- name: delete_pending_media
-- A background upload that turned out not to be a readable picture.
-- $1 id
DELETE FROM media_attachments WHERE id = $1 AND file_path IS NULL AND status_id IS NULL;
