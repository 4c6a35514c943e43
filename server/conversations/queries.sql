-- name: get_conversation
-- One of the account's conversations as its list shows it: the last status the account
-- takes part in, whether that is unread, and nothing when it was removed since.
-- $1 account_id, $2 conversation id
SELECT c.conversation_id, c.last_status_id,
       (last.account_id <> $1 AND c.last_status_id > coalesce(ac.read_up_to, 0)) AS unread
  FROM (SELECT coalesce(s.conversation_id, s.id) AS conversation_id, max(s.id) AS last_status_id
          FROM statuses s
         WHERE s.visibility = 'direct' AND s.deleted_at IS NULL
           AND coalesce(s.conversation_id, s.id) = $2
           AND (s.account_id = $1 OR EXISTS (SELECT 1 FROM mentions m WHERE m.status_id = s.id
                                                AND m.account_id = $1))
         GROUP BY 1) c
  JOIN statuses last ON last.id = c.last_status_id
  LEFT JOIN account_conversations ac ON ac.account_id = $1
                                     AND ac.conversation_id = c.conversation_id
 WHERE c.last_status_id > coalesce(ac.hidden_up_to, 0);

-- name: mark_read
-- $1 account_id, $2 conversation id, $3 last status id read
INSERT INTO account_conversations (account_id, conversation_id, read_up_to)
VALUES ($1, $2, $3)
ON CONFLICT (account_id, conversation_id)
DO UPDATE SET read_up_to = greatest(account_conversations.read_up_to, $3);

-- name: hide
-- $1 account_id, $2 conversation id, $3 last status id removed
INSERT INTO account_conversations (account_id, conversation_id, hidden_up_to, read_up_to)
VALUES ($1, $2, $3, $3)
ON CONFLICT (account_id, conversation_id)
DO UPDATE SET hidden_up_to = greatest(account_conversations.hidden_up_to, $3),
              read_up_to = greatest(account_conversations.read_up_to, $3);
