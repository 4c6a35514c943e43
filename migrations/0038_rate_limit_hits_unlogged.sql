-- Rate-limit counters are written on every client API request. As a logged table each of
-- those writes waits for a WAL flush at commit; unlogged, they do not. The price is that
-- PostgreSQL empties the table after a crash, so the current windows start again from zero:
-- for counters of the last few minutes that is acceptable.
ALTER TABLE rate_limit_hits SET UNLOGGED;
