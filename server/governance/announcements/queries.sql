-- name: list_announced_proposals
-- Proposals open now, or closed since $3, newest opening first; jury decisions (about one
-- person's appeal) are not announced. With $4 false, those $1 dismissed are left out.
-- $1 viewer account_id, $2 now, $3 closed since, $4 with dismissed
SELECT p.id, p.kind, p.title, p.body, p.motion, p.author_account_id, a.username AS author,
       p.status, p.charter_version, p.rules, p.secret_ballot, p.results_hidden,
       p.scheduled_open_at, p.opens_at, p.closes_at, p.closed_at, p.tally, p.outcome,
       p.effect, p.created_at, p.jury_draw_id,
       EXISTS (SELECT 1 FROM announcement_reads r
                WHERE r.account_id = $1 AND r.proposal_id = p.id) AS read
  FROM proposals p JOIN accounts a ON a.id = p.author_account_id
 WHERE p.jury_draw_id IS NULL AND p.opens_at IS NOT NULL AND p.opens_at <= $2
   AND (p.status = 'open' OR p.closed_at >= $3)
   AND ($4 OR NOT EXISTS (SELECT 1 FROM announcement_reads r
                           WHERE r.account_id = $1 AND r.proposal_id = p.id))
 ORDER BY p.opens_at DESC, p.id DESC;

-- name: list_announcement_reactions
-- $1 viewer account_id, $2 proposal ids
SELECT proposal_id, name, count(*) AS count, bool_or(account_id = $1) AS me
  FROM announcement_reactions WHERE proposal_id = ANY($2::bigint[])
 GROUP BY proposal_id, name ORDER BY proposal_id, min(created_at), name;

-- name: mark_announcement_read
-- $1 account_id, $2 proposal id, $3 now
INSERT INTO announcement_reads (account_id, proposal_id, created_at) VALUES ($1, $2, $3)
ON CONFLICT DO NOTHING;

-- name: add_announcement_reaction
-- $1 proposal id, $2 account_id, $3 name, $4 now
INSERT INTO announcement_reactions (proposal_id, account_id, name, created_at)
VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING;

-- name: remove_announcement_reaction
-- $1 proposal id, $2 account_id, $3 name
DELETE FROM announcement_reactions WHERE proposal_id = $1 AND account_id = $2 AND name = $3;

-- name: count_announcement_reaction
-- How many accounts gave this reaction, for the stream event that tells every client.
-- $1 proposal id, $2 name
SELECT count(*) FROM announcement_reactions WHERE proposal_id = $1 AND name = $2;
