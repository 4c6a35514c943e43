-- Governance, part 4: proposals (and polls, which share their lifecycle), the electorate,
-- ballots, comments and reminders.

CREATE TABLE proposals (
    id                 bigint PRIMARY KEY,
    kind               text        NOT NULL CHECK (kind IN ('general', 'charter_amendment',
                           'moderation_rule', 'domain_policy', 'budget', 'appointment',
                           'admission', 'poll')),
    title              text        NOT NULL CHECK (title <> ''),
    body               text        NOT NULL DEFAULT '',
    motion             jsonb       NOT NULL DEFAULT '{}',
    author_account_id  bigint      NOT NULL REFERENCES accounts (id),
    status             text        NOT NULL DEFAULT 'draft' CHECK (status IN
                           ('draft', 'open', 'closed', 'passed', 'failed', 'enacted')),
    -- Set when the proposal opens: the charter version in force then, and the rules for
    -- this kind copied from it. The proposal is decided by these, not by later versions.
    charter_version    integer     REFERENCES charter_versions (version),
    rules              jsonb,
    secret_ballot      boolean     NOT NULL DEFAULT false,
    results_hidden     boolean     NOT NULL DEFAULT false,
    scheduled_open_at  timestamptz,
    opens_at           timestamptz,
    closes_at          timestamptz,
    closed_at          timestamptz,
    tally              jsonb,
    outcome            text,
    effect             jsonb,
    created_at         timestamptz NOT NULL,
    CONSTRAINT proposals_open_has_times CHECK (status = 'draft' OR (opens_at IS NOT NULL
        AND closes_at IS NOT NULL AND rules IS NOT NULL AND charter_version IS NOT NULL))
);
CREATE INDEX proposals_status_idx ON proposals (status, closes_at);

ALTER TABLE charter_versions ADD CONSTRAINT charter_versions_proposal_fkey
    FOREIGN KEY (proposal_id) REFERENCES proposals (id);
ALTER TABLE membership_applications ADD CONSTRAINT membership_applications_proposal_fkey
    FOREIGN KEY (proposal_id) REFERENCES proposals (id);
ALTER TABLE governance_roles ADD CONSTRAINT governance_roles_proposal_fkey
    FOREIGN KEY (proposal_id) REFERENCES proposals (id);

-- A new charter version needs a charter_amendment that has just passed; no other path
-- (an admin's SQL console included, short of disabling this trigger) can add one.
CREATE FUNCTION charter_versions_need_passed_amendment() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.proposal_id IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM proposals
         WHERE id = NEW.proposal_id AND kind = 'charter_amendment' AND status = 'passed') THEN
        RAISE EXCEPTION 'a charter version needs a passed charter_amendment proposal'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER charter_versions_source_check BEFORE INSERT ON charter_versions
    FOR EACH ROW EXECUTE FUNCTION charter_versions_need_passed_amendment();

-- The electorate, frozen when the proposal opens (the active members then), and who took
-- part: voted_at is the first time they voted. This table never says what they chose.
CREATE TABLE proposal_voters (
    proposal_id  bigint      NOT NULL REFERENCES proposals (id),
    account_id   bigint      NOT NULL REFERENCES accounts (id),
    voted_at     timestamptz,
    PRIMARY KEY (proposal_id, account_id)
);

-- What was chosen. On open ballots ballot_key is 'account:<id>' and account_id is set.
-- On secret ballots ballot_key is an HMAC of the account id under a per-proposal secret
-- that is destroyed at close, and neither account_id nor a time is kept (a time would
-- link the ballot to proposal_voters.voted_at). One row per key: a changed vote replaces.
CREATE TABLE proposal_ballots (
    proposal_id  bigint      NOT NULL REFERENCES proposals (id),
    ballot_key   text        NOT NULL,
    account_id   bigint      REFERENCES accounts (id),
    choice       jsonb       NOT NULL,
    reason       text        NOT NULL DEFAULT '',
    cast_at      timestamptz,
    PRIMARY KEY (proposal_id, ballot_key),
    CONSTRAINT proposal_ballots_secret_shape CHECK ((account_id IS NULL) = (cast_at IS NULL))
);

CREATE TABLE proposal_ballot_secrets (
    proposal_id  bigint PRIMARY KEY REFERENCES proposals (id),
    secret       bytea  NOT NULL
);

-- Ballots change only while their proposal is open.
CREATE FUNCTION proposal_ballots_only_while_open() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    target bigint := CASE WHEN TG_OP = 'DELETE' THEN OLD.proposal_id ELSE NEW.proposal_id END;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM proposals WHERE id = target AND status = 'open') THEN
        RAISE EXCEPTION 'ballots of proposal % can no longer change', target
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END;
$$;
CREATE TRIGGER proposal_ballots_open_only BEFORE INSERT OR UPDATE OR DELETE ON proposal_ballots
    FOR EACH ROW EXECUTE FUNCTION proposal_ballots_only_while_open();

CREATE TABLE proposal_comments (
    id                 bigint PRIMARY KEY,
    proposal_id        bigint      NOT NULL REFERENCES proposals (id),
    author_account_id  bigint      NOT NULL REFERENCES accounts (id),
    body               text        NOT NULL CHECK (body <> ''),
    created_at         timestamptz NOT NULL
);
CREATE INDEX proposal_comments_proposal_idx ON proposal_comments (proposal_id, id);

-- "Voting closes in 24 hours" reminders for members who have not voted yet; read by the
-- notifications work when it exists.
CREATE TABLE governance_reminders (
    proposal_id  bigint      NOT NULL REFERENCES proposals (id),
    account_id   bigint      NOT NULL REFERENCES accounts (id),
    closes_at    timestamptz NOT NULL,
    created_at   timestamptz NOT NULL,
    PRIMARY KEY (proposal_id, account_id)
);
