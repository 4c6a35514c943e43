-- name: insert_local_report
-- A report a member files through the client API.
-- $1 id, $2 reporter_account_id, $3 target_account_id, $4 status_ids, $5 status_uris,
-- $6 comment, $7 category, $8 rule_ids, $9 forward, $10 now
INSERT INTO reports (id, reporter_account_id, target_account_ids, status_ids, status_uris,
                     comment, category, rule_ids, forward, received_at)
VALUES ($1, $2, ARRAY[$3::bigint], $4, $5, $6, $7, $8, $9, $10)
RETURNING id, reporter_account_id, target_account_ids, status_ids, comment, category,
          rule_ids, forwarded, action_taken, action_taken_at, received_at;

-- name: list_statuses_of_account
-- The given statuses that belong to the reported account (others are not attached).
-- $1 account_id, $2 status ids
SELECT id, uri FROM statuses WHERE account_id = $1 AND id = ANY($2::bigint[]) ORDER BY id;

-- name: list_staff_account_ids
-- Who hears about new reports: the instance's admins and moderators.
SELECT u.account_id FROM users u
 WHERE u.role IN ('admin', 'moderator') AND u.approved AND NOT u.disabled;

-- name: take_report_to_forward
-- A report the member asked to forward, marked forwarded as its Flag is queued (so a job that
-- runs twice sends it once); nothing when it was not asked for or is forwarded already.
-- $1 report id
UPDATE reports SET forwarded = true
 WHERE id = $1 AND forward AND NOT forwarded
RETURNING target_account_ids, status_uris, comment;
