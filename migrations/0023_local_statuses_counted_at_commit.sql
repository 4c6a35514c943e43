-- A local post's statuses_count and last_status_at are added when its transaction commits,
-- not when its row is inserted. The increment locks the author's account_stats row until
-- COMMIT; taken at the INSERT, the lock was held through the rest of the POST (tags, jobs,
-- the response's rendering, each a round trip through a busy event loop), so one author's
-- concurrent posts queued behind each other: at 50 posts a second the wait reached tens of
-- milliseconds and grew. A deferred trigger takes the lock inside COMMIT, and holds it only
-- for the WAL flush. Remote statuses keep the per-statement count of migration 0015 (an
-- inbox batch stores many in one INSERT, and is itself a job).
--
-- Deletions and soft-deletions stay immediate (the DELETE answer shows the lower count, as
-- Mastodon's does). A local post deleted in the transaction that inserted it is decremented
-- at once and incremented at COMMIT; the decrement of a local post is therefore not clamped
-- at zero, so the two always cancel out.

CREATE FUNCTION local_status_committed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- The account may have been deleted later in the same transaction (its statuses and
    -- stats with it): nothing is left to count then.
    INSERT INTO account_stats AS st (account_id, statuses_count, last_status_at)
    SELECT NEW.account_id, 1, NEW.created_at
     WHERE EXISTS (SELECT 1 FROM accounts a WHERE a.id = NEW.account_id)
    ON CONFLICT (account_id) DO UPDATE
       SET statuses_count = st.statuses_count + 1,
           last_status_at = greatest(st.last_status_at, EXCLUDED.last_status_at);
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER statuses_local_committed AFTER INSERT ON statuses
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (NEW.local AND NEW.reblog_of_id IS NULL AND NEW.deleted_at IS NULL)
    EXECUTE FUNCTION local_status_committed();

CREATE OR REPLACE FUNCTION statuses_inserted_counter() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO account_stats AS st (account_id, statuses_count, last_status_at)
    SELECT account_id, count(*), max(created_at)
      FROM inserted
     WHERE deleted_at IS NULL AND reblog_of_id IS NULL AND NOT local
     GROUP BY account_id
    ON CONFLICT (account_id) DO UPDATE
       SET statuses_count = st.statuses_count + EXCLUDED.statuses_count,
           last_status_at = greatest(st.last_status_at, EXCLUDED.last_status_at);
    UPDATE statuses s SET reblogs_count = greatest(s.reblogs_count + d.n, 0)
      FROM (SELECT reblog_of_id, count(*) AS n FROM inserted
             WHERE deleted_at IS NULL AND reblog_of_id IS NOT NULL GROUP BY reblog_of_id) d
     WHERE s.id = d.reblog_of_id;
    UPDATE statuses s SET replies_count = greatest(s.replies_count + d.n, 0)
      FROM (SELECT in_reply_to_id, count(*) AS n FROM inserted
             WHERE deleted_at IS NULL AND in_reply_to_id IS NOT NULL GROUP BY in_reply_to_id) d
     WHERE s.id = d.in_reply_to_id;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION statuses_counter() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    was_live boolean := TG_OP <> 'INSERT' AND OLD.deleted_at IS NULL;
    is_live boolean := TG_OP <> 'DELETE' AND NEW.deleted_at IS NULL;
    row_ statuses%ROWTYPE;
    delta integer;
BEGIN
    IF TG_OP = 'DELETE' THEN row_ := OLD; ELSE row_ := NEW; END IF;
    delta := (CASE WHEN is_live THEN 1 ELSE 0 END) - (CASE WHEN was_live THEN 1 ELSE 0 END);
    IF delta = 0 THEN RETURN NULL; END IF;
    IF row_.reblog_of_id IS NULL AND row_.local THEN
        -- Unclamped: see the top of this migration.
        INSERT INTO account_stats AS st (account_id, statuses_count, last_status_at)
        SELECT row_.account_id, delta, CASE WHEN delta > 0 THEN row_.created_at END
         WHERE EXISTS (SELECT 1 FROM accounts a WHERE a.id = row_.account_id)
        ON CONFLICT (account_id) DO UPDATE
           SET statuses_count = st.statuses_count + EXCLUDED.statuses_count,
               last_status_at = greatest(st.last_status_at, EXCLUDED.last_status_at);
    ELSIF row_.reblog_of_id IS NULL THEN
        PERFORM bump_account_stat(row_.account_id, 'statuses_count', delta);
        IF delta > 0 THEN
            UPDATE account_stats SET last_status_at = greatest(last_status_at, row_.created_at)
             WHERE account_id = row_.account_id;
        END IF;
    ELSE
        UPDATE statuses SET reblogs_count = greatest(reblogs_count + delta, 0) WHERE id = row_.reblog_of_id;
    END IF;
    IF row_.in_reply_to_id IS NOT NULL THEN
        UPDATE statuses SET replies_count = greatest(replies_count + delta, 0) WHERE id = row_.in_reply_to_id;
    END IF;
    RETURN NULL;
END $$;
