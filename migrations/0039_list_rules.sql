-- Whether a list shows a status by one of its members, given whether the owner's follow of
-- that member shows boosts: the one definition of the list rules, used by the list timeline
-- queries and by the fan-out that feeds list streams (server/lists/queries.sql says what the
-- rules are). A single-expression SQL function, so the planner can inline it.
CREATE FUNCTION list_shows_status(l lists, s statuses, show_reblogs boolean, at timestamptz)
RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT s.deleted_at IS NULL AND s.visibility <> 'direct'
     AND (s.reblog_of_id IS NULL OR (show_reblogs AND EXISTS (
            SELECT 1 FROM statuses o
             WHERE o.id = s.reblog_of_id AND o.account_id <> l.account_id
               AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.account_id = l.account_id
                                  AND b.target_account_id = o.account_id)
               AND NOT EXISTS (SELECT 1 FROM mutes mu WHERE mu.account_id = l.account_id
                                  AND mu.target_account_id = o.account_id
                                  AND (mu.expires_at IS NULL OR mu.expires_at > at)))))
     AND ((s.in_reply_to_id IS NULL AND s.in_reply_to_uri IS NULL)
          OR s.in_reply_to_account_id IN (s.account_id, l.account_id)
          OR (l.replies_policy = 'followed' AND EXISTS (
                 SELECT 1 FROM follows f2 WHERE f2.account_id = l.account_id
                    AND f2.target_account_id = s.in_reply_to_account_id))
          OR (l.replies_policy = 'list' AND EXISTS (
                 SELECT 1 FROM list_accounts la2 WHERE la2.list_id = l.id
                    AND la2.account_id = s.in_reply_to_account_id)))
$$;
