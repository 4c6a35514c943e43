-- home_feed is a cache derived from follows and statuses, written ten thousand rows at a time
-- by a large fan-out. Its two foreign keys made PostgreSQL look up the account and the status
-- for every row written, about half the cost of such a fan-out (bench/micro/pg.py), to guard
-- against rows no writer can produce: both writers select the status they insert, and the
-- account from follows or accounts.
ALTER TABLE home_feed DROP CONSTRAINT home_feed_account_id_fkey,
                      DROP CONSTRAINT home_feed_status_id_fkey;

-- What the keys' ON DELETE CASCADE did, kept for the rare hard deletes (a rejected
-- registration's account, and the statuses going with a deleted account). Tombstoned
-- statuses, unfollows and blocks remove their rows through their jobs as before, and readers
-- join statuses, so a row whose status is gone is never shown. Statement-level, and nothing
-- at all when the statement deleted no rows: a cascade fires these once per parent row.
CREATE FUNCTION home_feed_drop_owners() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM gone) THEN
        DELETE FROM home_feed h USING gone g WHERE h.account_id = g.id;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER accounts_leave_home_feeds AFTER DELETE ON accounts
    REFERENCING OLD TABLE AS gone
    FOR EACH STATEMENT EXECUTE FUNCTION home_feed_drop_owners();

CREATE FUNCTION home_feed_drop_statuses() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM gone) THEN
        DELETE FROM home_feed h USING gone g WHERE h.status_id = g.id;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER statuses_leave_home_feeds AFTER DELETE ON statuses
    REFERENCING OLD TABLE AS gone
    FOR EACH STATEMENT EXECUTE FUNCTION home_feed_drop_statuses();
