-- name: get_coop_account_id
-- The governance actor: the local account called coop that has no user.
SELECT a.id FROM accounts a
 WHERE lower(a.username) = 'coop' AND a.domain IS NULL
   AND NOT EXISTS (SELECT 1 FROM users u WHERE u.account_id = a.id);

-- name: insert_coop_account
-- $1 id, $2 display_name, $3 note, $4 uri, $5 url, $6 inbox_url, $7 shared_inbox_url,
-- $8 outbox_url, $9 followers_url, $10 public_key_pem, $11 public_key_id, $12 private_key_pem,
-- $13 now
INSERT INTO accounts (id, username, domain, display_name, note, uri, url, inbox_url,
                      shared_inbox_url, outbox_url, followers_url, public_key_pem, public_key_id,
                      private_key_pem, actor_type, bot, discoverable, created_at, updated_at)
VALUES ($1, 'coop', NULL, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'Group', false, true,
        $13, $13)
ON CONFLICT DO NOTHING;

-- name: get_coop_actor
-- What the Group's actor document needs.
-- $1 account id
SELECT a.id, a.username, a.display_name, a.note, a.uri, a.url, a.public_key_pem,
       a.public_key_id, a.created_at,
       (SELECT count(*) FROM follows f WHERE f.target_account_id = a.id) AS followers_count
  FROM accounts a WHERE a.id = $1;

-- name: list_follower_inboxes
-- Remote followers of an account, one inbox per server where it has a shared one.
-- $1 account id
SELECT DISTINCT coalesce(a.shared_inbox_url, a.inbox_url) AS inbox
  FROM follows f JOIN accounts a ON a.id = f.account_id
 WHERE f.target_account_id = $1 AND a.domain IS NOT NULL AND a.suspended_at IS NULL
   AND coalesce(a.shared_inbox_url, a.inbox_url) IS NOT NULL;

-- name: list_remote_members
-- Active members whose accounts live on other servers.
SELECT a.id, a.uri, a.username, a.domain, coalesce(a.shared_inbox_url, a.inbox_url) AS inbox
  FROM members m JOIN accounts a ON a.id = m.account_id
 WHERE m.status = 'active' AND a.domain IS NOT NULL AND a.suspended_at IS NULL
 ORDER BY a.id;

-- name: insert_federated_vote
-- Nothing when this Note was received before (redelivery).
-- $1 id, $2 proposal_id, $3 account_id, $4 uri, $5 choice, $6 counted, $7 reason, $8 now
INSERT INTO federated_proposal_votes (id, proposal_id, account_id, uri, choice, counted, reason,
                                      received_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (uri) DO NOTHING
RETURNING id;

-- name: federated_vote_seen
-- $1 uri
SELECT EXISTS (SELECT 1 FROM federated_proposal_votes WHERE uri = $1);

-- name: list_federated_votes
-- $1 proposal id
SELECT id, proposal_id, account_id, uri, choice, counted, reason, received_at
  FROM federated_proposal_votes WHERE proposal_id = $1 ORDER BY id;
