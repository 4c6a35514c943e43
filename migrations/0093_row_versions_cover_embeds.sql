-- The home timeline keeps statuses and their authors in each web process by the versions of
-- their rows (xmin, server/api/statusviews/queries.sql list_home_page), and asked PostgreSQL
-- on every page for everything else a status shows: its attachments, mentions, hashtags,
-- whether it has a poll or a preview card, its application, and its author's role. Reading
-- those per page was about a third of the page statement's cost, for data that changes
-- almost never after the post is written. From here on a change to any of them makes a new
-- version of the row they belong to, in the same transaction, so a process that holds the
-- row at its version holds them too, and reads them again only with the row.
--
-- The row written by the change's own transaction already has a new version (posting, an
-- edit, a remote Update write the status and its attachments, mentions and tags together):
-- it is left alone. What is touched is the rest: a preview card found after the post, a role
-- given to its author, a remote media attachment described later, a tag removed by a
-- moderator. Touching sets a column to itself: a HOT update, no index written, and no
-- trigger of statuses fires (theirs are on deleted_at and on DELETE).
-- A mentioned account's name and address are read with the status and are not watched: they
-- are kept until the status changes, as the status's own text is.

-- Statement-level, with the changed rows as transition tables: one call per statement, and
-- nothing but a look at them when they hold no status (an upload not yet attached). Each
-- branch reads only the tables its event has (plpgsql plans a statement when it first runs).
CREATE FUNCTION touch_statuses_of_rows() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        ids := ARRAY(SELECT status_id FROM new_rows);
    ELSIF TG_OP = 'DELETE' THEN
        ids := ARRAY(SELECT status_id FROM old_rows);
    ELSE
        ids := ARRAY(SELECT status_id FROM new_rows UNION ALL SELECT status_id FROM old_rows);
    END IF;
    UPDATE statuses s SET updated_at = s.updated_at
     WHERE s.id = ANY(ids) AND NOT s.xmin = pg_current_xact_id()::xid;
    RETURN NULL;
END $$;

-- On attachments (attached, detached, described, processed, removed), mentions, hashtags and
-- card links, every change; on polls, only their coming and going (votes and closing change
-- the poll's own row, which pages read apart); the same three triggers on each.
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['media_attachments', 'mentions', 'status_tags',
                             'preview_cards_statuses', 'polls'] LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS new_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION touch_statuses_of_rows()',
                       t || '_version_status_ins', t);
        EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS old_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION touch_statuses_of_rows()',
                       t || '_version_status_del', t);
        CONTINUE WHEN t = 'polls';
        EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I '
                       'REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION touch_statuses_of_rows()',
                       t || '_version_status_upd', t);
    END LOOP;
END $$;

-- An application's name and website, shown on the statuses posted with it. Nothing here
-- renames an application (nor does Mastodon's API); an operator's UPDATE still counts. There
-- is no index on statuses.application_id: such an UPDATE reads the whole table, once.
CREATE FUNCTION touch_statuses_of_applications() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE statuses s SET updated_at = s.updated_at
      FROM new_rows n JOIN old_rows o ON o.id = n.id
     WHERE s.application_id = n.id
       AND (n.name IS DISTINCT FROM o.name OR n.website IS DISTINCT FROM o.website);
    RETURN NULL;
END $$;

CREATE TRIGGER oauth_applications_version_statuses AFTER UPDATE ON oauth_applications
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION touch_statuses_of_applications();

-- The author's role and hidden collections come from users: a change makes a new version of
-- the accounts row, so an author is known by its accounts and account_stats rows alone.
CREATE FUNCTION touch_accounts_of_users() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE accounts a SET updated_at = a.updated_at
     WHERE a.id = NEW.account_id AND NOT a.xmin = pg_current_xact_id()::xid;
    RETURN NULL;
END $$;

CREATE TRIGGER users_version_account_ins AFTER INSERT ON users
    FOR EACH ROW EXECUTE FUNCTION touch_accounts_of_users();
CREATE TRIGGER users_version_account_upd AFTER UPDATE OF role, hide_collections, account_id
    ON users FOR EACH ROW
    WHEN (OLD.role IS DISTINCT FROM NEW.role
          OR OLD.hide_collections IS DISTINCT FROM NEW.hide_collections
          OR OLD.account_id IS DISTINCT FROM NEW.account_id)
    EXECUTE FUNCTION touch_accounts_of_users();
