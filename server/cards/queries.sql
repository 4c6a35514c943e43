-- name: get_status_for_card
-- What choosing a status's link needs: its HTML, whether it is a boost or gone, whether it
-- carries media (then no card), the profile links of the accounts it mentions (never the
-- link chosen), and the link it has now.
-- $1 status id
SELECT s.id, s.local, s.content, s.reblog_of_id, s.deleted_at,
       EXISTS (SELECT 1 FROM media_attachments m WHERE m.status_id = s.id) AS has_media,
       coalesce((SELECT array_agg(u) FROM mentions mn JOIN accounts a ON a.id = mn.account_id,
                        LATERAL unnest(ARRAY[a.url, a.uri]) AS u
                  WHERE mn.status_id = s.id AND u IS NOT NULL), '{}') AS mention_urls,
       l.url AS linked_url, l.preview_card_id AS linked_card_id
  FROM statuses s
  LEFT JOIN preview_cards_statuses l ON l.status_id = s.id
 WHERE s.id = $1;

-- name: get_card_by_url
-- The card stored under this URL, else the one a status linking this same URL got (a short
-- link or a redirect leads to a card stored under where it led: not fetched again for it).
-- $1 url
(SELECT id, url, updated_at, image_path, image_remote_url FROM preview_cards WHERE url = $1)
UNION ALL
(SELECT c.id, c.url, c.updated_at, c.image_path, c.image_remote_url
   FROM preview_cards_statuses l JOIN preview_cards c ON c.id = l.preview_card_id
  WHERE l.url = $1 LIMIT 1)
LIMIT 1;

-- name: upsert_card
-- A card fetched now: new, or the fresh version of the one stored for this URL (its id,
-- and so every status's link to it, stays). The previous thumbnail path is returned so the
-- caller can remove the file once this commits.
-- $1 new id, $2 url, $3 type, $4 title, $5 description, $6 author_name, $7 author_url,
-- $8 provider_name, $9 provider_url, $10 html, $11 width, $12 height, $13 embed_url,
-- $14 image_remote_url, $15 image_path, $16 image_description, $17 blurhash, $18 language,
-- $19 published_at, $20 now
WITH previous AS (SELECT id, image_path FROM preview_cards WHERE url = $2)
INSERT INTO preview_cards AS c
       (id, url, type, title, description, author_name, author_url, provider_name,
        provider_url, html, width, height, embed_url, image_remote_url, image_path,
        image_description, blurhash, language, published_at, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19,
        $20, $20)
ON CONFLICT (url) DO UPDATE
   SET type = EXCLUDED.type, title = EXCLUDED.title, description = EXCLUDED.description,
       author_name = EXCLUDED.author_name, author_url = EXCLUDED.author_url,
       provider_name = EXCLUDED.provider_name, provider_url = EXCLUDED.provider_url,
       html = EXCLUDED.html, width = EXCLUDED.width, height = EXCLUDED.height,
       embed_url = EXCLUDED.embed_url, image_remote_url = EXCLUDED.image_remote_url,
       image_path = EXCLUDED.image_path, image_description = EXCLUDED.image_description,
       blurhash = EXCLUDED.blurhash, language = EXCLUDED.language,
       published_at = EXCLUDED.published_at, updated_at = EXCLUDED.updated_at
RETURNING c.id, (SELECT image_path FROM previous) AS previous_image_path;

-- name: link_status
-- The status shows this card (replacing the one an earlier version of it showed).
-- $1 status id, $2 card id, $3 url as written in the status
INSERT INTO preview_cards_statuses (status_id, preview_card_id, url, status_created_at)
SELECT id, $2, $3, created_at FROM statuses WHERE id = $1
ON CONFLICT (status_id) DO UPDATE
   SET preview_card_id = EXCLUDED.preview_card_id, url = EXCLUDED.url;

-- name: unlink_status
-- $1 status id
DELETE FROM preview_cards_statuses WHERE status_id = $1;

-- name: load_cards
-- The cards of a page of statuses.
-- $1 status ids
SELECT l.status_id, l.url AS link_url, c.id, c.url, c.type, c.title, c.description,
       c.author_name, c.author_url, c.provider_name, c.provider_url, c.html, c.width, c.height,
       c.embed_url, c.image_path, c.image_description, c.blurhash, c.language, c.published_at
  FROM preview_cards_statuses l JOIN preview_cards c ON c.id = l.preview_card_id
 WHERE l.status_id = ANY($1::bigint[]);

-- name: trending_links
-- Cards linked from public statuses made since $1, ranked by how many distinct accounts
-- shared them, then by the latest share.
-- $1 since, $2 limit, $3 offset
SELECT c.id, c.url, c.type, c.title, c.description, c.author_name, c.author_url,
       c.provider_name, c.provider_url, c.html, c.width, c.height, c.embed_url, c.image_path,
       c.image_description, c.blurhash, c.language, c.published_at
  FROM preview_cards c JOIN (
    SELECT l.preview_card_id, count(DISTINCT s.account_id) AS accounts, max(s.id) AS latest
      FROM preview_cards_statuses l
      JOIN statuses s ON s.id = l.status_id
      JOIN accounts a ON a.id = s.account_id
     WHERE l.status_created_at >= $1 AND s.deleted_at IS NULL AND s.visibility = 'public'
       AND a.suspended_at IS NULL
     GROUP BY l.preview_card_id) shared ON shared.preview_card_id = c.id
 ORDER BY shared.accounts DESC, shared.latest DESC
 LIMIT $2 OFFSET $3;

-- name: link_history
-- Per card and UTC day since $2: statuses linking it and distinct accounts.
-- $1 card ids, $2 since
SELECT l.preview_card_id AS card_id,
       date_trunc('day', l.status_created_at AT TIME ZONE 'UTC') AS day,
       count(*) AS uses, count(DISTINCT s.account_id) AS accounts
  FROM preview_cards_statuses l
  JOIN statuses s ON s.id = l.status_id
 WHERE l.preview_card_id = ANY($1::bigint[]) AND l.status_created_at >= $2
   AND s.deleted_at IS NULL AND s.visibility = 'public'
 GROUP BY 1, 2;
