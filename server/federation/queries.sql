-- name: get_delivery_host
-- $1 host
SELECT host, consecutive_failures, first_failure_at, last_failure_at, last_error,
       unavailable_since, last_success_at
  FROM delivery_hosts WHERE host = $1;

-- name: get_delivery_contexts
-- What deliveries need before they POST, for those that start together (a claimed batch), in
-- one round trip: per (sender, host) pair, numbered from 1 in the order of the arrays, the
-- local sender's key (NULLs when the account is gone) and the host's health (NULLs when never
-- seen).
-- Sender 0 is the instance actor (no account has that id), whose key id is $3.
-- $1 sender account ids, $2 hosts (by position), $3 the instance actor's key id
SELECT u.n, coalesce(a.private_key_pem, ia.private_key_pem) AS private_key_pem,
       CASE WHEN ia.singleton THEN $3::text ELSE a.public_key_id END AS public_key_id,
       h.host, h.consecutive_failures, h.first_failure_at, h.last_failure_at, h.last_error,
       h.unavailable_since, h.last_success_at
  FROM unnest($1::bigint[], $2::text[]) WITH ORDINALITY AS u(account_id, host, n)
  LEFT JOIN accounts a ON a.id = u.account_id AND a.domain IS NULL
  LEFT JOIN instance_actor ia ON u.account_id = 0 AND ia.singleton
  LEFT JOIN delivery_hosts h ON h.host = u.host;

-- name: record_delivery_successes
-- Hosts that took deliveries: their failures are forgotten. A healthy host whose success is
-- less than a minute old is left alone (no new row version for every delivery).
-- $1 hosts (distinct), $2 now
INSERT INTO delivery_hosts (host, last_success_at) SELECT h, $2 FROM unnest($1::text[]) AS u(h)
ON CONFLICT (host) DO UPDATE SET consecutive_failures = 0, first_failure_at = NULL,
    last_error = NULL, unavailable_since = NULL, last_success_at = EXCLUDED.last_success_at
WHERE delivery_hosts.consecutive_failures > 0 OR delivery_hosts.last_success_at IS NULL
   OR delivery_hosts.last_success_at < EXCLUDED.last_success_at - interval '1 minute';

-- name: record_delivery_failure
-- A host becomes unavailable after $4 consecutive failures spread over at least $5.
-- $1 host, $2 now, $3 error, $4 failures threshold, $5 minimum span
INSERT INTO delivery_hosts (host, consecutive_failures, first_failure_at, last_failure_at, last_error)
VALUES ($1, 1, $2, $2, $3)
ON CONFLICT (host) DO UPDATE SET
    consecutive_failures = delivery_hosts.consecutive_failures + 1,
    first_failure_at = coalesce(delivery_hosts.first_failure_at, EXCLUDED.first_failure_at),
    last_failure_at = EXCLUDED.last_failure_at,
    last_error = EXCLUDED.last_error,
    unavailable_since = CASE
        WHEN delivery_hosts.unavailable_since IS NOT NULL THEN delivery_hosts.unavailable_since
        WHEN delivery_hosts.consecutive_failures + 1 >= $4
         AND EXCLUDED.last_failure_at - coalesce(delivery_hosts.first_failure_at, EXCLUDED.first_failure_at) >= $5::interval
        THEN EXCLUDED.last_failure_at END
RETURNING host, consecutive_failures, first_failure_at, last_failure_at, last_error,
          unavailable_since, last_success_at;

-- name: list_unavailable_hosts
SELECT host, unavailable_since, consecutive_failures, last_error
  FROM delivery_hosts WHERE unavailable_since IS NOT NULL ORDER BY host;
-- name: get_instance_actor
SELECT public_key_pem, private_key_pem, created_at FROM instance_actor WHERE singleton;

-- name: insert_instance_actor
-- First use wins; a concurrent second insert keeps the first key pair.
-- $1 public_key_pem, $2 private_key_pem, $3 now
INSERT INTO instance_actor (singleton, public_key_pem, private_key_pem, created_at)
VALUES (true, $1, $2, $3)
ON CONFLICT (singleton) DO NOTHING;

-- name: get_key_owner
-- The account that published a key id, local or remote.
-- $1 public_key_id
SELECT id, uri, domain, public_key_id, public_key_pem, fetched_at, suspended_at
  FROM accounts WHERE public_key_id = $1
 ORDER BY fetched_at DESC NULLS LAST
 LIMIT 1;

