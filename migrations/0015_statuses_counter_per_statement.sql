-- New statuses update their counters once per INSERT statement, not once per row: an inbox
-- batch stores many posts in one INSERT, and the row trigger cost three statements per post
-- (one of them a dynamic UPDATE planned afresh each time). Deleting and soft-deleting keep
-- the row trigger of 0003, which now fires for those only.
CREATE FUNCTION statuses_inserted_counter() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO account_stats AS st (account_id, statuses_count, last_status_at)
    SELECT account_id, count(*), max(created_at)
      FROM inserted
     WHERE deleted_at IS NULL AND reblog_of_id IS NULL
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

DROP TRIGGER statuses_counter ON statuses;
CREATE TRIGGER statuses_counter AFTER DELETE OR UPDATE OF deleted_at ON statuses
    FOR EACH ROW EXECUTE FUNCTION statuses_counter();
CREATE TRIGGER statuses_inserted_counter AFTER INSERT ON statuses
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION statuses_inserted_counter();
