-- Patient-reported outcome measures (issue 19): the questionnaires a patient fills in on the app
-- (or a clinician in clinic), synced so that every device of the care team charts the same
-- scores, and the plan saying which are asked during the current episode of care. The score is
-- the server's own, by physalign-outcomes' published rules; the device's is never stored.

CREATE TABLE outcome_responses (
    id              UUID PRIMARY KEY,
    patient_id      UUID NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
    instrument      VARCHAR(16) NOT NULL
                    CHECK (instrument IN ('nprs', 'psfs', 'koos_jr', 'hoos_jr', 'odi', 'ndi',
                                          'quickdash')),
    -- The answers in form order, null for an unanswered item.
    answers         JSONB NOT NULL CHECK (jsonb_typeof(answers) = 'array'),
    -- PSFS only: the activities the patient named (an empty array otherwise).
    activities      JSONB NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(activities) = 'array'),
    score           DOUBLE PRECISION NOT NULL,
    max_score       DOUBLE PRECISION NOT NULL CHECK (max_score > 0),
    completed_at    TIMESTAMPTZ NOT NULL,
    entered_by      UUID NOT NULL REFERENCES users(id),
    entered_by_role VARCHAR(20) NOT NULL CHECK (entered_by_role IN ('patient', 'physiotherapist')),
    created_at      TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    CHECK (score >= 0 AND score <= max_score)
);

CREATE INDEX idx_outcome_responses_patient ON outcome_responses (patient_id, completed_at DESC);

-- One plan per patient: its instruments, the intake day and the discharge day once known. The
-- device's time of the change decides between two offline edits (the later one stays).
CREATE TABLE outcome_plans (
    patient_id   UUID PRIMARY KEY REFERENCES patients(id) ON DELETE CASCADE,
    instruments  TEXT[] NOT NULL DEFAULT '{}'
                 CHECK (instruments <@ ARRAY['nprs', 'psfs', 'koos_jr', 'hoos_jr', 'odi', 'ndi',
                                             'quickdash']::TEXT[]),
    started_on   DATE NOT NULL,
    discharge_on DATE CHECK (discharge_on IS NULL OR discharge_on >= started_on),
    updated_at   TIMESTAMPTZ NOT NULL,
    updated_by   UUID NOT NULL REFERENCES users(id)
);
