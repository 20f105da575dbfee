-- Issue 19, seed 002's transcript retention on the device. A session's transcript is purged 90
-- days after the session unless saved, and can be deleted on request; the server applies the
-- same rule and each side tells the other. Removing one empties its text and drops its segments
-- (the clinical notes drawn from it stay: they are the clinical record); this row remembers why
-- it is gone and whether it was saved.
CREATE TABLE transcript_retention (
    session_id  TEXT PRIMARY KEY NOT NULL REFERENCES exercise_sessions (id) ON DELETE CASCADE,
    saved       INTEGER NOT NULL DEFAULT 0 CHECK (saved IN (0, 1)),
    -- With `saved`: when it is purged after all (NULL: kept indefinitely).
    saved_until TEXT,
    removed     TEXT CHECK (removed IN ('purged', 'deleted')),
    removed_at  TEXT,
    CHECK (removed IS NULL OR removed_at IS NOT NULL)
);
