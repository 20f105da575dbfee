-- Schema version 5: the clinical loop (issue 15) on the device.
--
--   * outbox.owner_user_id: the identity (server user id) that created an entry. Only entries of
--     the signed-in identity are delivered; another identity's wait until it signs in again.
--     NULL: created while nobody was signed in (adopted by the next sign-in of the identity that
--     used the device last, or of the first identity ever).
--   * exercise_sessions.origin: 'local' (recorded here) or 'pulled' (a session the server holds,
--     e.g. a patient's home session on their therapist's device). Pulled rows, their frames,
--     repetitions, transcripts and notes are server-derived and cleared on an identity change.
--   * exercise_sessions.program_item_id: the program item a recording was made for.
--   * exercise_sessions.created_by: the identity signed in when the session was recorded.
--   * program_items, session_reviews, clinical_alerts, care_patients: what the loop pulls (and,
--     for program items and reviews, what a clinician creates offline).
--   * consent_settings: what of a session the patient shares; raw audio never leaves the device.

ALTER TABLE outbox ADD COLUMN owner_user_id TEXT;
UPDATE outbox SET owner_user_id = (SELECT user_id FROM sync_identity WHERE id = 1);
CREATE INDEX idx_outbox_owner ON outbox (owner_user_id, status, next_attempt_at);

ALTER TABLE exercise_sessions ADD COLUMN origin TEXT NOT NULL DEFAULT 'local'
    CHECK (origin IN ('local', 'pulled'));
ALTER TABLE exercise_sessions ADD COLUMN program_item_id TEXT;
ALTER TABLE exercise_sessions ADD COLUMN created_by TEXT;
CREATE INDEX idx_exercise_sessions_program_item ON exercise_sessions (program_item_id, started_at);

CREATE TABLE program_items (
    id              TEXT PRIMARY KEY NOT NULL,
    patient_id      TEXT NOT NULL,
    exercise_id     TEXT NOT NULL,
    sets            INTEGER,
    reps            INTEGER,
    hold_seconds    INTEGER,
    target_angle    REAL,
    tolerance       REAL,
    side            TEXT,
    per_week        INTEGER,
    start_date      TEXT,
    end_date        TEXT,
    instructions    TEXT,
    status          TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'ended')),
    origin          TEXT NOT NULL CHECK (origin IN ('local', 'pulled')),
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX idx_program_items_patient ON program_items (patient_id, status);

CREATE TABLE session_reviews (
    id                TEXT PRIMARY KEY NOT NULL,
    session_id        TEXT NOT NULL,
    physiotherapist_id TEXT,
    assessment        TEXT NOT NULL,
    notes             TEXT,
    next_steps        TEXT CHECK (next_steps IS NULL OR json_valid(next_steps)),
    reviewed_at       TEXT NOT NULL,
    origin            TEXT NOT NULL CHECK (origin IN ('local', 'pulled')),
    record            TEXT NOT NULL CHECK (json_valid(record))
);
CREATE INDEX idx_session_reviews_session ON session_reviews (session_id, reviewed_at DESC);

-- Reviews written here before this version are shown with their sessions too.
INSERT OR IGNORE INTO session_reviews (id, session_id, assessment, notes, next_steps,
                                       reviewed_at, origin, record)
SELECT id, session_id, coalesce(json_extract(request, '$.overall_assessment'), 'UNKNOWN'),
       json_extract(request, '$.notes'), NULL, created_at, 'local', request
  FROM offline_reviews;

CREATE TABLE clinical_alerts (
    id              TEXT PRIMARY KEY NOT NULL,
    patient_id      TEXT,
    session_id      TEXT,
    kind            TEXT NOT NULL,
    message         TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    acknowledged_at TEXT,
    record          TEXT NOT NULL CHECK (json_valid(record))
);
CREATE INDEX idx_clinical_alerts_patient ON clinical_alerts (patient_id, acknowledged_at);

CREATE TABLE care_patients (
    patient_id    TEXT PRIMARY KEY NOT NULL,
    first_name    TEXT NOT NULL DEFAULT '',
    last_name     TEXT NOT NULL DEFAULT '',
    email         TEXT,
    record        TEXT NOT NULL CHECK (json_valid(record)),
    fetched_at    TEXT NOT NULL
);

CREATE TABLE consent_settings (
    id                 INTEGER PRIMARY KEY CHECK (id = 1),
    share_notes        INTEGER NOT NULL DEFAULT 1 CHECK (share_notes IN (0, 1)),
    share_transcript   INTEGER NOT NULL DEFAULT 1 CHECK (share_transcript IN (0, 1)),
    -- Raw audio never leaves the device: the column exists so the rule is visible and enforced.
    share_audio        INTEGER NOT NULL DEFAULT 0 CHECK (share_audio = 0),
    updated_at         TEXT NOT NULL
);
