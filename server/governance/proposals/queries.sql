-- name: insert_proposal
-- $1 id, $2 kind, $3 title, $4 body, $5 motion, $6 author_account_id, $7 created_at,
-- $8 jury_draw_id (a jury_decision's jury, whose jurors are its electorate; else NULL)
INSERT INTO proposals (id, kind, title, body, motion, author_account_id, created_at,
                       jury_draw_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8);

-- name: get_proposal
-- $1 id
SELECT p.id, p.kind, p.title, p.body, p.motion, p.author_account_id, a.username AS author,
       p.status, p.charter_version, p.rules, p.secret_ballot, p.results_hidden,
       p.scheduled_open_at, p.opens_at, p.closes_at, p.closed_at, p.tally, p.outcome,
       p.effect, p.created_at, p.jury_draw_id
  FROM proposals p JOIN accounts a ON a.id = p.author_account_id
 WHERE p.id = $1;

-- name: lock_proposal
-- Taken by opening and closing, which change the proposal's state.
-- $1 id
SELECT id FROM proposals WHERE id = $1 FOR UPDATE;

-- name: lock_proposal_for_voting
-- Voters share this lock, so a close waits for votes being cast to commit first.
-- $1 id
SELECT id FROM proposals WHERE id = $1 FOR SHARE;

-- name: list_proposals
-- Everything but other people's drafts, newest first.
-- $1 viewer account_id (NULL for anonymous), $2 status (NULL for any), $3 limit
SELECT p.id, p.kind, p.title, p.body, p.motion, p.author_account_id, a.username AS author,
       p.status, p.charter_version, p.rules, p.secret_ballot, p.results_hidden,
       p.scheduled_open_at, p.opens_at, p.closes_at, p.closed_at, p.tally, p.outcome,
       p.effect, p.created_at, p.jury_draw_id
  FROM proposals p JOIN accounts a ON a.id = p.author_account_id
 WHERE (p.status <> 'draft' OR p.author_account_id = $1)
   AND ($2::text IS NULL OR p.status = $2)
 ORDER BY p.id DESC
 LIMIT $3;

-- name: update_proposal_scheduled
-- $1 id, $2 scheduled_open_at
UPDATE proposals SET scheduled_open_at = $2 WHERE id = $1 AND status = 'draft';

-- name: update_proposal_opened
-- $1 id, $2 charter_version, $3 rules, $4 secret_ballot, $5 results_hidden, $6 opens_at,
-- $7 closes_at, $8 motion (re-validated against the charter in force)
UPDATE proposals
   SET status = 'open', charter_version = $2, rules = $3, secret_ballot = $4,
       results_hidden = $5, opens_at = $6, closes_at = $7, motion = $8
 WHERE id = $1 AND status = 'draft';

-- name: update_proposal_closed
-- $1 id, $2 status, $3 tally, $4 outcome, $5 closed_at
UPDATE proposals SET status = $2, tally = $3, outcome = $4, closed_at = $5
 WHERE id = $1 AND status = 'open';

-- name: update_proposal_effect
-- $1 id, $2 status, $3 effect
UPDATE proposals SET status = $2, effect = $3 WHERE id = $1;

-- name: insert_electorate
-- Freeze the electorate: the members active when the proposal opens.
-- $1 proposal_id
INSERT INTO proposal_voters (proposal_id, account_id)
SELECT $1, account_id FROM members WHERE status = 'active';

-- name: insert_jury_electorate
-- A jury decision's electorate instead: the jurors who have accepted their seat and are
-- still active members when it opens.
-- $1 proposal_id, $2 jury_draw_id
INSERT INTO proposal_voters (proposal_id, account_id)
SELECT $1, s.account_id
  FROM jury_seats s JOIN members m ON m.account_id = s.account_id
 WHERE s.draw_id = $2 AND s.status = 'accepted' AND m.status = 'active';

-- name: count_electorate
-- $1 proposal_id
SELECT count(*) FROM proposal_voters WHERE proposal_id = $1;

-- name: get_voter
-- Whether an account is in the electorate, and when it first voted.
-- $1 proposal_id, $2 account_id
SELECT account_id, voted_at FROM proposal_voters WHERE proposal_id = $1 AND account_id = $2;

-- name: mark_voted
-- $1 proposal_id, $2 account_id, $3 now
UPDATE proposal_voters SET voted_at = coalesce(voted_at, $3)
 WHERE proposal_id = $1 AND account_id = $2;

-- name: list_participants
-- Who voted (never what): the participation record, public for every proposal.
-- $1 proposal_id
SELECT a.username, v.voted_at FROM proposal_voters v JOIN accounts a ON a.id = v.account_id
 WHERE v.proposal_id = $1 AND v.voted_at IS NOT NULL
 ORDER BY lower(a.username);

-- name: insert_ballot_secret
-- $1 proposal_id, $2 secret
INSERT INTO proposal_ballot_secrets (proposal_id, secret) VALUES ($1, $2);

-- name: get_ballot_secret
-- $1 proposal_id
SELECT secret FROM proposal_ballot_secrets WHERE proposal_id = $1;

-- name: delete_ballot_secret
-- $1 proposal_id
DELETE FROM proposal_ballot_secrets WHERE proposal_id = $1;

-- name: upsert_ballot
-- One ballot per key; a second vote replaces the first. Returns true when it was new.
-- $1 proposal_id, $2 ballot_key, $3 account_id, $4 choice, $5 reason, $6 cast_at
INSERT INTO proposal_ballots (proposal_id, ballot_key, account_id, choice, reason, cast_at)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (proposal_id, ballot_key)
DO UPDATE SET choice = EXCLUDED.choice, reason = EXCLUDED.reason, cast_at = EXCLUDED.cast_at
RETURNING (xmax = 0) AS inserted;

-- name: get_ballot
-- $1 proposal_id, $2 ballot_key
SELECT choice, reason FROM proposal_ballots WHERE proposal_id = $1 AND ballot_key = $2;

-- name: list_ballots
-- $1 proposal_id
SELECT ballot_key, choice, reason FROM proposal_ballots WHERE proposal_id = $1
 ORDER BY ballot_key;

-- name: count_ballots
-- $1 proposal_id
SELECT count(*) FROM proposal_ballots WHERE proposal_id = $1;

-- name: list_named_ballots
-- Open ballots with their voters (never used for secret ballots, which have no account).
-- $1 proposal_id
SELECT a.username, b.choice, b.reason, b.cast_at
  FROM proposal_ballots b JOIN accounts a ON a.id = b.account_id
 WHERE b.proposal_id = $1
 ORDER BY lower(a.username);

-- name: insert_comment
-- $1 id, $2 proposal_id, $3 author_account_id, $4 body, $5 created_at
INSERT INTO proposal_comments (id, proposal_id, author_account_id, body, created_at)
VALUES ($1, $2, $3, $4, $5);

-- name: list_comments
-- $1 proposal_id
SELECT c.id, a.username AS author, c.body, c.created_at
  FROM proposal_comments c JOIN accounts a ON a.id = c.author_account_id
 WHERE c.proposal_id = $1 ORDER BY c.id;

-- name: insert_reminders
-- A reminder for every member of the electorate who has not voted; idempotent.
-- $1 proposal_id, $2 closes_at, $3 now
INSERT INTO governance_reminders (proposal_id, account_id, closes_at, created_at)
SELECT proposal_id, account_id, $2, $3 FROM proposal_voters
 WHERE proposal_id = $1 AND voted_at IS NULL
ON CONFLICT DO NOTHING
RETURNING account_id;

-- name: list_reminders
-- $1 proposal_id
SELECT account_id FROM governance_reminders WHERE proposal_id = $1 ORDER BY account_id;
