-- Governance, part 6: juries drawn by lot (server/governance/juries/sortition.py).
--
-- A draw is committed first (pool, parameters and the hash of a secret are fixed and
-- logged), drawn later (the seed comes from the secret and the decision log's head), and
-- its jury then sits for a term. What was committed never changes: the pool is
-- append-only and a trigger refuses any change to the committed columns, so a changed
-- pool or secret takes a superuser disabling triggers, and `commonhold verify-draw`
-- then reports it against the hashes in the decision log.

CREATE TABLE jury_draws (
    id               bigint PRIMARY KEY,
    purpose          text        NOT NULL CHECK (purpose <> '' AND length(purpose) <= 200),
    state            text        NOT NULL DEFAULT 'committed'
                     CHECK (state IN ('committed', 'drawn', 'dissolved')),
    charter_version  integer     NOT NULL REFERENCES charter_versions (version),
    params           jsonb       NOT NULL,
    pool_hash        text        NOT NULL CHECK (pool_hash ~ '^[0-9a-f]{64}$'),
    commitment       text        NOT NULL CHECK (commitment ~ '^[0-9a-f]{64}$'),
    -- Kept here until the draw, and shown to nobody before it (the API leaves it out
    -- while the state is 'committed'); published with the jurors afterwards.
    secret           text        NOT NULL CHECK (secret ~ '^[0-9a-f]{64}$'),
    term_days        integer     NOT NULL CHECK (term_days >= 1),
    draw_at          timestamptz NOT NULL,
    created_by_account_id bigint REFERENCES accounts (id),
    committed_at     timestamptz NOT NULL,
    commit_log_seq   bigint      NOT NULL REFERENCES decision_log (seq),
    drawn_at         timestamptz,
    log_head_seq     bigint      REFERENCES decision_log (seq),
    log_head_hash    text,
    seed             text,
    reveal_log_seq   bigint      REFERENCES decision_log (seq),
    term_ends_at     timestamptz,
    dissolved_at     timestamptz,
    CONSTRAINT jury_draws_drawn_shape CHECK (state = 'committed' OR (drawn_at IS NOT NULL
        AND log_head_seq IS NOT NULL AND log_head_hash IS NOT NULL AND seed IS NOT NULL
        AND reveal_log_seq IS NOT NULL AND term_ends_at IS NOT NULL))
);
CREATE INDEX jury_draws_state_idx ON jury_draws (state, id);

CREATE FUNCTION jury_draws_keep_commitment() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.purpose IS DISTINCT FROM OLD.purpose OR NEW.params IS DISTINCT FROM OLD.params
       OR NEW.pool_hash IS DISTINCT FROM OLD.pool_hash
       OR NEW.commitment IS DISTINCT FROM OLD.commitment
       OR NEW.secret IS DISTINCT FROM OLD.secret
       OR NEW.commit_log_seq IS DISTINCT FROM OLD.commit_log_seq
       OR (OLD.seed IS NOT NULL AND (NEW.seed IS DISTINCT FROM OLD.seed
           OR NEW.log_head_hash IS DISTINCT FROM OLD.log_head_hash
           OR NEW.log_head_seq IS DISTINCT FROM OLD.log_head_seq)) THEN
        RAISE EXCEPTION 'a committed draw keeps its pool, parameters, secret and seed'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER jury_draws_commitment_fixed BEFORE UPDATE ON jury_draws
    FOR EACH ROW EXECUTE FUNCTION jury_draws_keep_commitment();
CREATE TRIGGER jury_draws_no_delete BEFORE DELETE ON jury_draws
    FOR EACH ROW EXECUTE FUNCTION governance_refuse_change();

-- The frozen pool: every member who could be drawn (the excluded ones too, as the pool
-- hash covers them). member_id is the text fed to the hash: the account id in decimal.
CREATE TABLE jury_draw_pool (
    draw_id     bigint NOT NULL REFERENCES jury_draws (id),
    member_id   text   NOT NULL,
    account_id  bigint NOT NULL REFERENCES accounts (id),
    stratum     text,
    PRIMARY KEY (draw_id, member_id)
);
CREATE TRIGGER jury_draw_pool_append_only BEFORE UPDATE OR DELETE ON jury_draw_pool
    FOR EACH ROW EXECUTE FUNCTION governance_refuse_change();
CREATE TRIGGER jury_draw_pool_no_truncate BEFORE TRUNCATE ON jury_draw_pool
    FOR EACH STATEMENT EXECUTE FUNCTION governance_refuse_change();

-- Seats offered: first the draw's jurors in ranking order, then each replacement.
CREATE TABLE jury_seats (
    draw_id      bigint      NOT NULL REFERENCES jury_draws (id),
    account_id   bigint      NOT NULL REFERENCES accounts (id),
    member_id    text        NOT NULL,
    position     integer     NOT NULL CHECK (position >= 1),
    source       text        NOT NULL CHECK (source IN ('draw', 'replacement')),
    status       text        NOT NULL DEFAULT 'offered'
                 CHECK (status IN ('offered', 'accepted', 'declined')),
    offered_at   timestamptz NOT NULL,
    answered_at  timestamptz,
    PRIMARY KEY (draw_id, account_id),
    UNIQUE (draw_id, position)
);

-- Every decline, in order, with the replacement `sortition.replace` gave for it (none when
-- nobody left in the pool can keep the quotas). Replaying these rows recomputes every
-- replacement, which is what verify-draw does.
CREATE TABLE jury_declines (
    draw_id          bigint      NOT NULL REFERENCES jury_draws (id),
    seq              integer     NOT NULL CHECK (seq >= 1),
    member_id        text        NOT NULL,
    replacement_id   text,
    declined_at      timestamptz NOT NULL,
    log_seq          bigint      NOT NULL REFERENCES decision_log (seq),
    PRIMARY KEY (draw_id, seq)
);
CREATE TRIGGER jury_declines_append_only BEFORE UPDATE OR DELETE ON jury_declines
    FOR EACH ROW EXECUTE FUNCTION governance_refuse_change();
