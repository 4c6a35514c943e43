-- Web processes keep verified tokens in memory for a few seconds (server/api/auth.py) and
-- forget all of them when told on this channel: a revoked token, a disabled or unapproved
-- user, a changed role or an application's changed scopes stop counting in every process as
-- soon as the change commits, not when the copies expire. Statement-level: one notice per
-- statement, and PostgreSQL folds identical notices of one transaction into one. Only the
-- columns a token lookup reads fire it (sign-in times are written all the time).
CREATE FUNCTION notify_token_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('commonhold_tokens', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER oauth_access_tokens_changed
    AFTER UPDATE OF revoked_at, scopes, user_id, application_id OR DELETE ON oauth_access_tokens
    FOR EACH STATEMENT EXECUTE FUNCTION notify_token_change();

CREATE TRIGGER oauth_applications_changed
    AFTER UPDATE OF name, website, redirect_uris, scopes OR DELETE ON oauth_applications
    FOR EACH STATEMENT EXECUTE FUNCTION notify_token_change();

CREATE TRIGGER users_token_fields_changed
    AFTER UPDATE OF account_id, role, approved, disabled OR DELETE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION notify_token_change();
