-- name: get_delivery_host
-- $1 host
SELECT host, consecutive_failures, first_failure_at, last_failure_at, last_error,
       unavailable_since, last_success_at
  FROM delivery_hosts WHERE host = $1;

-- name: get_delivery_context
-- What a delivery needs before it POSTs, in one round trip: the local sender's key (NULLs
-- when the account is gone) and the target host's health (NULLs when never seen).
-- $1 sender account id, $2 host
SELECT a.private_key_pem, a.public_key_id,
       h.host, h.consecutive_failures, h.first_failure_at, h.last_failure_at, h.last_error,
       h.unavailable_since, h.last_success_at
  FROM (SELECT 1) AS one
  LEFT JOIN accounts a ON a.id = $1 AND a.domain IS NULL
  LEFT JOIN delivery_hosts h ON h.host = $2;

-- name: record_delivery_success
-- $1 host, $2 now
INSERT INTO delivery_hosts (host, last_success_at) VALUES ($1, $2)
ON CONFLICT (host) DO UPDATE SET consecutive_failures = 0, first_failure_at = NULL,
    last_error = NULL, unavailable_since = NULL, last_success_at = EXCLUDED.last_success_at
WHERE delivery_hosts.consecutive_failures > 0 OR delivery_hosts.last_success_at IS NULL
   OR delivery_hosts.last_success_at < EXCLUDED.last_success_at - interval '1 minute';

-- name: record_delivery_failure
-- A host becomes unavailable after $4 consecutive failures spread over at least $5.
-- $1 host, $2 now, $3 error, $4 failures threshold, $5 minimum span
INSERT INTO delivery_hosts (host, consecutive_failures, first_failure_at, last_failure_at, last_error)
VALUES ($1, 1, $2, $2, $3)
ON CONFLICT (host) DO UPDATE SET
    consecutive_failures = delivery_hosts.consecutive_failures + 1,
    first_failure_at = coalesce(delivery_hosts.first_failure_at, EXCLUDED.first_failure_at),
    last_failure_at = EXCLUDED.last_failure_at,
    last_error = EXCLUDED.last_error,
    unavailable_since = CASE
        WHEN delivery_hosts.unavailable_since IS NOT NULL THEN delivery_hosts.unavailable_since
        WHEN delivery_hosts.consecutive_failures + 1 >= $4
         AND EXCLUDED.last_failure_at - coalesce(delivery_hosts.first_failure_at, EXCLUDED.first_failure_at) >= $5::interval
        THEN EXCLUDED.last_failure_at END
RETURNING consecutive_failures, unavailable_since;

-- name: list_unavailable_hosts
SELECT host, unavailable_since, consecutive_failures, last_error
  FROM delivery_hosts WHERE unavailable_since IS NOT NULL ORDER BY host;
