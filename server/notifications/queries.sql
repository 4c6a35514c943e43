-- name: insert_notification
-- Skipped when the recipient blocks the sender or mutes them with notifications hidden.
-- Then the recipient's notification policy (migration 0090) decides: for each kind of sender
-- this one is (not followed, not a follower, new, limited by a domain policy, a private
-- mention not answering the recipient) its setting applies, the strictest winning; `drop`
-- makes nothing, `filter` makes it filtered and counts it in the sender's request. Staff,
-- senders let through before (an accepted request) and types not in $9 are never filtered.
-- A kept groupable one joins the newest group among the keys $7 (its kind's keys of the
-- last hours, service.group_keys), else starts the group $8; others have none ($8 NULL).
-- $1 id, $2 account_id, $3 from_account_id, $4 type, $5 status_id, $6 now,
-- $7 keys it may join, $8 its own key, $9 filterable types, $10 id for a new request
WITH facts AS (
    SELECT NOT EXISTS (SELECT 1 FROM follows WHERE account_id = $2 AND target_account_id = $3)
               AS not_following,
           NOT EXISTS (SELECT 1 FROM follows WHERE account_id = $3 AND target_account_id = $2)
               AS not_follower,
           sender.created_at > $6::timestamptz - interval '30 days' AS new_account,
           coalesce($4 = 'mention' AND st.visibility = 'direct'
                    AND st.in_reply_to_account_id IS DISTINCT FROM $2, false) AS private_mention,
           EXISTS (SELECT 1 FROM domain_policies dp
                    WHERE dp.active AND dp.policy = 'limit'
                      AND (lower(sender.domain) = lower(dp.domain)
                           OR lower(sender.domain) LIKE '%.' || lower(dp.domain))) AS limited,
           NOT ($4 = ANY($9::text[]))
           OR EXISTS (SELECT 1 FROM users u WHERE u.account_id = $3
                         AND u.role IN ('admin', 'moderator'))
           OR EXISTS (SELECT 1 FROM notification_permissions np
                       WHERE np.account_id = $2 AND np.from_account_id = $3) AS exempt
      FROM accounts sender LEFT JOIN statuses st ON st.id = $5
     WHERE sender.id = $3
), verdict AS (
    SELECT CASE WHEN f.exempt THEN 'accept'
                WHEN 'drop' = ANY(a.actions) THEN 'drop'
                WHEN 'filter' = ANY(a.actions) THEN 'filter'
                ELSE 'accept' END AS action
      FROM facts f
      LEFT JOIN notification_policies p ON p.account_id = $2
     CROSS JOIN LATERAL (SELECT ARRAY[
           CASE WHEN f.not_following THEN coalesce(p.for_not_following, 'accept') END,
           CASE WHEN f.not_follower THEN coalesce(p.for_not_followers, 'accept') END,
           CASE WHEN f.new_account THEN coalesce(p.for_new_accounts, 'accept') END,
           CASE WHEN f.private_mention AND f.not_following
                THEN coalesce(p.for_private_mentions, 'filter') END,
           CASE WHEN f.limited AND f.not_following
                THEN coalesce(p.for_limited_accounts, 'filter') END] AS actions) a
), made AS (
    INSERT INTO notifications (id, account_id, from_account_id, type, status_id, created_at,
                               group_key, filtered)
    SELECT $1, $2, $3, $4, $5, $6,
           CASE WHEN $8::text IS NOT NULL AND v.action = 'accept' THEN coalesce(
               (SELECT group_key FROM notifications WHERE account_id = $2
                   AND group_key = ANY($7::text[]) ORDER BY id DESC LIMIT 1), $8) END,
           v.action = 'filter'
      FROM verdict v
     WHERE v.action <> 'drop'
       AND NOT EXISTS (SELECT 1 FROM blocks WHERE account_id = $2 AND target_account_id = $3)
       AND NOT EXISTS (SELECT 1 FROM mutes WHERE account_id = $2 AND target_account_id = $3
                          AND hide_notifications AND (expires_at IS NULL OR expires_at > $6))
    ON CONFLICT DO NOTHING
    RETURNING id, filtered
), request AS (
    INSERT INTO notification_requests AS r (id, account_id, from_account_id, last_status_id,
                                            notifications_count, created_at, updated_at)
    SELECT $10, $2, $3, $5, 1, $6, $6 FROM made WHERE made.filtered
    ON CONFLICT (account_id, from_account_id) DO UPDATE
       SET notifications_count = r.notifications_count + 1,
           last_status_id = coalesce(EXCLUDED.last_status_id, r.last_status_id),
           updated_at = EXCLUDED.updated_at
)
SELECT id, filtered FROM made;

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
-- $5 max_id, $6 since_id, $7 min_id, $8 limit, $9 with filtered ones too
SELECT id, account_id, from_account_id, type, status_id, created_at, group_key
  FROM listed_notifications($1, $2, $3, $4, $5, $6, $7, $9)
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
    SELECT 1 FROM listed_notifications($1, $4, $5, $6, NULL, $2, NULL, false)
     ORDER BY id LIMIT $3) n;

