-- Issue 18 (seed 001), a client's clinical record and in-clinic sessions: medical history with
-- every change kept, therapy goals (optionally tied to a measurable target), session templates,
-- and the clinic side of a session (how it started, progress during it).

-- The current medical history of a client; absent until the first change (reads fall back to
-- the conditions and medications on the patient record).
CREATE TABLE medical_histories (
    patient_id               UUID PRIMARY KEY REFERENCES patients(id) ON DELETE CASCADE,
    current_medications      TEXT[] NOT NULL DEFAULT '{}',
    allergies                TEXT[] NOT NULL DEFAULT '{}',
    previous_therapy         BOOLEAN NOT NULL DEFAULT FALSE,
    previous_therapy_details TEXT,
    medical_conditions       TEXT[] NOT NULL DEFAULT '{}',
    hospitalizations         TEXT[] NOT NULL DEFAULT '{}',
    version                  INTEGER NOT NULL DEFAULT 1,
    updated_by               UUID REFERENCES users(id) ON DELETE SET NULL,
    updated_at               TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW()
);

-- Every change of a medical history: who, when, the document before and after.
CREATE TABLE medical_history_changes (
    id         UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    patient_id UUID NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
    changed_by UUID REFERENCES users(id) ON DELETE SET NULL,
    changed_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
    before     JSONB,
    after      JSONB NOT NULL,
    version    INTEGER NOT NULL
);
CREATE INDEX medical_history_changes_patient ON medical_history_changes (patient_id, changed_at);

CREATE TABLE therapy_goals (
    id                 UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    patient_id         UUID NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
    physiotherapist_id UUID REFERENCES physiotherapists(id) ON DELETE SET NULL,
    goal               TEXT NOT NULL,
    status             VARCHAR(10) NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'completed', 'paused')),
    progress           SMALLINT NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    target_date        DATE,
    target             JSONB,
    version            INTEGER NOT NULL DEFAULT 1,
    created_at         TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    updated_at         TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW()
);
CREATE INDEX therapy_goals_patient ON therapy_goals (patient_id, status);

CREATE TABLE session_templates (
    id                 UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    physiotherapist_id UUID NOT NULL REFERENCES physiotherapists(id) ON DELETE CASCADE,
    name               VARCHAR(200) NOT NULL,
    kind               VARCHAR(30) NOT NULL CHECK (kind IN
                           ('initial_assessment', 'follow_up', 'treatment', 'reassessment', 'telehealth')),
    default_goals      TEXT[] NOT NULL DEFAULT '{}',
    common_techniques  TEXT[] NOT NULL DEFAULT '{}',
    duration_minutes   INTEGER NOT NULL CHECK (duration_minutes BETWEEN 5 AND 480),
    program_items      JSONB NOT NULL DEFAULT '[]',
    version            INTEGER NOT NULL DEFAULT 1,
    created_at         TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    updated_at         TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW()
);
CREATE INDEX session_templates_therapist ON session_templates (physiotherapist_id, name);

-- The clinic side of a session: one row per session started in clinic or given progress.
CREATE TABLE session_clinic_progress (
    session_id            UUID PRIMARY KEY REFERENCES exercise_sessions(id) ON DELETE CASCADE,
    appointment_id        UUID REFERENCES appointments(id) ON DELETE SET NULL,
    template_id           UUID REFERENCES session_templates(id) ON DELETE SET NULL,
    mood_start            DOUBLE PRECISION CHECK (mood_start BETWEEN 0 AND 10),
    mood_end              DOUBLE PRECISION CHECK (mood_end BETWEEN 0 AND 10),
    session_goals         TEXT[] NOT NULL DEFAULT '{}',
    client_concerns       TEXT,
    progress_notes        TEXT,
    goals_discussed       TEXT,
    techniques_used       TEXT[] NOT NULL DEFAULT '{}',
    interventions_applied TEXT[] NOT NULL DEFAULT '{}',
    homework_assigned     TEXT,
    updated_by            UUID REFERENCES users(id) ON DELETE SET NULL,
    created_at            TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    updated_at            TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW()
);
CREATE UNIQUE INDEX session_clinic_progress_appointment ON session_clinic_progress (appointment_id)
    WHERE appointment_id IS NOT NULL;
