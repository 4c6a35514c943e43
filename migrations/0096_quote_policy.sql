-- Who may quote a post (Mastodon 4.5's quote_approval_policy, in its form): the bits of the
-- automatic policy in the high 16 bits, of the manual one in the low 16; in each, 1 an
-- unsupported rule (someone named), 2 the public, 4 the author's followers, 8 those the author
-- follows. Of a post here, what its author chose (public, followers or nobody: 0); of a post
-- from elsewhere, its `interactionPolicy.canQuote` (0 when it has none: its server does not
-- take quote requests). server/statuses/quote_policy.py reads it.
ALTER TABLE statuses ADD COLUMN quote_policy integer NOT NULL DEFAULT 0;

-- A member's default for new posts (Mastodon's `source[quote_policy]`).
ALTER TABLE users ADD COLUMN default_quote_policy text NOT NULL DEFAULT 'public'
    CHECK (default_quote_policy IN ('public', 'followers', 'nobody'));

-- Until now a member's public or unlisted post could be quoted by anyone, at once.
UPDATE statuses SET quote_policy = 2 << 16
 WHERE local AND reblog_of_id IS NULL AND visibility IN ('public', 'unlisted');

-- status_page_rows (migration 0094) with quote_policy after quotes_count (rows are cut by
-- position into Status, whose last field it is).
DROP VIEW status_page_rows;
CREATE VIEW status_page_rows AS
SELECT s.id, s.account_id, s.uri, s.url, s.local, s.in_reply_to_id, s.in_reply_to_account_id,
       s.in_reply_to_uri, s.reblog_of_id, s.conversation_id, s.content, s.text_source,
       s.spoiler_text, s.sensitive, s.visibility, s.language, s.application_id, s.edited_at,
       s.deleted_at, s.created_at, s.updated_at, s.replies_count, s.reblogs_count,
       s.favourites_count, s.quotes_count, s.quote_policy,
       a.username AS a_username, a.domain AS a_domain, a.display_name AS a_display_name,
       a.note AS a_note, a.uri AS a_uri, a.url AS a_url, a.actor_type AS a_actor_type,
       a.locked AS a_locked, a.bot AS a_bot, a.discoverable AS a_discoverable,
       a.indexable AS a_indexable, a.avatar_url AS a_avatar_url, a.header_url AS a_header_url,
       a.avatar_path AS a_avatar_path, a.header_path AS a_header_path,
       a.fields::text AS a_fields, a.moved_to_account_id AS a_moved_to_account_id,
       a.suspended_at AS a_suspended_at, a.created_at AS a_created_at,
       coalesce(a.remote_statuses_count, st.statuses_count, 0) AS a_statuses_count,
       coalesce(a.remote_followers_count, st.followers_count, 0) AS a_followers_count,
       coalesce(a.remote_following_count, st.following_count, 0) AS a_following_count,
       st.last_status_at AS a_last_status_at, u.role AS a_role,
       u.hide_collections AS a_hide_collections,
       app.name AS app_name, app.website AS app_website,
       (SELECT jsonb_agg(jsonb_build_object(
                   'id', m.id, 'status_id', m.status_id, 'type', m.type, 'file_path', m.file_path,
                   'preview_path', m.preview_path, 'remote_url', m.remote_url,
                   'description', m.description, 'blurhash', m.blurhash, 'meta', m.meta,
                   'focus_x', m.focus_x, 'focus_y', m.focus_y) ORDER BY m.position, m.id)
          FROM media_attachments m WHERE m.status_id = s.id) AS media,
       (SELECT jsonb_agg(jsonb_build_object(
                   'status_id', m.status_id, 'account_id', ma.id, 'username', ma.username,
                   'domain', ma.domain, 'uri', ma.uri, 'url', ma.url) ORDER BY ma.id)
          FROM mentions m JOIN accounts ma ON ma.id = m.account_id
         WHERE m.status_id = s.id AND NOT m.silent) AS mentions,
       (SELECT array_agg(t.name ORDER BY t.name) FROM status_tags stt JOIN tags t ON t.id = stt.tag_id
         WHERE stt.status_id = s.id) AS tags,
       EXISTS (SELECT 1 FROM polls p WHERE p.status_id = s.id) AS has_poll,
       EXISTS (SELECT 1 FROM status_quotes q WHERE q.status_id = s.id) AS has_quote
  FROM statuses s
  JOIN accounts a ON a.id = s.account_id
  LEFT JOIN account_stats st ON st.account_id = a.id
  LEFT JOIN users u ON u.account_id = a.id
  LEFT JOIN oauth_applications app ON app.id = s.application_id;
