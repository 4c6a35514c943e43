-- What each participant has done with a direct-message conversation (Mastodon's
-- AccountConversation): read it up to a status, or removed it from their list up to a
-- status. Conversations themselves are not stored: they are the direct statuses grouped by
-- conversation_id. A row exists only once someone reads or removes one.
CREATE TABLE account_conversations (
    account_id       bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    conversation_id  bigint NOT NULL,
    read_up_to       bigint NOT NULL DEFAULT 0,    -- the last status id read
    hidden_up_to     bigint NOT NULL DEFAULT 0,    -- removed; a later status brings it back
    PRIMARY KEY (account_id, conversation_id)
);
