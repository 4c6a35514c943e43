-- Which web processes are saturated now, so that processes without a web side (`commonhold
-- worker`) can hold their verify lane at its floor as a web process's own lane does
-- (unverified/load_signal.py). A saturated web process refreshes its row a few times a
-- second with a time a little ahead; a row whose time has passed says nothing, so a web
-- process that stops or crashes stops the yielding by itself. Unlogged: a few rows rewritten
-- several times a second need no WAL flush, and after a crash an empty table is right.
CREATE UNLOGGED TABLE web_load (
    process text PRIMARY KEY,
    saturated_until timestamptz NOT NULL
);
