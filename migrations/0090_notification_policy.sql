-- Filtering notifications (Mastodon 4.3's notification policy and requests). Each local
-- account chooses, for five kinds of sender, to accept, filter or drop their notifications;
-- filtered ones wait in one request per sender until accepted (they join the lists, and
-- that sender is let through from then on) or dismissed (they go).
-- (0090-0099: client API, continued; 0030-0049 are used.)
CREATE TABLE notification_policies (
    account_id            bigint PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    for_not_following     text NOT NULL DEFAULT 'accept',
    for_not_followers     text NOT NULL DEFAULT 'accept',
    for_new_accounts      text NOT NULL DEFAULT 'accept',
    for_private_mentions  text NOT NULL DEFAULT 'filter',
    for_limited_accounts  text NOT NULL DEFAULT 'filter',
    CHECK (for_not_following IN ('accept', 'filter', 'drop')
       AND for_not_followers IN ('accept', 'filter', 'drop')
       AND for_new_accounts IN ('accept', 'filter', 'drop')
       AND for_private_mentions IN ('accept', 'filter', 'drop')
       AND for_limited_accounts IN ('accept', 'filter', 'drop'))
);

CREATE TABLE notification_requests (
    id                   bigint PRIMARY KEY,
    account_id           bigint      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    from_account_id      bigint      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    last_status_id       bigint REFERENCES statuses (id) ON DELETE SET NULL,
    notifications_count  integer     NOT NULL DEFAULT 0,
    created_at           timestamptz NOT NULL,
    updated_at           timestamptz NOT NULL,
    UNIQUE (account_id, from_account_id)
);

-- Senders whose notifications are never filtered again for this account (an accepted request).
CREATE TABLE notification_permissions (
    account_id       bigint      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    from_account_id  bigint      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at       timestamptz NOT NULL,
    PRIMARY KEY (account_id, from_account_id)
);

ALTER TABLE notifications ADD COLUMN filtered boolean NOT NULL DEFAULT false;

-- The lists leave filtered notifications out unless asked for them (include_filtered).
DROP FUNCTION listed_notifications(bigint, text[], text[], bigint, bigint, bigint, bigint);
CREATE FUNCTION listed_notifications(p_account bigint, p_types text[], p_exclude text[],
                                     p_sender bigint, p_max bigint, p_since bigint,
                                     p_min bigint, p_with_filtered boolean)
RETURNS SETOF notifications LANGUAGE sql STABLE AS $$
    SELECT n.* FROM notifications n LEFT JOIN statuses s ON s.id = n.status_id
     WHERE n.account_id = p_account
       AND (p_with_filtered OR NOT n.filtered)
       AND (p_types IS NULL OR n.type = ANY(p_types))
       AND NOT (n.type = ANY(p_exclude))
       AND (p_sender IS NULL OR n.from_account_id = p_sender)
       AND (p_max IS NULL OR n.id < p_max)
       AND (p_since IS NULL OR n.id > p_since)
       AND (p_min IS NULL OR n.id > p_min)
       AND (n.status_id IS NULL OR s.deleted_at IS NULL)
$$;
