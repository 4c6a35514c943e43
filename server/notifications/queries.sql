-- name: insert_notification
-- Skipped when the recipient blocks the sender or mutes them with notifications hidden.
-- A groupable one joins the newest group among the keys $7 (its kind's keys of the last
-- hours, service.group_keys), else starts the group $8; others have no group ($8 NULL).
-- $1 id, $2 account_id, $3 from_account_id, $4 type, $5 status_id, $6 now,
-- $7 keys it may join, $8 its own key
INSERT INTO notifications (id, account_id, from_account_id, type, status_id, created_at,
                           group_key)
SELECT $1, $2, $3, $4, $5, $6,
       CASE WHEN $8::text IS NOT NULL THEN coalesce(
           (SELECT group_key FROM notifications WHERE account_id = $2
               AND group_key = ANY($7::text[]) ORDER BY id DESC LIMIT 1), $8) END
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

-- name: list_notifications
-- The API's list: filtered by type and sender, newest first (oldest first above min_id).
-- Notifications about a deleted status are not shown (listed_notifications, migration 0049).
-- $1 account_id, $2 types (null: all), $3 exclude_types, $4 from_account_id (or null),
-- $5 max_id, $6 since_id, $7 min_id, $8 limit
SELECT id, account_id, from_account_id, type, status_id, created_at, group_key
  FROM listed_notifications($1, $2, $3, $4, $5, $6, $7)
 ORDER BY CASE WHEN $7::bigint IS NULL THEN -id ELSE id END
 LIMIT $8;

-- name: get_notification
-- $1 id, $2 account_id
SELECT id, account_id, from_account_id, type, status_id, created_at, group_key
  FROM notifications WHERE id = $1 AND account_id = $2;

-- name: delete_notification
-- $1 id, $2 account_id
DELETE FROM notifications WHERE id = $1 AND account_id = $2 RETURNING id;

-- name: clear_notifications
-- $1 account_id
DELETE FROM notifications WHERE account_id = $1;

-- name: count_notifications
-- Up to $3 notifications newer than $2 (all when null), of the kinds the list would show
-- with the same type and sender filters (the unread count beside a filtered column).
-- $1 account_id, $2 after id, $3 limit, $4 types (null: all), $5 exclude_types,
-- $6 from_account_id (or null)
SELECT count(*) FROM (
    SELECT 1 FROM listed_notifications($1, $4, $5, $6, NULL, $2, NULL) ORDER BY id LIMIT $3) n;

-- name: page_notification_groups
-- A page of the grouped list: walking the notifications the v1 list would show (newest
-- first; oldest first above min_id), the first one met of each group stands for it, until
-- $8 groups. The walk is bounded ($10 notifications) so that a very large group cannot
-- make one page read everything; the next page goes on below it. A notification's group is
-- its group key when its type is one of $9, else its own ("ungrouped-ID").
-- $1 account_id, $2 types (null: all), $3 exclude_types, $4 from_account_id, $5 max_id,
-- $6 since_id, $7 min_id, $8 limit, $9 grouped types, $10 walk bound
WITH walk AS (
    SELECT id, coalesce(CASE WHEN type = ANY($9::text[]) THEN group_key END,
                        'ungrouped-' || id) AS page_group
      FROM listed_notifications($1, $2, $3, $4, $5, $6, $7)
     ORDER BY CASE WHEN $7::bigint IS NULL THEN -id ELSE id END
     LIMIT $10
), firsts AS (
    SELECT DISTINCT ON (page_group) page_group, id FROM walk
     ORDER BY page_group, CASE WHEN $7::bigint IS NULL THEN -id ELSE id END
)
SELECT n.id, n.account_id, n.from_account_id, n.type, n.status_id, n.created_at,
       f.page_group
  FROM firsts f JOIN notifications n ON n.id = f.id
 ORDER BY CASE WHEN $7::bigint IS NULL THEN -n.id ELSE n.id END
 LIMIT $8;

-- name: notification_group_facts
-- For each group key: its newest notification at or below $4 (id, time), the senders of its
-- newest $5 there, how many it has there, and its oldest at or above $3 (NULL: no bound).
-- $1 account_id, $2 group keys, $3 range start, $4 range end, $5 samples
SELECT g.key AS group_key, newest.id AS newest_id, newest.created_at AS newest_at,
       array(SELECT from_account_id FROM notifications
              WHERE account_id = $1 AND group_key = g.key AND id <= $4::bigint
              ORDER BY id DESC LIMIT $5) AS sample_account_ids,
       (SELECT count(*) FROM notifications
         WHERE account_id = $1 AND group_key = g.key AND id <= $4) AS notifications_count,
       (SELECT id FROM notifications
         WHERE account_id = $1 AND group_key = g.key AND id >= coalesce($3::bigint, 0)
         ORDER BY id ASC LIMIT 1) AS oldest_id
  FROM unnest($2::text[]) AS g (key)
  LEFT JOIN LATERAL (SELECT id, created_at FROM notifications
                      WHERE account_id = $1 AND group_key = g.key AND id <= $4::bigint
                      ORDER BY id DESC LIMIT 1) newest ON true;

-- name: newest_in_group
-- The newest notification of a group key, or of the notification "ungrouped-ID" names.
-- $1 account_id, $2 group key, $3 notification id when ungrouped (else NULL)
SELECT id, account_id, from_account_id, type, status_id, created_at, group_key
  FROM notifications
 WHERE account_id = $1 AND (group_key = $2 OR id = $3)
 ORDER BY id DESC LIMIT 1;

-- name: page_group_senders
-- Who made a group's notifications, newest first, paged by the notification's id.
-- $1 account_id, $2 group key, $3 notification id when ungrouped, $4 max_id, $5 since_id,
-- $6 min_id, $7 limit
SELECT id AS page_id, from_account_id AS account_id FROM notifications
 WHERE account_id = $1 AND (group_key = $2 OR id = $3)
   AND ($4::bigint IS NULL OR id < $4) AND ($5::bigint IS NULL OR id > $5)
   AND ($6::bigint IS NULL OR id > $6)
 ORDER BY CASE WHEN $6::bigint IS NULL THEN -id ELSE id END LIMIT $7;

-- name: dismiss_group
-- $1 account_id, $2 group key, $3 notification id when ungrouped
DELETE FROM notifications WHERE account_id = $1 AND (group_key = $2 OR id = $3);

-- name: count_notification_groups
-- How many groups the grouped list would show above $2 (all when null), counted up to $3.
-- $1 account_id, $2 after id, $3 limit, $4 grouped types
SELECT count(DISTINCT coalesce(CASE WHEN type = ANY($4::text[]) THEN group_key END,
                               'ungrouped-' || id)) FROM (
    SELECT id, type, group_key FROM listed_notifications($1, NULL, '{}', NULL, NULL, $2, NULL)
     ORDER BY id DESC LIMIT $3 * 10) n;
