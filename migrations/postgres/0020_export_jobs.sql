-- Issue 19, seed 004's export jobs: a clinician's request for a session note or a progress
-- report, written in the background by whichever replica claims it first, its PDF kept in the
-- blob store for 7 days. A deleted job keeps its row (without file): the hourly limit counts it
-- and the access log's rows still name it.
CREATE TABLE export_jobs (
    id            UUID PRIMARY KEY,
    requested_by  UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind          VARCHAR(20) NOT NULL CHECK (kind IN ('session_notes', 'progress_report')),
    format        VARCHAR(10) NOT NULL CHECK (format IN ('pdf')),
    status        VARCHAR(20) NOT NULL DEFAULT 'queued'
                  CHECK (status IN ('queued', 'processing', 'completed', 'failed', 'expired')),
    patient_id    UUID NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
    session_id    UUID,
    period_from   DATE,
    period_to     DATE,
    attempts      INTEGER NOT NULL DEFAULT 0,
    -- When a replica took it; a claim older than the stale limit is taken over (its replica died).
    claimed_at    TIMESTAMP WITH TIME ZONE,
    completed_at  TIMESTAMP WITH TIME ZONE,
    expires_at    TIMESTAMP WITH TIME ZONE,
    storage_key   VARCHAR(255),
    size_bytes    BIGINT,
    sha256        CHAR(64),
    file_name     VARCHAR(200),
    error         TEXT,
    deleted_at    TIMESTAMP WITH TIME ZONE,
    created_at    TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    CHECK ((kind = 'session_notes') = (session_id IS NOT NULL)),
    CHECK ((kind = 'progress_report') = (period_from IS NOT NULL AND period_to IS NOT NULL))
);
CREATE INDEX export_jobs_requester ON export_jobs (requested_by, created_at DESC);
CREATE INDEX export_jobs_waiting ON export_jobs (created_at)
    WHERE status IN ('queued', 'processing') AND deleted_at IS NULL;
CREATE INDEX export_jobs_expiring ON export_jobs (expires_at)
    WHERE status = 'completed' AND deleted_at IS NULL;

-- The written file, beside its job: every replica reads it, a patient's erasure removes it
-- with the job, and the clean-up deletes it when the job expires. Reports are small (tens to
-- hundreds of kilobytes).
CREATE TABLE export_files (
    job_id  UUID PRIMARY KEY REFERENCES export_jobs(id) ON DELETE CASCADE,
    content BYTEA NOT NULL
);
