-- Governance, part 7: the contributions ledger. The fund's balance is never stored: it is
-- the sum of contributions less the sum of budget allocations, per currency.

-- What a member says they will give. Ending a pledge clears `active`; amounts never change
-- (a new amount is a new pledge).
CREATE TABLE pledges (
    id            bigint PRIMARY KEY,
    account_id    bigint      NOT NULL REFERENCES accounts (id),
    amount_minor  bigint      NOT NULL CHECK (amount_minor > 0),
    currency      text        NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    period        text        NOT NULL CHECK (period IN ('once', 'monthly', 'yearly')),
    active        boolean     NOT NULL DEFAULT true,
    created_at    timestamptz NOT NULL,
    ended_at      timestamptz,
    CONSTRAINT pledges_ended_shape CHECK (active = (ended_at IS NULL))
);
CREATE INDEX pledges_account_idx ON pledges (account_id, id);

-- Money received, as the treasurer recorded it. Rows are never changed: a mistake is put
-- right by a correction row (negative or positive) that names the row it corrects and why.
CREATE TABLE contributions (
    id                     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id             bigint      REFERENCES accounts (id),
    pledge_id              bigint      REFERENCES pledges (id),
    amount_minor           bigint      NOT NULL CHECK (amount_minor <> 0),
    currency               text        NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    note                   text        NOT NULL DEFAULT '',
    corrects_id            bigint      REFERENCES contributions (id),
    recorded_by_account_id bigint      NOT NULL REFERENCES accounts (id),
    recorded_at            timestamptz NOT NULL,
    CONSTRAINT contributions_correction_shape CHECK (
        (corrects_id IS NULL AND amount_minor > 0) OR (corrects_id IS NOT NULL AND note <> ''))
);
CREATE INDEX contributions_currency_idx ON contributions (currency);

CREATE TRIGGER contributions_append_only BEFORE UPDATE OR DELETE ON contributions
    FOR EACH ROW EXECUTE FUNCTION governance_refuse_change();
CREATE TRIGGER contributions_no_truncate BEFORE TRUNCATE ON contributions
    FOR EACH STATEMENT EXECUTE FUNCTION governance_refuse_change();

-- A dot vote on the fund allocates to several options from one poll, so an allocation is
-- now one per (proposal, option); a budget proposal's single allocation has no option.
ALTER TABLE budget_allocations DROP CONSTRAINT budget_allocations_proposal_id_key;
ALTER TABLE budget_allocations ADD COLUMN option text;
CREATE UNIQUE INDEX budget_allocations_proposal_option_key
    ON budget_allocations (proposal_id, coalesce(option, ''));
