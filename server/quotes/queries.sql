-- name: list_quotes
-- What these posts quote (get_quote: one of them).
-- $1 status ids (the quoting posts)
SELECT status_id, account_id, quoted_uri, quoted_status_id, quoted_account_id, state,
       approval_uri, activity_uri
  FROM status_quotes WHERE status_id = ANY($1::bigint[]);

-- name: upsert_quote
-- What a stored (or edited) post says it quotes. The state is the caller's decision.
-- $1 status_id, $2 account_id, $3 quoted_uri, $4 quoted_status_id, $5 quoted_account_id,
-- $6 state, $7 approval_uri, $8 activity_uri (kept when NULL), $9 now
INSERT INTO status_quotes AS q (status_id, account_id, quoted_uri, quoted_status_id,
                                quoted_account_id, state, approval_uri, activity_uri,
                                created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
ON CONFLICT (status_id) DO UPDATE
   SET quoted_uri = EXCLUDED.quoted_uri, quoted_status_id = EXCLUDED.quoted_status_id,
       quoted_account_id = EXCLUDED.quoted_account_id, state = EXCLUDED.state,
       approval_uri = EXCLUDED.approval_uri,
       activity_uri = coalesce(EXCLUDED.activity_uri, q.activity_uri),
       updated_at = EXCLUDED.updated_at;

-- name: delete_quote
-- An edit took the quote out of the post.
-- $1 status_id
DELETE FROM status_quotes WHERE status_id = $1;

-- name: set_quote_state
-- $1 status_id, $2 state, $3 now
UPDATE status_quotes SET state = $2, updated_at = $3 WHERE status_id = $1 AND state <> $2;

-- name: revoke_by_approval
-- The quoted author's server withdrew its stamp (Delete of the QuoteAuthorization).
-- $1 approval_uri, $2 the deleting actor's account id (must be the quoted author), $3 now
-- Returns the quotes revoked, and whether the quoting post is a member's.
UPDATE status_quotes q SET state = 'revoked', updated_at = $3
  FROM statuses s
 WHERE q.approval_uri = $1 AND q.quoted_account_id = $2 AND q.state = 'accepted'
   AND s.id = q.status_id
RETURNING q.status_id, s.local;

-- name: get_authorization
-- An accepted quote of a local member's post, as its authorisation stamp names it.
-- $1 status_id (the quoting post), $2 the quoted (local) account's id
SELECT q.status_id, s.uri AS quoting_uri, qs.uri AS quoted_uri
  FROM status_quotes q
  JOIN statuses s ON s.id = q.status_id AND s.deleted_at IS NULL
  JOIN statuses qs ON qs.id = q.quoted_status_id AND qs.deleted_at IS NULL
 WHERE q.status_id = $1 AND q.quoted_account_id = $2 AND q.state = 'accepted';

-- name: list_quotes_for_notes
-- What the Notes of these posts say they quote, and the quoted author (for our own stamps).
-- $1 status ids
SELECT q.status_id, q.quoted_uri, q.state, q.approval_uri, a.uri AS quoted_author_uri,
       a.id IS NOT NULL AND a.domain IS NULL AS quoted_local
  FROM status_quotes q LEFT JOIN accounts a ON a.id = q.quoted_account_id
 WHERE q.status_id = ANY($1::bigint[]);

-- name: answer_request
-- The quoted author's server answered our QuoteRequest (Accept with its stamp, or Reject).
-- $1 activity_uri (our QuoteRequest's id), $2 the answering account's id, $3 state,
-- $4 approval_uri, $5 now
UPDATE status_quotes SET state = $3, approval_uri = $4, updated_at = $5
 WHERE activity_uri = $1 AND quoted_account_id = $2 AND state = 'pending'
RETURNING status_id;
