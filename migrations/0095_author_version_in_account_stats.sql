-- The home timeline knows an author it keeps in process by the versions of two rows, accounts
-- and account_stats (migration 0093): two index probes per status of every page, about a
-- sixth of the page statement's cost. From here on any change to an accounts row makes a new
-- version of its account_stats row too, in the same transaction, so the author's version is
-- that one row's (list_home_page reads accounts only for an author without account_stats; a
-- status's author has one from its first post on).
--
-- Profile edits, remote actors fetched again, moves and suspensions are the writers: a few a
-- minute, against hundreds of pages a second. Touching sets a counter to itself: a HOT update,
-- no index written. The row already written by the change's own transaction is left alone.
CREATE FUNCTION touch_account_stats_of_accounts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE account_stats st SET statuses_count = st.statuses_count
      FROM new_rows n
     WHERE st.account_id = n.id AND NOT st.xmin = pg_current_xact_id()::xid;
    RETURN NULL;
END $$;

CREATE TRIGGER accounts_version_stats AFTER UPDATE ON accounts
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION touch_account_stats_of_accounts();
