-- Issue 19, seed 002's transcript retention. A transcript is purged 90 days after its session
-- unless saved; it can be deleted on request. Removing one empties its text and segments and
-- keeps the row as the record of the removal, so a late upload of the same transcript from a
-- device cannot bring it back and every device learns why it is gone.
ALTER TABLE session_transcripts
    ADD COLUMN saved BOOLEAN NOT NULL DEFAULT FALSE,
    -- With `saved`: when it is purged after all (NULL: kept indefinitely).
    ADD COLUMN saved_until TIMESTAMP WITH TIME ZONE,
    ADD COLUMN removed VARCHAR(20) CHECK (removed IN ('purged', 'deleted')),
    ADD COLUMN removed_at TIMESTAMP WITH TIME ZONE,
    ADD COLUMN removed_by UUID REFERENCES users(id) ON DELETE SET NULL,
    ADD CONSTRAINT session_transcripts_removed_is_empty
        CHECK (removed IS NULL OR (text = '' AND segments = '[]'::jsonb AND removed_at IS NOT NULL));

-- The purge looks for transcripts still there.
CREATE INDEX idx_session_transcripts_kept ON session_transcripts (session_id) WHERE removed IS NULL;
