-- PhysAlign on-device store, schema version 1.
--
-- Modelled on seed 003's PostgreSQL schema, adapted to SQLite:
--   * ids are client-generated UUIDs stored as lowercase hyphenated TEXT, so a row keeps its id
--     when the sync worker uploads it;
--   * timestamps are UTC RFC 3339 TEXT with exactly nine fractional digits, so text order is time order;
--   * JSON columns are TEXT checked with json_valid();
--   * landmark lists are a compact little-endian BLOB (see physalign-store's landmark_codec) or,
--     for rows written by older or debugging writers, seed-003 JSON TEXT. Readers accept both.
-- Applied inside one IMMEDIATE transaction together with `PRAGMA user_version = 1`.

CREATE TABLE exercise_sessions (
    id                 TEXT PRIMARY KEY NOT NULL,
    patient_id         TEXT,
    exercise_id        TEXT NOT NULL,
    source             TEXT NOT NULL,
    status             TEXT NOT NULL DEFAULT 'recording'
                       CHECK (status IN ('pending', 'recording', 'processing', 'review_pending',
                                         'reviewed', 'completed')),
    started_at         TEXT NOT NULL,
    ended_at           TEXT,
    duration_seconds   REAL,
    summary_statistics TEXT CHECK (summary_statistics IS NULL OR json_valid(summary_statistics)),
    pose_data          TEXT CHECK (pose_data IS NULL OR json_valid(pose_data)),
    report             TEXT CHECK (report IS NULL OR json_valid(report)),
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    -- Bumped on every local change; the sync worker sends it for optimistic conflict checks.
    version            INTEGER NOT NULL DEFAULT 1
);

CREATE INDEX idx_exercise_sessions_started ON exercise_sessions (started_at DESC);
CREATE INDEX idx_exercise_sessions_patient_started ON exercise_sessions (patient_id, started_at DESC);

CREATE TABLE pose_frames (
    id                TEXT PRIMARY KEY NOT NULL,
    session_id        TEXT NOT NULL REFERENCES exercise_sessions (id) ON DELETE CASCADE,
    frame_number      INTEGER NOT NULL,
    timestamp_ms      INTEGER NOT NULL,
    landmarks         BLOB NOT NULL,
    world_landmarks   BLOB NOT NULL,
    calculated_angles TEXT NOT NULL CHECK (json_valid(calculated_angles)),
    quality_score     REAL NOT NULL CHECK (quality_score >= 0 AND quality_score <= 1),
    form_issues       TEXT NOT NULL CHECK (json_valid(form_issues)),
    UNIQUE (session_id, frame_number)
);

CREATE INDEX idx_pose_frames_session_timestamp ON pose_frames (session_id, timestamp_ms);

CREATE TABLE repetitions (
    id            TEXT PRIMARY KEY NOT NULL,
    session_id    TEXT NOT NULL REFERENCES exercise_sessions (id) ON DELETE CASCADE,
    rep_index     INTEGER NOT NULL CHECK (rep_index >= 0),
    start_ms      INTEGER NOT NULL,
    end_ms        INTEGER NOT NULL,
    min_angle     REAL NOT NULL,
    max_angle     REAL NOT NULL,
    eccentric_ms  INTEGER NOT NULL,
    concentric_ms INTEGER NOT NULL,
    symmetry      REAL,
    partial       INTEGER NOT NULL CHECK (partial IN (0, 1)),
    form_issues   TEXT NOT NULL CHECK (json_valid(form_issues)),
    UNIQUE (session_id, rep_index)
);

CREATE TABLE form_issue_events (
    id           TEXT PRIMARY KEY NOT NULL,
    session_id   TEXT NOT NULL REFERENCES exercise_sessions (id) ON DELETE CASCADE,
    seq          INTEGER NOT NULL,
    timestamp_ms INTEGER NOT NULL,
    issue_type   TEXT NOT NULL,
    joint        TEXT NOT NULL,
    message      TEXT NOT NULL,
    severity     TEXT NOT NULL CHECK (severity IN ('LOW', 'MEDIUM', 'HIGH')),
    UNIQUE (session_id, seq)
);

CREATE TABLE transcripts (
    id            TEXT PRIMARY KEY NOT NULL,
    session_id    TEXT REFERENCES exercise_sessions (id) ON DELETE SET NULL,
    text          TEXT NOT NULL,
    model         TEXT NOT NULL,
    audio_seconds REAL NOT NULL,
    language      TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1
);

CREATE INDEX idx_transcripts_session ON transcripts (session_id);

CREATE TABLE transcript_segments (
    id            TEXT PRIMARY KEY NOT NULL,
    transcript_id TEXT NOT NULL REFERENCES transcripts (id) ON DELETE CASCADE,
    seq           INTEGER NOT NULL,
    start_ms      INTEGER NOT NULL,
    end_ms        INTEGER NOT NULL,
    text          TEXT NOT NULL,
    confidence    REAL,
    speaker       TEXT,
    UNIQUE (transcript_id, seq)
);

CREATE TABLE clinical_notes (
    id            TEXT PRIMARY KEY NOT NULL,
    transcript_id TEXT NOT NULL UNIQUE REFERENCES transcripts (id) ON DELETE CASCADE,
    notes         TEXT NOT NULL CHECK (json_valid(notes)),
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1
);

-- Transactional outbox: every business write enqueues its upload in the same transaction.
-- `id` gives the global enqueue order; entries of one entity are delivered strictly in that order.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    entity_type     TEXT NOT NULL,
    entity_id       TEXT NOT NULL,
    operation       TEXT NOT NULL,
    payload         TEXT NOT NULL CHECK (json_valid(payload)),
    idempotency_key TEXT NOT NULL UNIQUE,
    created_at      TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'failed', 'done')),
    last_error      TEXT
);

CREATE INDEX idx_outbox_status_next ON outbox (status, next_attempt_at);
CREATE INDEX idx_outbox_entity ON outbox (entity_type, entity_id, id);
