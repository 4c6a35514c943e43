-- name: list_account_views
-- Everything an Account entity shows, for many accounts at once.
-- $1 account ids
SELECT a.id, a.username, a.domain, a.display_name, a.note, a.uri, a.url, a.actor_type,
       a.locked, a.bot, a.discoverable, a.indexable, a.avatar_url, a.header_url,
       a.avatar_path, a.header_path, a.fields, a.moved_to_account_id, a.suspended_at,
       a.created_at,
       coalesce(a.remote_statuses_count, s.statuses_count, 0) AS statuses_count,
       coalesce(a.remote_followers_count, s.followers_count, 0) AS followers_count,
       coalesce(a.remote_following_count, s.following_count, 0) AS following_count,
       s.last_status_at, u.role, u.hide_collections
  FROM accounts a
  LEFT JOIN account_stats s ON s.account_id = a.id
  LEFT JOIN users u ON u.account_id = a.id
 WHERE a.id = ANY($1::bigint[]);

-- name: get_account_source
-- What only the owner sees of their account: posting defaults and the profile's sources.
-- $1 account id
SELECT u.default_privacy, u.default_sensitive, u.default_language, u.hide_collections,
       u.default_quote_policy, a.note_source, a.fields_source, a.discoverable, a.indexable,
       (SELECT count(*) FROM (SELECT 1 FROM follow_requests r
                               WHERE r.target_account_id = a.id LIMIT 40) AS r
       ) AS follow_requests_count
  FROM accounts a JOIN users u ON u.account_id = a.id
 WHERE a.id = $1;

-- name: list_relationships
-- How the viewer stands with each of the given accounts, in the order given.
-- $1 viewer account id, $2 target account ids, $3 now (mutes may have expired),
-- $4 include suspended accounts
SELECT t.id,
       f.id IS NOT NULL AS following,
       coalesce(f.show_reblogs, r.show_reblogs, false) AS showing_reblogs,
       coalesce(f.notify, r.notify, false) AS notifying,
       f.languages,
       EXISTS (SELECT 1 FROM follows b WHERE b.account_id = t.id AND b.target_account_id = $1)
           AS followed_by,
       EXISTS (SELECT 1 FROM blocks b WHERE b.account_id = $1 AND b.target_account_id = t.id)
           AS blocking,
       EXISTS (SELECT 1 FROM blocks b WHERE b.account_id = t.id AND b.target_account_id = $1)
           AS blocked_by,
       m.account_id IS NOT NULL AS muting,
       coalesce(m.hide_notifications, false) AS muting_notifications,
       m.expires_at AS muting_expires_at,
       r.id IS NOT NULL AS requested,
       EXISTS (SELECT 1 FROM follow_requests q
                WHERE q.account_id = t.id AND q.target_account_id = $1) AS requested_by,
       (t.domain IS NOT NULL AND EXISTS (
           SELECT 1 FROM account_domain_blocks d
            WHERE d.account_id = $1 AND lower(d.domain) = lower(t.domain))) AS domain_blocking,
       EXISTS (SELECT 1 FROM account_pins p WHERE p.account_id = $1
                  AND p.target_account_id = t.id) AS endorsed,
       coalesce((SELECT n.comment FROM account_notes n WHERE n.account_id = $1
                   AND n.target_account_id = t.id), '') AS note
  FROM unnest($2::bigint[]) WITH ORDINALITY AS wanted (id, position)
  JOIN accounts t ON t.id = wanted.id
  LEFT JOIN follows f ON f.account_id = $1 AND f.target_account_id = t.id
  LEFT JOIN follow_requests r ON r.account_id = $1 AND r.target_account_id = t.id
  LEFT JOIN mutes m ON m.account_id = $1 AND m.target_account_id = t.id
                   AND (m.expires_at IS NULL OR m.expires_at > $3)
 WHERE $4 OR t.suspended_at IS NULL
 ORDER BY wanted.position;

-- name: get_instance_stats
-- The counts the instance entities show.
-- $1 active since (start of the four-week activity window)
SELECT (SELECT count(*) FROM users WHERE approved AND NOT disabled) AS user_count,
       (SELECT coalesce(sum(s.statuses_count), 0) FROM account_stats s
          JOIN accounts a ON a.id = s.account_id WHERE a.domain IS NULL) AS status_count,
       (SELECT count(DISTINCT lower(domain)) FROM accounts WHERE domain IS NOT NULL)
           AS domain_count,
       (SELECT count(DISTINCT user_id) FROM user_activity_weeks WHERE week >= $1::date)
           AS active_month;

