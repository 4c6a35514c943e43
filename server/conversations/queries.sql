-- name: get_conversation
-- One of the account's conversations as its list shows it: the last status the account
-- takes part in, whether that is unread, and nothing when it was removed since.
-- $1 account_id, $2 conversation id
SELECT conversation_id, last_status_id, unread
  FROM account_conversations_of($1) WHERE conversation_id = $2;

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
