-- Outbound delivery health per remote host. A host that keeps failing is marked
-- unavailable and tried less often; one success clears it.
CREATE TABLE delivery_hosts (
    host               text PRIMARY KEY,
    consecutive_failures integer     NOT NULL DEFAULT 0,
    first_failure_at   timestamptz,
    last_failure_at    timestamptz,
    last_error         text,
    unavailable_since  timestamptz,
    last_success_at    timestamptz
);
CREATE INDEX delivery_hosts_unavailable_idx ON delivery_hosts (host) WHERE unavailable_since IS NOT NULL;
