-- What a page of statuses reads for each status, and which entries a home timeline shows:
-- each defined once here for the queries that need them (any page of statuses, the home
-- page in one round trip, the home timeline's ids). The planner inlines both, so a query
-- over them is planned as if written out.

-- One row per status: the status (get_statuses' columns), its author as list_account_views
-- shows accounts (columns prefixed a_, fields as text for the caller's JSON parser), what it
-- embeds (media as list_media_for_statuses shapes them, mentions as list_mentions, tag
-- names), whether a poll is attached, and the application it was posted with. Callers add
-- the viewer's flags (status_viewer_flags). Rows are read by position: columns are only
-- ever added at the end.
CREATE VIEW status_page_rows AS
SELECT s.id, s.account_id, s.uri, s.url, s.local, s.in_reply_to_id, s.in_reply_to_account_id,
       s.in_reply_to_uri, s.reblog_of_id, s.conversation_id, s.content, s.text_source,
       s.spoiler_text, s.sensitive, s.visibility, s.language, s.application_id, s.edited_at,
       s.deleted_at, s.created_at, s.updated_at, s.replies_count, s.reblogs_count,
       s.favourites_count,
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
       EXISTS (SELECT 1 FROM polls p WHERE p.status_id = s.id) AS has_poll
  FROM statuses s
  JOIN accounts a ON a.id = s.account_id
  LEFT JOIN account_stats st ON st.account_id = a.id
  LEFT JOIN users u ON u.account_id = a.id
  LEFT JOIN oauth_applications app ON app.id = s.application_id;

-- The entries of an account's home timeline below max_id and above since_id (either may be
-- NULL), unordered: live statuses of its feed whose authors it has not muted at `at` (mutes
-- made after fan-out still apply). Callers order and cut.
CREATE FUNCTION home_entries(account bigint, max_id bigint, since_id bigint, at timestamptz)
RETURNS TABLE (status_id bigint)
LANGUAGE sql STABLE AS $$
  SELECT h.status_id FROM home_feed h
    JOIN statuses s ON s.id = h.status_id
   WHERE h.account_id = $1
     AND ($2 IS NULL OR h.status_id < $2)
     AND ($3 IS NULL OR h.status_id > $3)
     AND s.deleted_at IS NULL
     AND NOT EXISTS (SELECT 1 FROM mutes mu WHERE mu.account_id = $1
                        AND mu.target_account_id = h.author_id
                        AND (mu.expires_at IS NULL OR mu.expires_at > $4))
$$;
