-- name: get_charter_in_force
-- The latest version is the one in force.
SELECT version, text, parameters, proposal_id, adopted_at, log_seq
  FROM charter_versions ORDER BY version DESC LIMIT 1;

-- name: get_charter_version
-- $1 version
SELECT version, text, parameters, proposal_id, adopted_at, log_seq
  FROM charter_versions WHERE version = $1;

-- name: list_charter_versions
SELECT version, text, parameters, proposal_id, adopted_at, log_seq
  FROM charter_versions ORDER BY version;

-- name: lock_charter_versions
-- Held while a version is added, so two adoptions cannot both take the same number.
LOCK TABLE charter_versions IN SHARE ROW EXCLUSIVE MODE;

-- name: insert_charter_version
-- $1 version, $2 text, $3 parameters, $4 proposal_id, $5 adopted_at, $6 log_seq
INSERT INTO charter_versions (version, text, parameters, proposal_id, adopted_at, log_seq)
VALUES ($1, $2, $3, $4, $5, $6);

-- name: get_passed_amendment
-- The motion of a charter_amendment proposal that has passed and is not yet enacted.
-- $1 proposal id
SELECT motion FROM proposals
 WHERE id = $1 AND kind = 'charter_amendment' AND status = 'passed';
