-- Governance, part 8: two more proposal kinds. `membership` suspends, reinstates or expels
-- a member by decision; `jury_decision` is decided by a jury's jurors alone, so its
-- electorate comes from the jury named here rather than from every active member.

ALTER TABLE proposals DROP CONSTRAINT proposals_kind_check;
ALTER TABLE proposals ADD CONSTRAINT proposals_kind_check CHECK (kind IN ('general',
    'charter_amendment', 'moderation_rule', 'domain_policy', 'budget', 'appointment',
    'admission', 'membership', 'jury_decision', 'poll'));

ALTER TABLE proposals ADD COLUMN jury_draw_id bigint REFERENCES jury_draws (id);
ALTER TABLE proposals ADD CONSTRAINT proposals_jury_shape
    CHECK ((kind = 'jury_decision') = (jury_draw_id IS NOT NULL));
CREATE INDEX proposals_jury_idx ON proposals (jury_draw_id) WHERE jury_draw_id IS NOT NULL;

-- An expelled member's share is redeemed like a leaver's, but they did not choose to go.
ALTER TABLE members DROP CONSTRAINT members_status_check;
ALTER TABLE members ADD CONSTRAINT members_status_check
    CHECK (status IN ('active', 'suspended', 'left', 'expelled'));