-- name: get_actor_ref
-- $1 uri
SELECT id, uri, domain, public_key_id, public_key_pem, fetched_at, suspended_at
  FROM accounts WHERE uri = $1;

-- name: get_remote_account_id_by_acct
-- $1 username, $2 domain
SELECT id FROM accounts
 WHERE lower(username) = lower($1) AND lower(domain) = lower($2) AND domain IS NOT NULL;

-- name: insert_remote_account
-- $1 id, $2 username, $3 domain, $4 display_name, $5 note, $6 uri, $7 url, $8 inbox_url,
-- $9 shared_inbox_url, $10 outbox_url, $11 followers_url, $12 following_url, $13 featured_url,
-- $14 actor_type, $15 public_key_pem, $16 public_key_id, $17 locked, $18 bot, $19 discoverable,
-- $20 indexable, $21 avatar_url, $22 header_url, $23 fields, $24 also_known_as,
-- $25 moved_to_uri, $26 moved_to_account_id, $27 now (created, updated, fetched)
INSERT INTO accounts (id, username, domain, display_name, note, uri, url, inbox_url,
                      shared_inbox_url, outbox_url, followers_url, following_url, featured_url,
                      actor_type, public_key_pem, public_key_id, locked, bot, discoverable,
                      indexable, avatar_url, header_url, fields, also_known_as, moved_to_uri,
                      moved_to_account_id, fetched_at, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19,
        $20, $21, $22, $23, $24, $25, $26, $27, $27, $27)
ON CONFLICT (uri) DO UPDATE SET
    username = EXCLUDED.username, display_name = EXCLUDED.display_name, note = EXCLUDED.note,
    url = EXCLUDED.url, inbox_url = EXCLUDED.inbox_url,
    shared_inbox_url = EXCLUDED.shared_inbox_url, outbox_url = EXCLUDED.outbox_url,
    followers_url = EXCLUDED.followers_url, following_url = EXCLUDED.following_url,
    featured_url = EXCLUDED.featured_url, actor_type = EXCLUDED.actor_type,
    public_key_pem = EXCLUDED.public_key_pem, public_key_id = EXCLUDED.public_key_id,
    locked = EXCLUDED.locked, bot = EXCLUDED.bot, discoverable = EXCLUDED.discoverable,
    indexable = EXCLUDED.indexable, avatar_url = EXCLUDED.avatar_url,
    header_url = EXCLUDED.header_url, fields = EXCLUDED.fields,
    also_known_as = EXCLUDED.also_known_as, moved_to_uri = EXCLUDED.moved_to_uri,
    moved_to_account_id = EXCLUDED.moved_to_account_id,
    fetched_at = EXCLUDED.fetched_at, updated_at = EXCLUDED.updated_at
 WHERE accounts.domain IS NOT NULL
RETURNING id;

-- name: update_remote_account
-- The same actor under a new id on the same host (Mastodon finds a re-created account by
-- username and domain too).
-- $1 id, $2 username, $3 display_name, $4 note, $5 uri, $6 url, $7 inbox_url,
-- $8 shared_inbox_url, $9 outbox_url, $10 followers_url, $11 following_url, $12 featured_url,
-- $13 actor_type, $14 public_key_pem, $15 public_key_id, $16 locked, $17 bot, $18 discoverable,
-- $19 indexable, $20 avatar_url, $21 header_url, $22 fields, $23 also_known_as,
-- $24 moved_to_uri, $25 moved_to_account_id, $26 now
UPDATE accounts SET
    username = $2, display_name = $3, note = $4, uri = $5, url = $6, inbox_url = $7,
    shared_inbox_url = $8, outbox_url = $9, followers_url = $10, following_url = $11,
    featured_url = $12, actor_type = $13, public_key_pem = $14, public_key_id = $15,
    locked = $16, bot = $17, discoverable = $18, indexable = $19, avatar_url = $20,
    header_url = $21, fields = $22, also_known_as = $23, moved_to_uri = $24,
    moved_to_account_id = $25, fetched_at = $26, updated_at = $26
 WHERE id = $1 AND domain IS NOT NULL
RETURNING id;

-- name: update_remote_counts
-- What the remote server says about its own actor; NULL keeps the previous figure.
-- $1 id, $2 followers, $3 following, $4 statuses
UPDATE accounts SET remote_followers_count = coalesce($2, remote_followers_count),
                    remote_following_count = coalesce($3, remote_following_count),
                    remote_statuses_count = coalesce($4, remote_statuses_count)
 WHERE id = $1 AND domain IS NOT NULL;

