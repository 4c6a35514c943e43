-- Link preview cards: one row per page URL, shared by every status that links to it, and
-- one link per status to the card it shows (a status shows at most one).

CREATE TABLE preview_cards (
    id                 bigint PRIMARY KEY,
    url                text        NOT NULL UNIQUE,
    type               text        NOT NULL DEFAULT 'link'
                                   CHECK (type IN ('link', 'photo', 'video', 'rich')),
    title              text        NOT NULL DEFAULT '',
    description        text        NOT NULL DEFAULT '',
    author_name        text        NOT NULL DEFAULT '',
    author_url         text        NOT NULL DEFAULT '',
    provider_name      text        NOT NULL DEFAULT '',
    provider_url       text        NOT NULL DEFAULT '',
    html               text        NOT NULL DEFAULT '',   -- sanitised when stored
    width              integer     NOT NULL DEFAULT 0,
    height             integer     NOT NULL DEFAULT 0,
    embed_url          text        NOT NULL DEFAULT '',
    image_remote_url   text,                              -- where the picture came from
    image_path         text,                              -- our thumbnail, under media_dir
    image_description  text        NOT NULL DEFAULT '',
    blurhash           text,
    language           text,
    published_at       timestamptz,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL
);

CREATE TABLE preview_cards_statuses (
    status_id        bigint      PRIMARY KEY REFERENCES statuses (id) ON DELETE CASCADE,
    preview_card_id  bigint      NOT NULL REFERENCES preview_cards (id) ON DELETE CASCADE,
    url              text        NOT NULL,  -- the link as written in the status
    status_created_at timestamptz NOT NULL   -- the status's, so recent links are found by index
);
CREATE INDEX preview_cards_statuses_card_idx ON preview_cards_statuses (preview_card_id);
-- A link shared again finds the card its first sharing got, wherever it redirected.
CREATE INDEX preview_cards_statuses_url_idx ON preview_cards_statuses (url);
-- Trending links count sharers per card among recent statuses.
CREATE INDEX preview_cards_statuses_recent_idx ON preview_cards_statuses (status_created_at);
