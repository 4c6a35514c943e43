-- name: insert_moderation_rule
-- $1 id, $2 clause, $3 rule, $4 description, $5 proposal_id, $6 adopted_at
INSERT INTO moderation_rules (id, clause, rule, description, proposal_id, adopted_at)
VALUES ($1, $2, $3, $4, $5, $6);

-- name: deactivate_moderation_rule
-- $1 id
UPDATE moderation_rules SET active = false WHERE id = $1 AND active RETURNING id;

-- name: list_active_moderation_rules
SELECT id, clause, rule, description, proposal_id, adopted_at
  FROM moderation_rules WHERE active ORDER BY id;

-- name: lift_domain_policy
-- End the policy in force for a domain, if any.
-- $1 domain, $2 now, $3 proposal_id
UPDATE domain_policies SET active = false, lifted_at = $2, lifted_by_proposal_id = $3
 WHERE lower(domain) = lower($1) AND active
RETURNING id;

-- name: insert_domain_policy
-- $1 id, $2 domain, $3 policy, $4 reason, $5 clause, $6 proposal_id, $7 adopted_at
INSERT INTO domain_policies (id, domain, policy, reason, clause, proposal_id, adopted_at)
VALUES ($1, $2, $3, $4, $5, $6, $7);

-- name: list_active_domain_policies
SELECT id, domain, policy, reason, clause, proposal_id, adopted_at
  FROM domain_policies WHERE active ORDER BY lower(domain);

-- name: insert_budget_allocation
-- $1 id, $2 proposal_id, $3 amount_minor, $4 currency, $5 purpose, $6 allocated_at,
-- $7 option (the poll option, for a dot vote on the fund; NULL for a budget proposal)
INSERT INTO budget_allocations (id, proposal_id, amount_minor, currency, purpose, allocated_at,
                                option)
VALUES ($1, $2, $3, $4, $5, $6, $7);

-- name: list_budget_allocations
SELECT id, proposal_id, amount_minor, currency, purpose, allocated_at, option
  FROM budget_allocations ORDER BY id;
