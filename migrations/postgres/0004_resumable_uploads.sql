-- Resumable (chunked) uploads, in the spirit of tus and GCS resumable uploads: the bytes live in
-- a staging file under the server's storage directory; this row is the source of truth for how
-- many of them were acknowledged (`received_offset` is only advanced after the chunk is fsynced).
-- `bytes_received`/`chunks_received` count every chunk taken in, acknowledged or refused, so that
-- re-sent bytes are visible to operators and tests.
CREATE TABLE resumable_uploads (
    id              UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    owner_user_id   UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    session_id      UUID NOT NULL REFERENCES exercise_sessions(id) ON DELETE CASCADE,
    kind            VARCHAR(20) NOT NULL CHECK (kind IN ('video', 'pose_data')),
    size_bytes      BIGINT NOT NULL CHECK (size_bytes >= 0),
    sha256          CHAR(64) NOT NULL,
    received_offset BIGINT NOT NULL DEFAULT 0
                    CHECK (received_offset >= 0 AND received_offset <= size_bytes),
    bytes_received  BIGINT NOT NULL DEFAULT 0,
    chunks_received BIGINT NOT NULL DEFAULT 0,
    status          VARCHAR(20) NOT NULL DEFAULT 'open'
                    CHECK (status IN ('open', 'completed', 'failed', 'expired')),
    storage_key     VARCHAR(255),
    created_at      TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    updated_at      TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    expires_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    completed_at    TIMESTAMP WITH TIME ZONE
);

CREATE INDEX idx_resumable_uploads_owner ON resumable_uploads (owner_user_id);
CREATE INDEX idx_resumable_uploads_open_expiry ON resumable_uploads (expires_at)
    WHERE status = 'open';
