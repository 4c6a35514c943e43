-- Governance, part 2: the social charter, one row per version. Version 1 is the founding
-- charter; every later version names the adopted charter_amendment proposal that made it
-- (the foreign key to proposals is added with that table in 0053).

CREATE TABLE charter_versions (
    version      integer PRIMARY KEY CHECK (version >= 1),
    text         text        NOT NULL,
    parameters   jsonb       NOT NULL,
    proposal_id  bigint,
    adopted_at   timestamptz NOT NULL,
    log_seq      bigint      NOT NULL REFERENCES decision_log (seq),
    CONSTRAINT charter_versions_source CHECK ((version = 1) = (proposal_id IS NULL))
);
CREATE UNIQUE INDEX charter_versions_proposal_key ON charter_versions (proposal_id)
    WHERE proposal_id IS NOT NULL;

CREATE TRIGGER charter_versions_append_only BEFORE UPDATE OR DELETE ON charter_versions
    FOR EACH ROW EXECUTE FUNCTION governance_refuse_change();
CREATE TRIGGER charter_versions_no_truncate BEFORE TRUNCATE ON charter_versions
    FOR EACH STATEMENT EXECUTE FUNCTION governance_refuse_change();
