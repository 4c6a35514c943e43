-- name: get_member
-- $1 account_id
SELECT m.account_id, a.username, a.domain, a.display_name, m.member_class, m.status,
       m.admitted_at, m.status_changed_at
  FROM members m JOIN accounts a ON a.id = m.account_id
 WHERE m.account_id = $1;

-- name: lock_member
-- $1 account_id
SELECT account_id FROM members WHERE account_id = $1 FOR UPDATE;

-- name: upsert_admitted_member
-- Admit, or re-admit someone who had left. An active or suspended member is untouched
-- (no row returned), so a double admission is refused by the caller.
-- $1 account_id, $2 member_class, $3 now
INSERT INTO members (account_id, member_class, status, admitted_at, status_changed_at)
VALUES ($1, $2, 'active', $3, $3)
ON CONFLICT (account_id) DO UPDATE
   SET member_class = EXCLUDED.member_class, status = 'active',
       admitted_at = EXCLUDED.admitted_at, status_changed_at = EXCLUDED.status_changed_at
 WHERE members.status = 'left'
RETURNING account_id;

-- name: update_member_status
-- $1 account_id, $2 status, $3 now
UPDATE members SET status = $2, status_changed_at = $3 WHERE account_id = $1;

-- name: list_members
-- $1 status (NULL for every status)
SELECT m.account_id, a.username, a.domain, a.display_name, m.member_class, m.status,
       m.admitted_at, m.status_changed_at
  FROM members m JOIN accounts a ON a.id = m.account_id
 WHERE ($1::text IS NULL OR m.status = $1)
 ORDER BY lower(a.username), a.domain NULLS FIRST;

-- name: list_active_member_ids
SELECT account_id FROM members WHERE status = 'active' ORDER BY account_id;

-- name: insert_share_movement
-- $1 account_id, $2 movement, $3 shares, $4 reason, $5 now
INSERT INTO share_ledger (account_id, movement, shares, reason, recorded_at)
VALUES ($1, $2, $3, $4, $5)
RETURNING id;

-- name: list_share_ledger
SELECT s.id, s.account_id, a.username, s.movement, s.shares, s.reason, s.recorded_at
  FROM share_ledger s JOIN accounts a ON a.id = s.account_id
 ORDER BY s.id;

-- name: get_share_holding
-- $1 account_id
SELECT coalesce(sum(CASE movement WHEN 'issue' THEN shares ELSE -shares END), 0)
  FROM share_ledger WHERE account_id = $1;

-- name: get_account_summary
-- $1 account_id
SELECT id, username, domain, display_name FROM accounts WHERE id = $1;

-- name: get_local_account_by_username
-- $1 username (any case)
SELECT id, username, domain, display_name FROM accounts
 WHERE lower(username) = lower($1) AND domain IS NULL;

-- name: insert_application
-- $1 id, $2 account_id, $3 member_class, $4 statement, $5 now
INSERT INTO membership_applications (id, account_id, member_class, statement, created_at)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT DO NOTHING
RETURNING id;

-- name: get_application
-- $1 id
SELECT p.id, p.account_id, a.username, p.member_class, p.statement, p.status, p.proposal_id,
       p.created_at, p.decided_at
  FROM membership_applications p JOIN accounts a ON a.id = p.account_id
 WHERE p.id = $1;

-- name: get_pending_application_for_account
-- $1 account_id
SELECT p.id, p.account_id, a.username, p.member_class, p.statement, p.status, p.proposal_id,
       p.created_at, p.decided_at
  FROM membership_applications p JOIN accounts a ON a.id = p.account_id
 WHERE p.account_id = $1 AND p.status = 'pending';

-- name: list_pending_applications
SELECT p.id, p.account_id, a.username, p.member_class, p.statement, p.status, p.proposal_id,
       p.created_at, p.decided_at
  FROM membership_applications p JOIN accounts a ON a.id = p.account_id
 WHERE p.status = 'pending'
 ORDER BY p.created_at;

-- name: decide_application
-- Only a pending application can be decided; no row means it already was.
-- $1 id, $2 status, $3 decided_at, $4 decided_by_account_id
UPDATE membership_applications
   SET status = $2, decided_at = $3, decided_by_account_id = $4
 WHERE id = $1 AND status = 'pending'
RETURNING id;

-- name: set_application_proposal
-- $1 id, $2 proposal_id
UPDATE membership_applications SET proposal_id = $2 WHERE id = $1;
