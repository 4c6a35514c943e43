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

-- name: list_quotes_for_reader
-- What these posts quote, as a reader is shown it (the client API's Quote entity): the stored
-- state, the quoted post when it is still there (not deleted), and what stands between the
-- reader and it of the reader's own doing: whether they wrote it, block its author's domain,
-- block or mute its author. (Whether they may see it at all is filter_visible's.)
-- $1 status ids (the quoting posts), $2 reader (null: anonymous), $3 now
SELECT q.status_id, q.state, qs.id AS quoted_status_id,
       coalesce(qs.account_id = $2, false) AS own,
       coalesce(qa.domain IS NOT NULL AND EXISTS (
           SELECT 1 FROM account_domain_blocks d
            WHERE d.account_id = $2 AND d.domain = lower(qa.domain)), false) AS blocked_domain,
       coalesce(EXISTS (SELECT 1 FROM blocks b
                         WHERE b.account_id = $2 AND b.target_account_id = qs.account_id),
                false) AS blocked,
       coalesce(EXISTS (SELECT 1 FROM mutes m
                         WHERE m.account_id = $2 AND m.target_account_id = qs.account_id
                           AND (m.expires_at IS NULL OR m.expires_at > $3)), false) AS muted
  FROM status_quotes q
  LEFT JOIN statuses qs ON qs.id = q.quoted_status_id AND qs.deleted_at IS NULL
  LEFT JOIN accounts qa ON qa.id = qs.account_id
 WHERE q.status_id = ANY($1::bigint[]);

-- name: list_quotes_of
-- The accepted quotes of a post, newest first: the quoting posts' ids (its quotes list).
-- $1 quoted status id, $2 max_id, $3 since_id, $4 limit
SELECT status_id FROM status_quotes
 WHERE quoted_status_id = $1 AND state = 'accepted'
   AND status_id < coalesce($2::bigint, 9223372036854775807)
   AND status_id > coalesce($3::bigint, 0)
 ORDER BY status_id DESC LIMIT $4;

-- name: withdraw_quote
-- The quoted author takes back a quote of their post: an accepted one is revoked, one still
-- pending refused. Returns the state it had (none when it was neither).
-- $1 quoting status id, $2 now
UPDATE status_quotes q
   SET state = CASE WHEN old.state = 'pending' THEN 'rejected' ELSE 'revoked' END,
       updated_at = $2
  FROM status_quotes old
 WHERE q.status_id = $1 AND old.status_id = q.status_id AND q.state IN ('accepted', 'pending')
RETURNING old.state;