-- name: get_remote_counts
-- $1 id
SELECT remote_followers_count, remote_following_count, remote_statuses_count
  FROM accounts WHERE id = $1;

-- name: suspend_remote_account
-- A remote actor deleted by its own server; returns the id only the first time.
-- $1 id, $2 now
UPDATE accounts SET suspended_at = $2, updated_at = $2
 WHERE id = $1 AND domain IS NOT NULL AND suspended_at IS NULL
RETURNING id;

-- name: list_live_status_ids_by_account
-- A batch of an account's statuses that are not deleted yet.
-- $1 account_id, $2 limit
SELECT id FROM statuses
 WHERE account_id = $1 AND deleted_at IS NULL
 ORDER BY id
 LIMIT $2;

-- name: delete_follows_of_account
-- Both directions; the follows trigger keeps the counters right.
-- $1 account_id
DELETE FROM follows WHERE account_id = $1 OR target_account_id = $1;

-- name: delete_follow_requests_of_account
-- $1 account_id
DELETE FROM follow_requests WHERE account_id = $1 OR target_account_id = $1;

-- name: insert_report
-- $1 id, $2 uri, $3 reporter_account_id, $4 target_account_ids, $5 status_uris, $6 comment,
-- $7 origin_domain, $8 received_at
INSERT INTO reports (id, uri, reporter_account_id, target_account_ids, status_uris, comment,
                     origin_domain, received_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (uri) WHERE uri IS NOT NULL DO NOTHING
RETURNING id;

-- name: list_reports
-- Newest first.
-- $1 limit
SELECT id, uri, reporter_account_id, target_account_ids, status_uris, comment, origin_domain,
       received_at
  FROM reports ORDER BY received_at DESC, id DESC LIMIT $1;

-- name: list_domain_policies_for
-- The policies in force (adopted by the members, see governance/rules) for a host: its own
-- and its parent domains'.
-- $1 domains (the host and each parent)
SELECT domain, policy AS severity, reason FROM domain_policies
 WHERE active AND lower(domain) = ANY($1::text[]);

-- name: get_local_actor
-- A local account as its actor document needs it; unapproved sign-ups are not actors yet.
-- $1 username (any case)
SELECT a.id, a.username, a.display_name, a.note, a.uri, a.url, a.actor_type, a.public_key_pem,
       a.public_key_id, a.locked, a.bot, a.discoverable, a.indexable, a.avatar_url,
       a.header_url, a.fields, a.also_known_as, a.suspended_at, a.created_at,
       m.uri AS moved_to_uri,
       coalesce(s.statuses_count, 0) AS statuses_count,
       coalesce(s.followers_count, 0) AS followers_count,
       coalesce(s.following_count, 0) AS following_count
  FROM accounts a
  JOIN users u ON u.account_id = a.id
  LEFT JOIN accounts m ON m.id = a.moved_to_account_id
  LEFT JOIN account_stats s ON s.account_id = a.id
 WHERE lower(a.username) = lower($1) AND a.domain IS NULL AND u.approved;

-- name: count_active_local_users
-- Members who signed in or posted since $1.
-- $1 since
SELECT count(*) FROM users u
  LEFT JOIN account_stats s ON s.account_id = u.account_id
 WHERE u.approved AND NOT u.disabled
   AND (u.last_sign_in_at >= $1 OR s.last_status_at >= $1);

-- name: count_local_posts
SELECT coalesce(sum(s.statuses_count), 0)::bigint
  FROM account_stats s JOIN accounts a ON a.id = s.account_id
 WHERE a.domain IS NULL;

-- name: insert_delivery_payload
-- Store a fan-out's body once; in the same statement, drop a few payloads older than the
-- cutoff (SKIP LOCKED: two posters never wait on each other for that).
-- $1 body, $2 now, $3 cutoff, $4 how many old ones at most
WITH purged AS (
    DELETE FROM delivery_payloads
     WHERE id IN (SELECT id FROM delivery_payloads WHERE created_at < $3
                   ORDER BY created_at LIMIT $4 FOR UPDATE SKIP LOCKED))
INSERT INTO delivery_payloads (body, created_at) VALUES ($1, $2)
RETURNING id;

-- name: get_delivery_payload
-- $1 id
SELECT body FROM delivery_payloads WHERE id = $1;
