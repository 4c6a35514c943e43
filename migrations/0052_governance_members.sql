-- Governance, part 3: members, applications, the share ledger and governance roles.

-- A member is an account (local now; accounts of participating pods later).
CREATE TABLE members (
    account_id    bigint PRIMARY KEY REFERENCES accounts (id),
    member_class  text        NOT NULL,
    status        text        NOT NULL CHECK (status IN ('active', 'suspended', 'left')),
    admitted_at   timestamptz NOT NULL,
    status_changed_at timestamptz NOT NULL
);
CREATE INDEX members_status_idx ON members (status, admitted_at);

CREATE TABLE membership_applications (
    id            bigint PRIMARY KEY,
    account_id    bigint      NOT NULL REFERENCES accounts (id),
    member_class  text        NOT NULL,
    statement     text        NOT NULL,
    status        text        NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'approved', 'rejected')),
    proposal_id   bigint,
    created_at    timestamptz NOT NULL,
    decided_at    timestamptz,
    decided_by_account_id bigint REFERENCES accounts (id)
);
-- One open application per account at a time.
CREATE UNIQUE INDEX membership_applications_pending_key ON membership_applications (account_id)
    WHERE status = 'pending';

-- One membership share per member: issued on admission, redeemed on leaving. A holding is
-- the sum of the rows; rows are never changed.
CREATE TABLE share_ledger (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id   bigint      NOT NULL REFERENCES accounts (id),
    movement     text        NOT NULL CHECK (movement IN ('issue', 'redeem')),
    shares       integer     NOT NULL CHECK (shares > 0),
    reason       text        NOT NULL,
    recorded_at  timestamptz NOT NULL
);
CREATE INDEX share_ledger_account_idx ON share_ledger (account_id, id);

CREATE TRIGGER share_ledger_append_only BEFORE UPDATE OR DELETE ON share_ledger
    FOR EACH ROW EXECUTE FUNCTION governance_refuse_change();
CREATE TRIGGER share_ledger_no_truncate BEFORE TRUNCATE ON share_ledger
    FOR EACH STATEMENT EXECUTE FUNCTION governance_refuse_change();

-- Governance roles other than the instance roles kept in users.role (admin, moderator):
-- treasurer, the membership team, ... Current holders only; the decision log keeps history.
CREATE TABLE governance_roles (
    account_id   bigint      NOT NULL REFERENCES accounts (id),
    role         text        NOT NULL,
    granted_at   timestamptz NOT NULL,
    proposal_id  bigint,
    PRIMARY KEY (account_id, role)
);
CREATE INDEX governance_roles_role_idx ON governance_roles (role);
