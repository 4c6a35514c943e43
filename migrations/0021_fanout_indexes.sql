-- Indexes for the fan-out of a new status to home feeds (timeline queries fanout_statuses).

-- The accounts a status's author must not reach are found once per status, from the
-- muted side (blocks already have blocks_target_idx), instead of probing each candidate
-- feed owner's mutes.
CREATE INDEX mutes_target_idx ON mutes (target_account_id);

-- Whether a follower is local is read from the index alone: one probe of a small index per
-- follower instead of a probe of accounts and a read of its row.
CREATE INDEX accounts_local_idx ON accounts (id) WHERE domain IS NULL;

-- The followers who rang an author's bell are few; without this each post read all of the
-- author's follows to find them.
CREATE INDEX follows_notify_idx ON follows (target_account_id) WHERE notify;
