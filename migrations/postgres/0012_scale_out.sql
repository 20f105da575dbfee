-- Issue 20, scale-out: what used to live in one server process now lives here, so that any
-- number of replicas behind a load balancer share it.

-- Rate-limit counters of every replica, one row per limit and key, in fixed windows aligned on
-- the database clock. `key_hash` is a keyed 64-bit hash of the key (an account, an address): no
-- e-mail or address is stored. UNLOGGED: counters need no crash safety, and skipping the WAL
-- keeps the write each request makes cheap.
CREATE UNLOGGED TABLE rate_limit_counters (
    limiter      VARCHAR(20) NOT NULL
                 CHECK (limiter IN ('requests', 'anonymous', 'failed_logins', 'address_failures')),
    key_hash     BIGINT NOT NULL,
    window_start TIMESTAMP WITH TIME ZONE NOT NULL,
    hits         INTEGER NOT NULL CHECK (hits >= 0),
    PRIMARY KEY (limiter, key_hash)
);
CREATE INDEX rate_limit_counters_window ON rate_limit_counters (window_start);

-- The chunks of resumable uploads staged as objects in shared object storage: the acknowledged
-- ones, in order, written in the transaction that advances the upload's offset. Objects of
-- attempts that were never acknowledged are not listed and go with the upload's prefix.
CREATE TABLE resumable_upload_chunks (
    upload_id    UUID NOT NULL REFERENCES resumable_uploads(id) ON DELETE CASCADE,
    start_offset BIGINT NOT NULL CHECK (start_offset >= 0),
    size_bytes   BIGINT NOT NULL CHECK (size_bytes > 0),
    object_key   VARCHAR(255) NOT NULL,
    PRIMARY KEY (upload_id, start_offset)
);

-- Scheduled jobs: the last slot (the Unix time divided by the job's interval) claimed, so that
-- each slot runs on exactly one replica however many tick.
CREATE TABLE scheduled_job_runs (
    job              VARCHAR(40) PRIMARY KEY,
    last_slot        BIGINT NOT NULL,
    runs             BIGINT NOT NULL DEFAULT 1,
    last_started_at  TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    last_finished_at TIMESTAMP WITH TIME ZONE
);
