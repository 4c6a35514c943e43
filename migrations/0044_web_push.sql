-- Web Push: the instance's VAPID key pair, and one push subscription per access token.

-- One row, made on first use (the key cannot be made in SQL). Changing it would orphan
-- every subscription: push services bind a subscription to the key it was made with.
CREATE TABLE push_vapid_key (
    singleton    boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    private_pem  text        NOT NULL,
    public_key   text        NOT NULL,   -- uncompressed P-256 point, base64url
    created_at   timestamptz NOT NULL
);

CREATE TABLE push_subscriptions (
    id               bigint PRIMARY KEY,
    -- The token it was made with: one subscription per token, gone with the token.
    access_token_id  bigint      NOT NULL UNIQUE REFERENCES oauth_access_tokens (id) ON DELETE CASCADE,
    user_id          bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    account_id       bigint      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    endpoint         text        NOT NULL,
    key_p256dh       text        NOT NULL,
    key_auth         text        NOT NULL,
    standard         boolean     NOT NULL DEFAULT false,
    alerts           text[]      NOT NULL DEFAULT '{}',  -- the notification types pushed
    policy           text        NOT NULL DEFAULT 'all'
                     CHECK (policy IN ('all', 'followed', 'follower', 'none')),
    -- The bearer token, sealed with a key derived from the instance secret: clients read it
    -- back from the push payload to fetch the notification.
    sealed_token     bytea       NOT NULL,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL
);
CREATE INDEX push_subscriptions_account_idx ON push_subscriptions (account_id);

-- Tokens are revoked by setting revoked_at, not deleted: the subscription must go then too,
-- whichever code path revokes it.
CREATE FUNCTION push_subscriptions_drop_for_revoked_token() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM push_subscriptions WHERE access_token_id = NEW.id;
    RETURN NULL;
END;
$$;

CREATE TRIGGER oauth_access_tokens_revoked_push
AFTER UPDATE OF revoked_at ON oauth_access_tokens
FOR EACH ROW WHEN (NEW.revoked_at IS NOT NULL AND OLD.revoked_at IS NULL)
EXECUTE FUNCTION push_subscriptions_drop_for_revoked_token();
