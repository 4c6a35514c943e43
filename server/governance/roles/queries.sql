-- name: get_instance_role
-- The instance role (admin, moderator, user) of a local account; no row for remote ones.
-- $1 account_id
SELECT role FROM users WHERE account_id = $1;

-- name: set_instance_role
-- $1 account_id, $2 role
UPDATE users SET role = $2 WHERE account_id = $1;

-- name: has_governance_role
-- $1 account_id, $2 role
SELECT EXISTS (SELECT 1 FROM governance_roles WHERE account_id = $1 AND role = $2);

-- name: insert_governance_role
-- $1 account_id, $2 role, $3 granted_at, $4 proposal_id
INSERT INTO governance_roles (account_id, role, granted_at, proposal_id)
VALUES ($1, $2, $3, $4)
ON CONFLICT (account_id, role) DO NOTHING
RETURNING account_id;

-- name: delete_governance_role
-- $1 account_id, $2 role
DELETE FROM governance_roles WHERE account_id = $1 AND role = $2 RETURNING account_id;

-- name: list_role_holders
-- Everyone holding a role, instance roles included, for the roles page and the API.
SELECT a.id AS account_id, a.username, u.role AS role, NULL::timestamptz AS granted_at
  FROM users u JOIN accounts a ON a.id = u.account_id
 WHERE u.role IN ('admin', 'moderator')
UNION ALL
SELECT a.id, a.username, g.role, g.granted_at
  FROM governance_roles g JOIN accounts a ON a.id = g.account_id
 ORDER BY role, username;
