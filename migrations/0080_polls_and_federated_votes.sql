-- Polls as the client API and the governance actor use them.

-- A vote received from another server is identified by its Note's id: a redelivery must
-- not count twice.
CREATE UNIQUE INDEX poll_votes_uri_key ON poll_votes (uri) WHERE uri IS NOT NULL;
CREATE INDEX poll_votes_account_idx ON poll_votes (poll_id, account_id);

-- The poll on the governance actor's status for an open proposal: votes on it are votes
-- on the proposal.
ALTER TABLE polls ADD COLUMN proposal_id bigint UNIQUE REFERENCES proposals (id);

-- Every vote on a proposal that came from another server as a Note, counted or not, with
-- the reason when it was not (a non-member, a block without a reason, a closed proposal).
-- Nothing is sent back: the record is for the members and the admins.
CREATE TABLE federated_proposal_votes (
    id            bigint PRIMARY KEY,
    proposal_id   bigint      NOT NULL REFERENCES proposals (id),
    account_id    bigint      NOT NULL REFERENCES accounts (id),
    uri           text        NOT NULL UNIQUE,
    choice        text        NOT NULL,
    counted       boolean     NOT NULL,
    reason        text,
    received_at   timestamptz NOT NULL
);
CREATE INDEX federated_proposal_votes_proposal_idx ON federated_proposal_votes (proposal_id, id);
