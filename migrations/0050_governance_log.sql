-- Governance, part 1: the decision log and the guard shared by every append-only table.

-- Append-only tables call this from BEFORE UPDATE/DELETE/TRUNCATE triggers. Changing
-- history then takes a deliberate act by a superuser (disabling the trigger), and the
-- hash chain of the decision log shows it afterwards.
CREATE FUNCTION governance_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: rows are never changed or removed', TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$;

-- Each entry carries the hash of the one before it (server/governance/log/chain.py).
-- recorded_at is kept as the exact text that was hashed, so re-reading never re-formats it.
CREATE TABLE decision_log (
    seq          bigint PRIMARY KEY CHECK (seq >= 1),
    prev_hash    text   NOT NULL UNIQUE CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
    kind         text   NOT NULL CHECK (kind <> ''),
    recorded_at  text   NOT NULL,
    body         jsonb  NOT NULL,
    hash         text   NOT NULL UNIQUE CHECK (hash ~ '^[0-9a-f]{64}$')
);
CREATE INDEX decision_log_kind_idx ON decision_log (kind, seq);

CREATE TRIGGER decision_log_append_only BEFORE UPDATE OR DELETE ON decision_log
    FOR EACH ROW EXECUTE FUNCTION governance_refuse_change();
CREATE TRIGGER decision_log_no_truncate BEFORE TRUNCATE ON decision_log
    FOR EACH STATEMENT EXECUTE FUNCTION governance_refuse_change();
