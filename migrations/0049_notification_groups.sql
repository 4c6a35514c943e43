-- Grouped notifications (the v2 notifications API): favourites and boosts of one status, and
-- follows, that arrive within a few hours of each other share a group key. Others have none
-- and are shown alone ("ungrouped-ID"). Notifications made before this have none either.
ALTER TABLE notifications ADD COLUMN group_key text;
-- A group's members (its count, latest senders, newest and oldest ids), and the previous
-- group of the same kind when a new notification looks for one to join.
CREATE INDEX notifications_group_idx ON notifications (account_id, group_key, id DESC)
    WHERE group_key IS NOT NULL;

-- The notifications the lists show (v1 and grouped v2, and their unread counts): the
-- account's, filtered by type and sender, between cursors, leaving out those about a
-- deleted status. A plain SQL function, so the planner inlines it into each query.
CREATE FUNCTION listed_notifications(p_account bigint, p_types text[], p_exclude text[],
                                     p_sender bigint, p_max bigint, p_since bigint,
                                     p_min bigint)
RETURNS SETOF notifications LANGUAGE sql STABLE AS $$
    SELECT n.* FROM notifications n LEFT JOIN statuses s ON s.id = n.status_id
     WHERE n.account_id = p_account
       AND (p_types IS NULL OR n.type = ANY(p_types))
       AND NOT (n.type = ANY(p_exclude))
       AND (p_sender IS NULL OR n.from_account_id = p_sender)
       AND (p_max IS NULL OR n.id < p_max)
       AND (p_since IS NULL OR n.id > p_since)
       AND (p_min IS NULL OR n.id > p_min)
       AND (n.status_id IS NULL OR s.deleted_at IS NULL)
$$;
