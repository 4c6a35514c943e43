-- name: get_poll
-- A poll with what its status says about who may see it.
-- $1 poll id
SELECT p.id, p.status_id, p.account_id, p.options, p.multiple, p.hide_totals, p.expires_at,
       p.closed_at, p.remote_counts, p.remote_voters, p.proposal_id, s.local, s.uri AS status_uri,
       a.uri AS author_uri, a.inbox_url AS author_inbox, a.shared_inbox_url AS author_shared_inbox
  FROM polls p
  JOIN statuses s ON s.id = p.status_id
  JOIN accounts a ON a.id = p.account_id
 WHERE p.id = $1;

-- name: lock_poll
-- Votes on one poll are checked and written one at a time (single-choice, already voted).
-- $1 poll id
SELECT id FROM polls WHERE id = $1 FOR UPDATE;

-- name: get_poll_by_status_uri
-- The poll a vote Note replies to.
-- $1 status uri
SELECT p.id FROM polls p JOIN statuses s ON s.id = p.status_id
 WHERE s.uri = $1 AND s.deleted_at IS NULL;

-- name: get_poll_by_proposal
-- $1 proposal id
SELECT id FROM polls WHERE proposal_id = $1;

-- name: count_votes
-- Votes per option index, and distinct voters.
-- $1 poll id
SELECT choice, count(*) AS votes FROM poll_votes WHERE poll_id = $1 GROUP BY choice;

-- name: count_voters
-- $1 poll id
SELECT count(DISTINCT account_id) FROM poll_votes WHERE poll_id = $1;

-- name: own_votes
-- $1 poll id, $2 account id
SELECT choice FROM poll_votes WHERE poll_id = $1 AND account_id = $2 ORDER BY choice;

-- name: insert_vote
-- Nothing when this account already chose this option or the uri was seen before.
-- $1 id, $2 poll id, $3 account id, $4 choice, $5 uri, $6 now
INSERT INTO poll_votes (id, poll_id, account_id, choice, uri, created_at)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT DO NOTHING
RETURNING id;

-- name: vote_uri_seen
-- $1 uri
SELECT EXISTS (SELECT 1 FROM poll_votes WHERE uri = $1);

-- name: delete_votes_of
-- A changed vote on a proposal's poll replaces the earlier one.
-- $1 poll id, $2 account id
DELETE FROM poll_votes WHERE poll_id = $1 AND account_id = $2;

-- name: bump_remote_counts
-- A local vote on a remote poll shows at once; the poll's server sends the real counts later.
-- $1 poll id, $2 option indices chosen, $3 option count, $4 is a new voter
UPDATE polls SET
    remote_counts = (SELECT jsonb_agg(coalesce((remote_counts ->> (i - 1))::int, 0)
                                      + CASE WHEN (i - 1) = ANY ($2::int[]) THEN 1 ELSE 0 END
                                      ORDER BY i)
                       FROM generate_series(1, $3::int) AS i),
    remote_voters = coalesce(remote_voters, 0) + CASE WHEN $4::boolean THEN 1 ELSE 0 END
 WHERE id = $1;

-- name: close_poll
-- $1 poll id, $2 now
UPDATE polls SET closed_at = $2, updated_at = $2 WHERE id = $1 AND closed_at IS NULL
RETURNING id;

-- name: list_local_voters
-- $1 poll id
SELECT DISTINCT v.account_id FROM poll_votes v JOIN accounts a ON a.id = v.account_id
 WHERE v.poll_id = $1 AND a.domain IS NULL;

-- name: list_votes_by_ids
-- $1 vote ids
SELECT id, poll_id, account_id, choice, uri FROM poll_votes WHERE id = ANY ($1::bigint[])
 ORDER BY choice;

-- name: set_poll_proposal
-- $1 poll id, $2 proposal id
UPDATE polls SET proposal_id = $2 WHERE id = $1;
