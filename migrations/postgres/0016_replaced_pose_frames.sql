-- Issue 17, integrity: frames a new upload replaces are kept, not deleted, so that a session's
-- measured data can always be traced to what each upload held. Rows move here unchanged (their
-- ids stay unique) in the transaction that stores the new frames; they go with their session.
CREATE TABLE pose_frames_replaced (
    id                  UUID PRIMARY KEY,
    session_id          UUID NOT NULL REFERENCES exercise_sessions(id) ON DELETE CASCADE,
    part                INTEGER NOT NULL,
    seq                 INTEGER NOT NULL,
    frame_number        INTEGER,
    timestamp_ms        BIGINT NOT NULL,
    landmarks           JSONB NOT NULL,
    calculated_angles   JSONB,
    quality_score       DECIMAL(3,2),
    form_issues         JSONB,
    processing_metadata JSONB,
    created_at          TIMESTAMP WITH TIME ZONE NOT NULL,
    replaced_at         TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW()
);
CREATE INDEX pose_frames_replaced_session ON pose_frames_replaced (session_id, replaced_at);
