-- name: insert_pledge
-- $1 id, $2 account_id, $3 amount_minor, $4 currency, $5 period, $6 created_at
INSERT INTO pledges (id, account_id, amount_minor, currency, period, created_at)
VALUES ($1, $2, $3, $4, $5, $6);

-- name: get_pledge
-- $1 id
SELECT p.id, p.account_id, a.username, p.amount_minor, p.currency, p.period, p.active,
       p.created_at, p.ended_at
  FROM pledges p JOIN accounts a ON a.id = p.account_id
 WHERE p.id = $1;

-- name: end_pledge
-- Only the pledging member's own active pledge; no row when there is none.
-- $1 id, $2 account_id, $3 ended_at
UPDATE pledges SET active = false, ended_at = $3
 WHERE id = $1 AND account_id = $2 AND active
RETURNING id;

-- name: list_pledges
-- Active pledges first, then ended ones; newest first within each.
SELECT p.id, p.account_id, a.username, p.amount_minor, p.currency, p.period, p.active,
       p.created_at, p.ended_at
  FROM pledges p JOIN accounts a ON a.id = p.account_id
 ORDER BY p.active DESC, p.id DESC;

-- name: insert_contribution
-- $1 account_id, $2 pledge_id, $3 amount_minor, $4 currency, $5 note, $6 corrects_id,
-- $7 recorded_by_account_id, $8 recorded_at
INSERT INTO contributions (account_id, pledge_id, amount_minor, currency, note, corrects_id,
                           recorded_by_account_id, recorded_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
RETURNING id;

-- name: get_contribution
-- A row with what it now amounts to once its corrections are added.
-- $1 id
SELECT c.id, c.account_id, c.amount_minor, c.currency, c.corrects_id,
       c.amount_minor + coalesce((SELECT sum(k.amount_minor) FROM contributions k
                                   WHERE k.corrects_id = c.id), 0)::bigint AS net_minor
  FROM contributions c WHERE c.id = $1;

-- name: lock_contribution
-- Corrections of one row are checked against its net amount, so two at once must queue.
-- (A row lock only: the append-only trigger fires on UPDATE, not on FOR UPDATE.)
-- $1 id
SELECT id FROM contributions WHERE id = $1 FOR UPDATE;

-- name: list_contributions
-- Oldest first, as a ledger reads.
SELECT c.id, c.account_id, a.username, c.pledge_id, c.amount_minor, c.currency, c.note,
       c.corrects_id, r.username AS recorded_by, c.recorded_at
  FROM contributions c
  LEFT JOIN accounts a ON a.id = c.account_id
  JOIN accounts r ON r.id = c.recorded_by_account_id
 ORDER BY c.id;

-- name: list_balances
-- The fund per currency, derived every time: contributions less budget allocations.
SELECT currency,
       sum(contributed)::bigint AS contributed,
       sum(allocated)::bigint AS allocated,
       (sum(contributed) - sum(allocated))::bigint AS balance
  FROM (SELECT currency, amount_minor AS contributed, 0::bigint AS allocated
          FROM contributions
        UNION ALL
        SELECT currency, 0::bigint, amount_minor FROM budget_allocations) AS movements
 GROUP BY currency
 ORDER BY currency;

-- name: list_allocations
-- Budget allocations with the decision that made each.
SELECT b.id, b.proposal_id, p.title, p.kind, b.option, b.amount_minor, b.currency,
       b.purpose, b.allocated_at
  FROM budget_allocations b JOIN proposals p ON p.id = b.proposal_id
 ORDER BY b.id;
