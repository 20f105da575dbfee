-- What the recording engine needs to finish a session after a crash: the frame size the
-- landmarks were normalised to (angles depend on the aspect ratio) and whether the recording
-- ended. Schema version 3, applied by Store::open after 0100. IF NOT EXISTS because databases made
-- before version 3 may already hold the table (an earlier build created it on demand).
CREATE TABLE IF NOT EXISTS recordings (
    session_id   TEXT PRIMARY KEY NOT NULL REFERENCES exercise_sessions (id) ON DELETE CASCADE,
    frame_width  INTEGER NOT NULL CHECK (frame_width > 0),
    frame_height INTEGER NOT NULL CHECK (frame_height > 0),
    source_fps   REAL,
    finished     INTEGER NOT NULL DEFAULT 0 CHECK (finished IN (0, 1)),
    updated_at   TEXT NOT NULL
);
