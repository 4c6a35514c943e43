-- name: insert_remote_media
-- An attachment of a remote post, kept as its remote URL.
-- $1 ids, $2 account_id, $3 status_id, $4 types, $5 remote_urls, $6 content_types,
-- $7 descriptions, $8 blurhashes, $9 metas, $10 focus_xs, $11 focus_ys, $12 now
INSERT INTO media_attachments (id, account_id, status_id, type, remote_url, content_type,
                               description, blurhash, meta, focus_x, focus_y, position,
                               created_at)
SELECT m.id, $2, $3, m.type, m.remote_url, m.content_type, m.description, m.blurhash, m.meta,
       m.focus_x, m.focus_y, m.position - 1, $12
  FROM unnest($1::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
              $9::jsonb[], $10::real[], $11::real[])
       WITH ORDINALITY AS m (id, type, remote_url, content_type, description, blurhash, meta,
                             focus_x, focus_y, position);

-- name: list_status_media
-- A post's attachments in order (as kept in an edit's history).
-- $1 status_id
SELECT id, type, remote_url, content_type, description, blurhash, meta, focus_x, focus_y
  FROM media_attachments
 WHERE status_id = $1
 ORDER BY position, id;

-- name: detach_status_media
-- An edit replaced the attachments: the old rows stay (history) but leave the post.
-- $1 status_id
UPDATE media_attachments SET status_id = NULL WHERE status_id = $1;

-- name: upsert_remote_poll
-- A remote poll with the counts its server reports; an Update refreshes them.
-- $1 id, $2 status_id, $3 account_id, $4 options, $5 multiple, $6 expires_at, $7 closed_at,
-- $8 remote_counts, $9 remote_voters, $10 now
INSERT INTO polls (id, status_id, account_id, options, multiple, expires_at, closed_at,
                   remote_counts, remote_voters, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
ON CONFLICT (status_id) DO UPDATE
   SET options = EXCLUDED.options, multiple = EXCLUDED.multiple,
       expires_at = EXCLUDED.expires_at, closed_at = EXCLUDED.closed_at,
       remote_counts = EXCLUDED.remote_counts, remote_voters = EXCLUDED.remote_voters,
       updated_at = EXCLUDED.updated_at
RETURNING id;

-- name: get_poll_of_status
-- $1 status_id
SELECT id, options, multiple, expires_at, closed_at, remote_counts, remote_voters
  FROM polls
 WHERE status_id = $1;

-- name: insert_status_emojis
-- $1 status_id, $2 shortcodes, $3 urls
INSERT INTO status_emojis (status_id, shortcode, url)
SELECT $1, e.shortcode, e.url FROM unnest($2::text[], $3::text[]) AS e (shortcode, url)
ON CONFLICT (status_id, shortcode) DO UPDATE SET url = EXCLUDED.url;

-- name: delete_status_emojis
-- $1 status_id
DELETE FROM status_emojis WHERE status_id = $1;

-- name: list_status_emojis
-- Custom emoji of some posts, for the client API.
-- $1 status_ids
SELECT status_id, shortcode, url
  FROM status_emojis
 WHERE status_id = ANY($1::bigint[])
 ORDER BY status_id, shortcode;

-- name: link_replies
-- Replies stored before their parent was known now point at it.
-- $1 parent_id, $2 parent_account_id, $3 parent_uri
UPDATE statuses
   SET in_reply_to_id = $1, in_reply_to_account_id = $2
 WHERE in_reply_to_uri = $3 AND in_reply_to_id IS NULL
RETURNING id;

-- name: update_remote_status
-- The new version of a remote post (an Update).
-- $1 id, $2 content, $3 spoiler_text, $4 sensitive, $5 language, $6 edited_at
UPDATE statuses
   SET content = $2, spoiler_text = $3, sensitive = $4, language = coalesce($5, language),
       edited_at = $6, updated_at = $6
 WHERE id = $1;

-- name: insert_remote_status
-- A remote post, returned as stored (get_status's columns), or no row when its URI is known
-- already. Replies stored before it (fetched as someone's parent) are linked to it in the
-- same statement.
-- $1 id, $2 account_id, $3 uri, $4 url, $5 in_reply_to_id, $6 in_reply_to_account_id,
-- $7 in_reply_to_uri, $8 reblog_of_id, $9 conversation_id, $10 content, $11 spoiler_text,
-- $12 sensitive, $13 visibility, $14 language, $15 created_at, $16 now, $17 quote_policy
WITH ins AS (
    INSERT INTO statuses (id, account_id, uri, url, local, in_reply_to_id, in_reply_to_account_id,
                          in_reply_to_uri, reblog_of_id, conversation_id, content, spoiler_text,
                          sensitive, visibility, language, created_at, updated_at, quote_policy)
    VALUES ($1, $2, $3, $4, false, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
    ON CONFLICT (uri) DO NOTHING
    RETURNING id, account_id, uri, url, local, in_reply_to_id, in_reply_to_account_id,
              in_reply_to_uri, reblog_of_id, conversation_id, content, text_source, spoiler_text,
              sensitive, visibility, language, application_id, edited_at, deleted_at, created_at,
              updated_at, replies_count, reblogs_count, favourites_count, quotes_count, quote_policy
),
linked AS (
    UPDATE statuses r
       SET in_reply_to_id = ins.id, in_reply_to_account_id = ins.account_id
      FROM ins
     WHERE r.in_reply_to_uri = ins.uri AND r.in_reply_to_id IS NULL
)
SELECT id, account_id, uri, url, local, in_reply_to_id, in_reply_to_account_id, in_reply_to_uri,
       reblog_of_id, conversation_id, content, text_source, spoiler_text, sensitive, visibility,
       language, application_id, edited_at, deleted_at, created_at, updated_at, replies_count,
       reblogs_count, favourites_count, quotes_count, quote_policy
  FROM ins;