-- name: list_peers
-- Every domain we know an account on.
SELECT DISTINCT lower(domain) AS domain FROM accounts WHERE domain IS NOT NULL ORDER BY 1;

-- name: list_weekly_activity
-- Twelve weeks, newest first, each from Monday 00:00 UTC.
-- $1 start of the current week (a Monday, UTC)
SELECT w.week,
       (SELECT count(*) FROM statuses s
         WHERE s.local AND s.reblog_of_id IS NULL AND s.created_at >= w.week
           AND s.created_at < w.week + interval '7 days') AS statuses,
       (SELECT count(*) FROM user_activity_weeks a WHERE a.week = (w.week AT TIME ZONE 'UTC')::date) AS logins,
       (SELECT count(*) FROM users u
         WHERE u.created_at >= w.week AND u.created_at < w.week + interval '7 days')
           AS registrations
  FROM generate_series($1::timestamptz, $1::timestamptz - interval '11 weeks',
                       interval '-1 week') AS w (week)
 ORDER BY w.week DESC;

-- name: list_instance_rules
SELECT id, text, hint FROM instance_rules ORDER BY position, id;

-- name: get_contact_account_id
-- The account shown as the instance's contact: its longest-standing admin.
SELECT u.account_id FROM users u
 WHERE u.role = 'admin' AND u.approved AND NOT u.disabled
 ORDER BY u.created_at, u.id LIMIT 1;

-- name: get_preferences
-- $1 account id
SELECT u.default_privacy, u.default_sensitive, u.default_language, u.default_quote_policy
  FROM users u WHERE u.account_id = $1;

-- name: add_rate_limit_hits
-- Add a web process's hits counted since its last flush, many buckets at once, and return
-- every bucket's total over all processes. Rows come sorted by bucket (see ratecounter.py),
-- so two processes flushing at once lock them in the same order.
-- $1 buckets, $2 window starts, $3 hits to add
INSERT INTO rate_limit_hits AS r (bucket, window_start, hits)
SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::integer[])
ON CONFLICT (bucket, window_start) DO UPDATE SET hits = r.hits + excluded.hits
RETURNING bucket, window_start, hits;

-- name: list_featured_tag_suggestions
-- The hashtags an account used most in its latest 1000 posts, those it features left out:
-- what it might want to feature next. $1 account id
SELECT t.id, t.name FROM status_tags st JOIN tags t ON t.id = st.tag_id
 WHERE st.status_id IN (SELECT s.id FROM statuses s
                         WHERE s.account_id = $1 AND s.deleted_at IS NULL
                         ORDER BY s.id DESC LIMIT 1000)
   AND NOT EXISTS (SELECT 1 FROM featured_tags f WHERE f.account_id = $1 AND f.tag_id = t.id)
 GROUP BY t.id, t.name
 ORDER BY count(*) DESC, max(st.status_id) DESC LIMIT 10;

-- name: delete_unattached_media
-- An upload its owner gives up: only while no post carries it and no scheduled post waits
-- for it (a scheduled post would otherwise publish without it). Returns its files.
-- $1 media id, $2 owner account id
DELETE FROM media_attachments m
 WHERE m.id = $1 AND m.account_id = $2 AND m.status_id IS NULL
   AND NOT EXISTS (SELECT 1 FROM scheduled_statuses s
                    WHERE s.account_id = $2 AND s.params->'media_ids' @> to_jsonb($1::bigint))
RETURNING m.file_path, m.preview_path;

-- name: card_exists
-- $1 url of a preview card
SELECT EXISTS (SELECT 1 FROM preview_cards WHERE url = $1);

-- name: list_link_timeline
-- Public posts showing the preview card of this URL, by discoverable accounts in good
-- standing (Mastodon's LinkFeed), newest first (oldest first above min_id).
-- $1 card url, $2 max_id, $3 since_id, $4 min_id, $5 limit
SELECT s.id FROM preview_cards c
  JOIN preview_cards_statuses l ON l.preview_card_id = c.id
  JOIN statuses s ON s.id = l.status_id
  JOIN accounts a ON a.id = s.account_id
 WHERE c.url = $1 AND s.visibility = 'public' AND s.deleted_at IS NULL
   AND s.reblog_of_id IS NULL AND a.suspended_at IS NULL AND a.discoverable
   AND ($2::bigint IS NULL OR s.id < $2) AND ($3::bigint IS NULL OR s.id > $3)
   AND ($4::bigint IS NULL OR s.id > $4)
 ORDER BY CASE WHEN $4::bigint IS NULL THEN -s.id ELSE s.id END LIMIT $5;
