-- name: get_profile_for_update
-- A local account's editable profile, locked until the edit commits.
-- $1 account id
SELECT a.id, a.display_name, a.note, a.note_source, a.fields, a.fields_source, a.locked, a.bot,
       a.discoverable, a.indexable, a.avatar_path, a.header_path,
       u.id AS user_id, u.default_privacy, u.default_sensitive, u.default_language,
       u.hide_collections, u.default_quote_policy
  FROM accounts a JOIN users u ON u.account_id = a.id
 WHERE a.id = $1 AND a.domain IS NULL
   FOR UPDATE OF a, u;

-- name: update_account_profile
-- $1 id, $2 display_name, $3 note, $4 note_source, $5 fields, $6 fields_source, $7 locked,
-- $8 bot, $9 discoverable, $10 indexable, $11 avatar_path, $12 header_path, $13 now
UPDATE accounts
   SET display_name = $2, note = $3, note_source = $4, fields = $5, fields_source = $6,
       locked = $7, bot = $8, discoverable = $9, indexable = $10, avatar_path = $11,
       header_path = $12, updated_at = $13
 WHERE id = $1;

-- name: update_user_settings
-- $1 user id, $2 default_privacy, $3 default_sensitive, $4 default_language, $5 hide_collections,
-- $6 default_quote_policy
UPDATE users
   SET default_privacy = $2, default_sensitive = $3, default_language = $4, hide_collections = $5,
       default_quote_policy = $6
 WHERE id = $1;

-- name: list_local_accounts_by_username
-- Local accounts a profile text mentions, to link them.
-- $1 lower-cased usernames
SELECT username, url FROM accounts WHERE domain IS NULL AND lower(username) = ANY($1::text[]);
