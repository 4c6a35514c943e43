-- name: insert_draw
-- $1 id, $2 purpose, $3 charter_version, $4 params, $5 pool_hash, $6 commitment, $7 secret,
-- $8 term_days, $9 draw_at, $10 created_by_account_id, $11 committed_at, $12 commit_log_seq
INSERT INTO jury_draws (id, purpose, charter_version, params, pool_hash, commitment, secret,
                        term_days, draw_at, created_by_account_id, committed_at, commit_log_seq)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12);

-- name: insert_pool
-- The frozen pool, in one statement.
-- $1 draw_id, $2 member ids, $3 account ids, $4 strata
INSERT INTO jury_draw_pool (draw_id, member_id, account_id, stratum)
SELECT $1, m, a, s FROM unnest($2::text[], $3::bigint[], $4::text[]) AS t(m, a, s);

-- name: get_draw
-- $1 id
SELECT d.id, d.purpose, d.state, d.charter_version, d.params, d.pool_hash, d.commitment,
       d.secret, d.term_days, d.draw_at, a.username AS created_by, d.committed_at,
       d.commit_log_seq, d.drawn_at, d.log_head_seq, d.log_head_hash, d.seed,
       d.reveal_log_seq, d.term_ends_at, d.dissolved_at
  FROM jury_draws d LEFT JOIN accounts a ON a.id = d.created_by_account_id
 WHERE d.id = $1;

-- name: lock_draw
-- Taken by drawing, answering a seat and dissolving, which change the draw's state.
-- $1 id
SELECT id FROM jury_draws WHERE id = $1 FOR UPDATE;

-- name: list_draws
-- Newest first.
-- $1 limit
SELECT d.id, d.purpose, d.state, d.charter_version, d.params, d.pool_hash, d.commitment,
       d.secret, d.term_days, d.draw_at, a.username AS created_by, d.committed_at,
       d.commit_log_seq, d.drawn_at, d.log_head_seq, d.log_head_hash, d.seed,
       d.reveal_log_seq, d.term_ends_at, d.dissolved_at
  FROM jury_draws d LEFT JOIN accounts a ON a.id = d.created_by_account_id
 ORDER BY d.id DESC
 LIMIT $1;

-- name: list_pool
-- $1 draw_id
SELECT p.member_id, p.account_id, a.username, p.stratum
  FROM jury_draw_pool p JOIN accounts a ON a.id = p.account_id
 WHERE p.draw_id = $1
 ORDER BY p.member_id;

-- name: update_draw_drawn
-- $1 id, $2 drawn_at, $3 log_head_seq, $4 log_head_hash, $5 seed, $6 reveal_log_seq,
-- $7 term_ends_at
UPDATE jury_draws
   SET state = 'drawn', drawn_at = $2, log_head_seq = $3, log_head_hash = $4, seed = $5,
       reveal_log_seq = $6, term_ends_at = $7
 WHERE id = $1 AND state = 'committed';

-- name: update_draw_dissolved
-- $1 id, $2 now
UPDATE jury_draws SET state = 'dissolved', dissolved_at = $2
 WHERE id = $1 AND state = 'drawn';

-- name: insert_seat
-- $1 draw_id, $2 account_id, $3 member_id, $4 position, $5 source, $6 offered_at
INSERT INTO jury_seats (draw_id, account_id, member_id, position, source, offered_at)
VALUES ($1, $2, $3, $4, $5, $6);

-- name: list_seats
-- $1 draw_id
SELECT s.account_id, s.member_id, a.username, s.position, s.source, s.status, s.offered_at,
       s.answered_at
  FROM jury_seats s JOIN accounts a ON a.id = s.account_id
 WHERE s.draw_id = $1
 ORDER BY s.position;

-- name: update_seat_answer
-- Only an offered seat can be answered; no row means it already was.
-- $1 draw_id, $2 account_id, $3 status, $4 answered_at
UPDATE jury_seats SET status = $3, answered_at = $4
 WHERE draw_id = $1 AND account_id = $2 AND status = 'offered'
RETURNING position;

-- name: insert_decline
-- $1 draw_id, $2 seq, $3 member_id, $4 replacement_id, $5 declined_at, $6 log_seq
INSERT INTO jury_declines (draw_id, seq, member_id, replacement_id, declined_at, log_seq)
VALUES ($1, $2, $3, $4, $5, $6);

-- name: list_declines
-- $1 draw_id
SELECT seq, member_id, replacement_id, declined_at, log_seq
  FROM jury_declines WHERE draw_id = $1 ORDER BY seq;

-- name: list_seats_for_account
-- The juries an account was drawn for, newest first.
-- $1 account_id
SELECT s.draw_id, d.purpose, d.state, s.status, d.term_ends_at
  FROM jury_seats s JOIN jury_draws d ON d.id = s.draw_id
 WHERE s.account_id = $1
 ORDER BY s.draw_id DESC;

-- name: list_jury_decisions
-- $1 draw_id
SELECT id, title, status, outcome, closes_at
  FROM proposals WHERE jury_draw_id = $1 ORDER BY id;
