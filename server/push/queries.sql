-- name: get_vapid_key
-- The instance's key pair, or no row before the first use.
SELECT private_pem, public_key FROM push_vapid_key;

-- name: insert_vapid_key
-- Keep the first key made: two processes racing on first use agree on one.
-- $1 private_pem, $2 public_key, $3 now
INSERT INTO push_vapid_key (private_pem, public_key, created_at) VALUES ($1, $2, $3)
ON CONFLICT (singleton) DO NOTHING;

-- name: replace_subscription
-- A token's new subscription replaces the one it had.
-- $1 id, $2 access_token_id, $3 user_id, $4 account_id, $5 endpoint, $6 key_p256dh,
-- $7 key_auth, $8 standard, $9 alerts, $10 policy, $11 sealed_token, $12 now
INSERT INTO push_subscriptions (id, access_token_id, user_id, account_id, endpoint, key_p256dh,
                                key_auth, standard, alerts, policy, sealed_token, created_at,
                                updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)
ON CONFLICT (access_token_id) DO UPDATE
   SET id = EXCLUDED.id, endpoint = EXCLUDED.endpoint, key_p256dh = EXCLUDED.key_p256dh,
       key_auth = EXCLUDED.key_auth, standard = EXCLUDED.standard, alerts = EXCLUDED.alerts,
       policy = EXCLUDED.policy, sealed_token = EXCLUDED.sealed_token,
       created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at
RETURNING id, endpoint, standard, alerts, policy;

-- name: get_subscription_for_token
-- $1 access_token_id
SELECT id, endpoint, standard, alerts, policy
  FROM push_subscriptions WHERE access_token_id = $1;

-- name: update_subscription_data
-- $1 access_token_id, $2 alerts, $3 policy, $4 now
UPDATE push_subscriptions SET alerts = $2, policy = $3, updated_at = $4
 WHERE access_token_id = $1
RETURNING id, endpoint, standard, alerts, policy;

-- name: delete_subscription_for_token
-- $1 access_token_id
DELETE FROM push_subscriptions WHERE access_token_id = $1;

-- name: delete_subscription
-- The push service said the subscription is gone (404/410).
-- $1 id
DELETE FROM push_subscriptions WHERE id = $1;

-- name: list_subscriptions_to_push
-- Which of the recipient's subscriptions want this notification: its type among their
-- alerts, and their policy letting the sender through (followed: the recipient follows the
-- sender; follower: the sender follows the recipient).
-- $1 notification_id
SELECT ps.id
  FROM notifications n
  JOIN push_subscriptions ps ON ps.account_id = n.account_id
 WHERE n.id = $1
   AND n.type = ANY (ps.alerts)
   AND (ps.policy = 'all'
        OR (ps.policy = 'followed' AND EXISTS (
                SELECT 1 FROM follows f
                 WHERE f.account_id = n.account_id AND f.target_account_id = n.from_account_id))
        OR (ps.policy = 'follower' AND EXISTS (
                SELECT 1 FROM follows f
                 WHERE f.account_id = n.from_account_id AND f.target_account_id = n.account_id)))
 ORDER BY ps.id;

-- name: get_push_message
-- Everything one push needs: where to, the keys, and the notification with its sender and
-- status. No row when the subscription or the notification is gone.
-- $1 subscription_id, $2 notification_id
SELECT ps.access_token_id, ps.endpoint, ps.key_p256dh, ps.key_auth, ps.standard, ps.sealed_token,
       u.locale,
       n.id AS notification_id, n.type,
       a.username, a.display_name, a.note, a.avatar_path, a.avatar_url, a.suspended_at,
       s.spoiler_text, s.content
  FROM push_subscriptions ps
  JOIN users u ON u.id = ps.user_id
  JOIN notifications n ON n.id = $2 AND n.account_id = ps.account_id
  JOIN accounts a ON a.id = n.from_account_id
  LEFT JOIN statuses s ON s.id = n.status_id
 WHERE ps.id = $1;
