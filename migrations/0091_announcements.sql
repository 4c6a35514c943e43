-- Announcements (the client API's): the members' proposals, while open and for a week after
-- they close, so that every client shows what is being decided and what was. What each
-- account has dismissed and the emoji it reacted with are kept here.
CREATE TABLE announcement_reads (
    account_id   bigint      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    proposal_id  bigint      NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL,
    PRIMARY KEY (account_id, proposal_id)
);

CREATE TABLE announcement_reactions (
    proposal_id  bigint      NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    account_id   bigint      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name         text        NOT NULL,
    created_at   timestamptz NOT NULL,
    PRIMARY KEY (proposal_id, account_id, name)
);
