-- What the client API's Status entity says of quotes (Mastodon 4.5): `quotes_count`, the
-- accepted quotes of a post, on every status; `quote`, what a post quotes, for posts that do.

-- A counter on the quoted post, as its other counters are: pages read it with the row,
-- and a change to it makes a new version of the row, which processes holding the row see.
ALTER TABLE statuses ADD COLUMN quotes_count integer NOT NULL DEFAULT 0;

UPDATE statuses s SET quotes_count = c.n
  FROM (SELECT quoted_status_id, count(*) AS n FROM status_quotes
         WHERE state = 'accepted' AND quoted_status_id IS NOT NULL
         GROUP BY quoted_status_id) c
 WHERE s.id = c.quoted_status_id;

-- Statement-level: the accepted quotes a statement added and took away, per quoted post
-- (a quote accepted, revoked, deleted, or its quoted post forgotten). Each branch reads only
-- the transition tables its event has.
CREATE FUNCTION count_quotes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE statuses s SET quotes_count = s.quotes_count + d.n
          FROM (SELECT quoted_status_id AS id, count(*) AS n FROM new_rows
                 WHERE state = 'accepted' GROUP BY quoted_status_id) d
         WHERE s.id = d.id;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE statuses s SET quotes_count = greatest(s.quotes_count - d.n, 0)
          FROM (SELECT quoted_status_id AS id, count(*) AS n FROM old_rows
                 WHERE state = 'accepted' GROUP BY quoted_status_id) d
         WHERE s.id = d.id;
    ELSE
        UPDATE statuses s SET quotes_count = greatest(s.quotes_count + d.n, 0)
          FROM (SELECT id, sum(n) AS n FROM (
                    SELECT quoted_status_id AS id, 1 AS n FROM new_rows WHERE state = 'accepted'
                    UNION ALL
                    SELECT quoted_status_id, -1 FROM old_rows WHERE state = 'accepted') c
                 GROUP BY id HAVING sum(n) <> 0) d
         WHERE s.id = d.id;
    END IF;
    RETURN NULL;
END $$;

-- The counter's triggers, and (as for the other embeds, migration 0093) whether a post quotes
-- kept with the quoting post's row version: each on INSERT, UPDATE and DELETE.
DO $$
DECLARE
    kind text[];
BEGIN
    FOREACH kind SLICE 1 IN ARRAY ARRAY[['count', 'count_quotes'],
                                        ['version_status', 'touch_statuses_of_rows']] LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON status_quotes '
                       'REFERENCING NEW TABLE AS new_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION %I()',
                       'status_quotes_' || kind[1] || '_ins', kind[2]);
        EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON status_quotes '
                       'REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION %I()',
                       'status_quotes_' || kind[1] || '_upd', kind[2]);
        EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON status_quotes '
                       'REFERENCING OLD TABLE AS old_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION %I()',
                       'status_quotes_' || kind[1] || '_del', kind[2]);
    END LOOP;
END $$;

-- status_page_rows (migration 0041) with quotes_count among the status's columns (rows are
-- cut by position into Status, whose last field it is) and has_quote at the end.
DROP VIEW status_page_rows;
CREATE VIEW status_page_rows AS
SELECT s.id, s.account_id, s.uri, s.url, s.local, s.in_reply_to_id, s.in_reply_to_account_id,
       s.in_reply_to_uri, s.reblog_of_id, s.conversation_id, s.content, s.text_source,
       s.spoiler_text, s.sensitive, s.visibility, s.language, s.application_id, s.edited_at,
       s.deleted_at, s.created_at, s.updated_at, s.replies_count, s.reblogs_count,
       s.favourites_count, s.quotes_count,
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
