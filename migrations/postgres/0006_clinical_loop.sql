-- Issue 15, the clinical loop (server side): program items instead of free-text prescriptions,
-- a session's transcript and clinical notes, alerts for clinicians, pose data in pieces with
-- the per-repetition table and timed form issues.

-- What a clinician prescribes. The prescriber is the creating caller, never a body field.
CREATE TABLE program_items (
    id                 UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    patient_id         UUID NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
    physiotherapist_id UUID NOT NULL REFERENCES physiotherapists(id),
    exercise_id        VARCHAR(100) NOT NULL,
    sets               INTEGER NOT NULL CHECK (sets BETWEEN 1 AND 50),
    reps               INTEGER CHECK (reps BETWEEN 1 AND 500),
    hold_seconds       INTEGER CHECK (hold_seconds BETWEEN 1 AND 3600),
    target_angle_deg   DOUBLE PRECISION CHECK (target_angle_deg BETWEEN 0 AND 360),
    tolerance_deg      DOUBLE PRECISION CHECK (tolerance_deg BETWEEN 0 AND 180),
    side               VARCHAR(10) CHECK (side IN ('left', 'right', 'both', 'each')),
    sessions_per_week  INTEGER NOT NULL CHECK (sessions_per_week BETWEEN 1 AND 21),
    start_date         DATE NOT NULL,
    end_date           DATE CHECK (end_date IS NULL OR end_date >= start_date),
    instructions       TEXT,
    status             VARCHAR(10) NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'ended')),
    ended_at           TIMESTAMP WITH TIME ZONE,
    version            INTEGER NOT NULL DEFAULT 1,
    created_at         TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    updated_at         TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW()
);
CREATE INDEX program_items_patient ON program_items (patient_id, status);

-- A recording done for a program item. ON DELETE SET NULL: items are ended, not deleted, but a
-- patient's erasure must not be blocked by a link.
ALTER TABLE exercise_sessions
    ADD COLUMN program_item_id UUID REFERENCES program_items(id) ON DELETE SET NULL;
CREATE INDEX exercise_sessions_program_item ON exercise_sessions (program_item_id)
    WHERE program_item_id IS NOT NULL;

-- One transcript per session (PUT replaces it).
CREATE TABLE session_transcripts (
    session_id    UUID PRIMARY KEY REFERENCES exercise_sessions(id) ON DELETE CASCADE,
    transcript_id UUID,
    language      VARCHAR(20) NOT NULL,
    text          TEXT NOT NULL,
    segments      JSONB NOT NULL DEFAULT '[]',
    model         VARCHAR(200) NOT NULL,
    audio_seconds DOUBLE PRECISION,
    written_by    UUID REFERENCES users(id) ON DELETE SET NULL,
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    updated_at    TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW()
);

-- One notes document per session (PUT replaces it); `crisis` and the highest pain score are
-- columns so alerts and lists need not open the document.
CREATE TABLE session_notes (
    session_id UUID PRIMARY KEY REFERENCES exercise_sessions(id) ON DELETE CASCADE,
    notes      JSONB NOT NULL,
    crisis     BOOLEAN NOT NULL DEFAULT FALSE,
    max_pain   REAL,
    written_by UUID REFERENCES users(id) ON DELETE SET NULL,
    version    INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW()
);

-- Alerts for the patient's clinicians; at most one of each kind per session, so a re-sent
-- notes document does not raise it twice.
CREATE TABLE clinical_alerts (
    id              UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    patient_id      UUID NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
    session_id      UUID NOT NULL REFERENCES exercise_sessions(id) ON DELETE CASCADE,
    kind            VARCHAR(20) NOT NULL CHECK (kind IN ('crisis', 'high_pain')),
    status          VARCHAR(20) NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'acknowledged')),
    pain_score      REAL,
    body_part       VARCHAR(200),
    summary         TEXT NOT NULL,
    created_at      TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    acknowledged_at TIMESTAMP WITH TIME ZONE,
    acknowledged_by UUID REFERENCES physiotherapists(id) ON DELETE SET NULL,
    UNIQUE (session_id, kind)
);
CREATE INDEX clinical_alerts_patient ON clinical_alerts (patient_id, status);

-- Pose data in pieces: each frame remembers its piece and position, so piece N can be
-- replaced alone and frames read back in recording order.
ALTER TABLE pose_frames
    ADD COLUMN part INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN seq  INTEGER NOT NULL DEFAULT 0;
CREATE INDEX pose_frames_session_order ON pose_frames (session_id, part, seq);

ALTER TABLE exercise_sessions
    ADD COLUMN pose_parts          INTEGER,
    ADD COLUMN pose_parts_received INTEGER[] NOT NULL DEFAULT '{}',
    ADD COLUMN repetitions         JSONB,
    ADD COLUMN timed_form_issues   JSONB;
