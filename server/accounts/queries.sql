-- name: insert_account
-- $1 id, $2 username, $3 domain, $4 display_name, $5 uri, $6 url, $7 inbox_url,
-- $8 shared_inbox_url, $9 outbox_url, $10 followers_url, $11 following_url, $12 featured_url,
-- $13 public_key_pem, $14 public_key_id, $15 private_key_pem, $16 actor_type, $17 now
INSERT INTO accounts (id, username, domain, display_name, uri, url, inbox_url, shared_inbox_url,
                      outbox_url, followers_url, following_url, featured_url, public_key_pem,
                      public_key_id, private_key_pem, actor_type, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17)
RETURNING id;

-- name: insert_user
-- $1 id, $2 account_id, $3 email, $4 password_hash, $5 role, $6 approved, $7 signup_reason, $8 now
INSERT INTO users (id, account_id, email, password_hash, role, approved, signup_reason, created_at,
                   password_changed_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
RETURNING id;

-- name: get_local_user_by_username
-- $1 username (any case)
SELECT u.id, u.account_id, a.username, u.email, u.password_hash, u.role, u.approved, u.disabled,
       a.display_name, u.created_at, u.last_sign_in_at
  FROM users u JOIN accounts a ON a.id = u.account_id
 WHERE lower(a.username) = lower($1) AND a.domain IS NULL;

-- name: get_local_user_by_login
-- Sign-in accepts the username or the email address.
-- $1 username or email
SELECT u.id, u.account_id, a.username, u.email, u.password_hash, u.role, u.approved, u.disabled,
       a.display_name, u.created_at, u.last_sign_in_at
  FROM users u JOIN accounts a ON a.id = u.account_id
 WHERE a.domain IS NULL AND (lower(a.username) = lower($1) OR lower(u.email) = lower($1));

-- name: get_local_user_by_id
-- $1 user id
SELECT u.id, u.account_id, a.username, u.email, u.password_hash, u.role, u.approved, u.disabled,
       a.display_name, u.created_at, u.last_sign_in_at
  FROM users u JOIN accounts a ON a.id = u.account_id
 WHERE u.id = $1;

-- name: username_taken
-- $1 username
SELECT EXISTS (SELECT 1 FROM accounts WHERE lower(username) = lower($1) AND domain IS NULL);

-- name: email_taken
-- $1 email
SELECT EXISTS (SELECT 1 FROM users WHERE lower(email) = lower($1));

-- name: update_password
-- $1 user id, $2 password_hash, $3 now
UPDATE users SET password_hash = $2, password_changed_at = $3 WHERE id = $1;

-- name: update_last_sign_in
-- $1 user id, $2 now
UPDATE users SET last_sign_in_at = $2 WHERE id = $1;

-- name: approve_user
-- $1 user id
UPDATE users SET approved = true WHERE id = $1 AND NOT approved RETURNING id;

-- name: reject_pending_user
-- Rejecting a pending sign-up removes it (its account row goes with it).
-- $1 user id
DELETE FROM accounts WHERE id = (SELECT account_id FROM users WHERE id = $1 AND NOT approved)
RETURNING id;

-- name: list_pending_users
SELECT u.id, u.account_id, a.username, u.email, u.signup_reason, u.created_at
  FROM users u JOIN accounts a ON a.id = u.account_id
 WHERE NOT u.approved
 ORDER BY u.created_at;

-- name: set_user_role
-- $1 user id, $2 role
UPDATE users SET role = $2 WHERE id = $1;

-- name: count_local_users
SELECT count(*) FROM users WHERE approved AND NOT disabled;

-- name: get_account
-- $1 id
SELECT a.id, a.username, a.domain, a.display_name, a.note, a.uri, a.url, a.inbox_url,
       a.shared_inbox_url, a.outbox_url, a.followers_url, a.following_url, a.featured_url,
       a.actor_type, a.public_key_pem, a.public_key_id, a.locked, a.bot, a.discoverable,
       a.indexable, a.avatar_url, a.header_url, a.fields, a.also_known_as, a.moved_to_account_id,
       a.suspended_at, a.fetched_at, a.created_at, a.updated_at
  FROM accounts a WHERE a.id = $1;

-- name: get_accounts
-- $1 ids
SELECT a.id, a.username, a.domain, a.display_name, a.note, a.uri, a.url, a.inbox_url,
       a.shared_inbox_url, a.outbox_url, a.followers_url, a.following_url, a.featured_url,
       a.actor_type, a.public_key_pem, a.public_key_id, a.locked, a.bot, a.discoverable,
       a.indexable, a.avatar_url, a.header_url, a.fields, a.also_known_as, a.moved_to_account_id,
       a.suspended_at, a.fetched_at, a.created_at, a.updated_at
  FROM accounts a WHERE a.id = ANY($1::bigint[]);

-- name: get_account_by_uri
-- $1 uri
SELECT a.id, a.username, a.domain, a.display_name, a.note, a.uri, a.url, a.inbox_url,
       a.shared_inbox_url, a.outbox_url, a.followers_url, a.following_url, a.featured_url,
       a.actor_type, a.public_key_pem, a.public_key_id, a.locked, a.bot, a.discoverable,
       a.indexable, a.avatar_url, a.header_url, a.fields, a.also_known_as, a.moved_to_account_id,
       a.suspended_at, a.fetched_at, a.created_at, a.updated_at
  FROM accounts a WHERE a.uri = $1;

-- name: find_account_by_acct
-- $1 username, $2 domain (NULL for local)
SELECT a.id, a.username, a.domain, a.display_name, a.note, a.uri, a.url, a.inbox_url,
       a.shared_inbox_url, a.outbox_url, a.followers_url, a.following_url, a.featured_url,
       a.actor_type, a.public_key_pem, a.public_key_id, a.locked, a.bot, a.discoverable,
       a.indexable, a.avatar_url, a.header_url, a.fields, a.also_known_as, a.moved_to_account_id,
       a.suspended_at, a.fetched_at, a.created_at, a.updated_at
  FROM accounts a
 WHERE lower(a.username) = lower($1) AND coalesce(lower(a.domain), '') = coalesce(lower($2), '');

-- name: get_private_key
-- A local account's signing key.
-- $1 account id
SELECT private_key_pem, public_key_id FROM accounts WHERE id = $1 AND domain IS NULL;
