-- What one viewer did with one status, and an account's direct-message conversations:
-- each defined once here for the queries that need them (a page of statuses, the flags of
-- many viewers for a stream update; the conversation list and one conversation). Both are
-- single-statement SQL functions, which the planner inlines into the calling query.

-- Favourited, boosted, bookmarked, pinned by the viewer, and whether the viewer muted the
-- status's conversation. All false for a NULL viewer.
CREATE FUNCTION status_viewer_flags(status_id bigint, conversation_id bigint, viewer bigint)
RETURNS TABLE (favourited boolean, reblogged boolean, bookmarked boolean, pinned boolean,
               muted boolean)
LANGUAGE sql STABLE AS $$
  SELECT EXISTS (SELECT 1 FROM favourites f WHERE f.status_id = $1 AND f.account_id = $3),
         EXISTS (SELECT 1 FROM statuses r WHERE r.reblog_of_id = $1 AND r.account_id = $3
                    AND r.deleted_at IS NULL),
         EXISTS (SELECT 1 FROM bookmarks b WHERE b.status_id = $1 AND b.account_id = $3),
         EXISTS (SELECT 1 FROM status_pins p WHERE p.status_id = $1 AND p.account_id = $3),
         EXISTS (SELECT 1 FROM conversation_mutes c WHERE c.account_id = $3
                    AND c.conversation_id = coalesce($2, $1))
$$;

-- The direct-message conversations an account takes part in (as author or mentioned), each
-- with its latest status the account may see and whether that is unread (from someone
-- else, after what the account read); not those the account removed since their latest
-- status.
CREATE FUNCTION account_conversations_of(account bigint)
RETURNS TABLE (conversation_id bigint, last_status_id bigint, unread boolean)
LANGUAGE sql STABLE AS $$
  SELECT c.conversation_id, c.last_status_id,
         (last.account_id <> $1 AND c.last_status_id > coalesce(ac.read_up_to, 0))
    FROM (SELECT coalesce(s.conversation_id, s.id) AS conversation_id, max(s.id) AS last_status_id
            FROM statuses s
           WHERE s.visibility = 'direct' AND s.deleted_at IS NULL
             AND (s.account_id = $1 OR EXISTS (SELECT 1 FROM mentions m WHERE m.status_id = s.id
                                                  AND m.account_id = $1))
           GROUP BY 1) c
    JOIN statuses last ON last.id = c.last_status_id
    LEFT JOIN account_conversations ac ON ac.account_id = $1
                                       AND ac.conversation_id = c.conversation_id
   WHERE c.last_status_id > coalesce(ac.hidden_up_to, 0)
$$;
