-- Governance, part 5: what passed proposals enact. The moderation work enforces the rules
-- and domain policies recorded here; each cites the charter clause it rests on.

CREATE TABLE moderation_rules (
    id            bigint PRIMARY KEY,
    clause        text        NOT NULL,
    rule          jsonb       NOT NULL,
    description   text        NOT NULL DEFAULT '',
    active        boolean     NOT NULL DEFAULT true,
    proposal_id   bigint      NOT NULL REFERENCES proposals (id),
    adopted_at    timestamptz NOT NULL
);
CREATE INDEX moderation_rules_active_idx ON moderation_rules (id) WHERE active;

CREATE TABLE domain_policies (
    id            bigint PRIMARY KEY,
    domain        text        NOT NULL,
    policy        text        NOT NULL CHECK (policy IN
                      ('suspend', 'limit', 'reject_media', 'reject_reports')),
    reason        text        NOT NULL,
    clause        text        NOT NULL,
    active        boolean     NOT NULL DEFAULT true,
    proposal_id   bigint      NOT NULL REFERENCES proposals (id),
    adopted_at    timestamptz NOT NULL,
    lifted_at     timestamptz,
    lifted_by_proposal_id bigint REFERENCES proposals (id)
);
-- One policy in force per domain; a new decision about a domain replaces the old one.
CREATE UNIQUE INDEX domain_policies_active_key ON domain_policies (lower(domain)) WHERE active;

CREATE TABLE budget_allocations (
    id            bigint PRIMARY KEY,
    proposal_id   bigint      NOT NULL UNIQUE REFERENCES proposals (id),
    amount_minor  bigint      NOT NULL CHECK (amount_minor > 0),
    currency      text        NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    purpose       text        NOT NULL,
    allocated_at  timestamptz NOT NULL
);
