-- name: insert_application
-- $1 id, $2 name, $3 website, $4 redirect_uris, $5 scopes, $6 client_id, $7 client_secret_hash, $8 now
INSERT INTO oauth_applications (id, name, website, redirect_uris, scopes, client_id,
                                client_secret_hash, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
RETURNING id, name, website, redirect_uris, scopes, client_id, client_secret_hash, created_at;

-- name: get_application_by_client_id
-- $1 client_id
SELECT id, name, website, redirect_uris, scopes, client_id, client_secret_hash, created_at
  FROM oauth_applications WHERE client_id = $1;

-- name: get_application
-- $1 id
SELECT id, name, website, redirect_uris, scopes, client_id, client_secret_hash, created_at
  FROM oauth_applications WHERE id = $1;

-- name: insert_authorization_code
-- $1 code_hash, $2 application_id, $3 user_id, $4 redirect_uri, $5 scopes, $6 code_challenge,
-- $7 code_challenge_method, $8 now, $9 expires_at
INSERT INTO oauth_authorization_codes (code_hash, application_id, user_id, redirect_uri, scopes,
                                       code_challenge, code_challenge_method, created_at, expires_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9);

-- name: claim_authorization_code
-- Mark a code used and return it; a code that was used before comes back with was_used true
-- (so the token it produced can be revoked), an unknown code returns no row.
-- $1 code_hash, $2 now
WITH previous AS (
    SELECT code_hash, used_at FROM oauth_authorization_codes WHERE code_hash = $1 FOR UPDATE
)
UPDATE oauth_authorization_codes c
   SET used_at = coalesce(c.used_at, $2)
  FROM previous p
 WHERE c.code_hash = p.code_hash
RETURNING c.application_id, c.user_id, c.redirect_uri, c.scopes, c.code_challenge,
          c.code_challenge_method, c.expires_at, p.used_at IS NOT NULL AS was_used,
          c.access_token_id;

-- name: set_code_token
-- $1 code_hash, $2 access_token_id
UPDATE oauth_authorization_codes SET access_token_id = $2 WHERE code_hash = $1;

-- name: delete_expired_codes
-- $1 cutoff
DELETE FROM oauth_authorization_codes WHERE expires_at < $1;

-- name: insert_access_token
-- $1 id, $2 token_hash, $3 application_id, $4 user_id, $5 scopes, $6 now
INSERT INTO oauth_access_tokens (id, token_hash, application_id, user_id, scopes, created_at)
VALUES ($1, $2, $3, $4, $5, $6);

-- name: get_token_context
-- A live token with what the API needs to know about its application and user.
-- $1 token_hash
SELECT t.id AS token_id, t.scopes, t.created_at, t.user_id,
       a.id AS application_id, a.name AS application_name, a.website AS application_website,
       a.redirect_uris, a.scopes AS application_scopes,
       u.account_id, u.role, u.approved, u.disabled, u.last_sign_in_at
  FROM oauth_access_tokens t
  JOIN oauth_applications a ON a.id = t.application_id
  LEFT JOIN users u ON u.id = t.user_id
 WHERE t.token_hash = $1 AND t.revoked_at IS NULL;

-- name: get_token_owner
-- Which application a token (live or not) was issued to.
-- $1 token_hash
SELECT id, application_id FROM oauth_access_tokens WHERE token_hash = $1;

-- name: revoke_token
-- $1 token id, $2 now
UPDATE oauth_access_tokens SET revoked_at = coalesce(revoked_at, $2) WHERE id = $1;

-- name: has_matching_token
-- Whether the user already granted this application exactly these scopes (consent is not
-- asked twice).
-- $1 user_id, $2 application_id, $3 scopes
SELECT EXISTS (SELECT 1 FROM oauth_access_tokens
                WHERE user_id = $1 AND application_id = $2 AND revoked_at IS NULL
                  AND scopes @> $3::text[] AND scopes <@ $3::text[]);

-- name: touch_user_activity
-- Remember that the user was active this week and now.
-- $1 user_id, $2 week, $3 now
WITH week AS (
    INSERT INTO user_activity_weeks (week, user_id) VALUES ($2, $1) ON CONFLICT DO NOTHING
)
UPDATE users SET last_sign_in_at = $3 WHERE id = $1;