-- name: page_notification_groups
-- A page of the grouped list: walking the notifications the v1 list would show (newest
-- first; oldest first above min_id), the first one met of each group stands for it, until
-- $8 groups. The walk is bounded ($10 notifications) so that a very large group cannot
-- make one page read everything; the next page goes on below it. A notification's group is
-- its group key when its type is one of $9, else its own ("ungrouped-ID").
-- $1 account_id, $2 types (null: all), $3 exclude_types, $4 from_account_id, $5 max_id,
-- $6 since_id, $7 min_id, $8 limit, $9 grouped types, $10 walk bound, $11 with filtered
WITH walk AS (
    SELECT id, coalesce(CASE WHEN type = ANY($9::text[]) THEN group_key END,
                        'ungrouped-' || id) AS page_group
      FROM listed_notifications($1, $2, $3, $4, $5, $6, $7, $11)
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
    SELECT id, type, group_key
      FROM listed_notifications($1, NULL, '{}', NULL, NULL, $2, NULL, false)
     ORDER BY id DESC LIMIT $3 * 10) n;

-- name: get_notification_policy
-- The account's settings (the defaults when it never changed them) and what waits filtered.
-- $1 account_id
SELECT coalesce(p.for_not_following, 'accept') AS for_not_following,
       coalesce(p.for_not_followers, 'accept') AS for_not_followers,
       coalesce(p.for_new_accounts, 'accept') AS for_new_accounts,
       coalesce(p.for_private_mentions, 'filter') AS for_private_mentions,
       coalesce(p.for_limited_accounts, 'filter') AS for_limited_accounts,
       (SELECT count(*) FROM notification_requests WHERE account_id = $1) AS pending_requests,
       (SELECT coalesce(sum(notifications_count), 0) FROM notification_requests
         WHERE account_id = $1) AS pending_notifications
  FROM (SELECT 1) one LEFT JOIN notification_policies p ON p.account_id = $1;

-- name: set_notification_policy
-- Only the settings given (not NULL) change.
-- $1 account_id, $2..$6 for_not_following, for_not_followers, for_new_accounts,
-- for_private_mentions, for_limited_accounts
INSERT INTO notification_policies AS p (account_id, for_not_following, for_not_followers,
                                        for_new_accounts, for_private_mentions,
                                        for_limited_accounts)
VALUES ($1, coalesce($2, 'accept'), coalesce($3, 'accept'), coalesce($4, 'accept'),
        coalesce($5, 'filter'), coalesce($6, 'filter'))
ON CONFLICT (account_id) DO UPDATE
   SET for_not_following = coalesce($2, p.for_not_following),
       for_not_followers = coalesce($3, p.for_not_followers),
       for_new_accounts = coalesce($4, p.for_new_accounts),
       for_private_mentions = coalesce($5, p.for_private_mentions),
       for_limited_accounts = coalesce($6, p.for_limited_accounts);

-- name: page_notification_requests
-- $1 account_id, $2 max_id, $3 since_id, $4 min_id, $5 limit
SELECT id, from_account_id, last_status_id, notifications_count, created_at, updated_at
  FROM notification_requests
 WHERE account_id = $1
   AND ($2::bigint IS NULL OR id < $2) AND ($3::bigint IS NULL OR id > $3)
   AND ($4::bigint IS NULL OR id > $4)
 ORDER BY CASE WHEN $4::bigint IS NULL THEN -id ELSE id END LIMIT $5;

-- name: get_notification_requests
-- $1 account_id, $2 ids
SELECT id, from_account_id, last_status_id, notifications_count, created_at, updated_at
  FROM notification_requests WHERE account_id = $1 AND id = ANY($2::bigint[]);

-- name: accept_notification_requests
-- The senders are let through from now on, their filtered notifications join the lists, and
-- the requests go. Returns the senders.
-- $1 account_id, $2 request ids, $3 now
WITH gone AS (
    DELETE FROM notification_requests WHERE account_id = $1 AND id = ANY($2::bigint[])
    RETURNING from_account_id
), allowed AS (
    INSERT INTO notification_permissions (account_id, from_account_id, created_at)
    SELECT $1, from_account_id, $3 FROM gone ON CONFLICT DO NOTHING
), shown AS (
    UPDATE notifications SET filtered = false
     WHERE account_id = $1 AND filtered AND from_account_id IN (SELECT from_account_id FROM gone)
)
SELECT from_account_id FROM gone;

-- name: dismiss_notification_requests
-- The requests and the notifications they held go.
-- $1 account_id, $2 request ids
WITH gone AS (
    DELETE FROM notification_requests WHERE account_id = $1 AND id = ANY($2::bigint[])
    RETURNING from_account_id
), dropped AS (
    DELETE FROM notifications
     WHERE account_id = $1 AND filtered AND from_account_id IN (SELECT from_account_id FROM gone)
)
SELECT from_account_id FROM gone;

-- name: list_local_quoters
-- Members' posts that quote the status with leave (their authors hear of its edits): the
-- quoting post and its author.
-- $1 status id
SELECT q.status_id, q.account_id FROM status_quotes q
  JOIN statuses s ON s.id = q.status_id AND s.deleted_at IS NULL AND s.local
 WHERE q.quoted_status_id = $1 AND q.state = 'accepted';

-- name: list_local_boosters
-- Local accounts whose boost of the status stands (they hear of its edits).
-- $1 status id
SELECT DISTINCT s.account_id FROM statuses s JOIN accounts a ON a.id = s.account_id
 WHERE s.reblog_of_id = $1 AND s.deleted_at IS NULL AND a.domain IS NULL;
