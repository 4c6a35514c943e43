-- Inbound ActivityPub posts and the markers that keep out-of-order activities out.

-- An Undo or Delete that arrived before the thing it undoes or deletes. The late Create,
-- Announce, Like or Follow with this id (from the same actor) is dropped. Kept 7 days.
CREATE TABLE federation_tombstones (
    uri          text        PRIMARY KEY,
    actor_uri    text        NOT NULL,
    recorded_at  timestamptz NOT NULL
);
CREATE INDEX federation_tombstones_recorded_idx ON federation_tombstones (recorded_at);

-- Custom emoji used in a remote post (`Emoji` tags): the client API lists them per status.
CREATE TABLE status_emojis (
    status_id    bigint NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    shortcode    text   NOT NULL,
    url          text   NOT NULL,
    PRIMARY KEY (status_id, shortcode)
);
