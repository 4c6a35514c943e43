-- The verify jobs' own ready index. Their worker claims only them, and under load the
-- inbox's processing jobs queue by the thousand ahead of them in jobs_ready_idx: a claim
-- walking that index stepped over all of them (about 9 ms at 30,000). Partial on the kind,
-- so storing any other job costs nothing more.
CREATE INDEX jobs_ready_verify_idx ON jobs (run_at, id)
    WHERE state = 'ready' AND kind = 'federation.verify_inbox_item';
