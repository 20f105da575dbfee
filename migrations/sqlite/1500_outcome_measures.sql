-- Schema version 15, issue 19's outcome measures: the questionnaires (NPRS, PSFS, KOOS JR,
-- HOOS JR, ODI, NDI, QuickDASH) a patient filled in on this device or a clinician entered in
-- clinic, and each patient's plan (which instruments, intake day, discharge day) from which the
-- schedule (intake, every 30 days, discharge) follows.
--
--   * outcome_responses: answered once, never changed. `origin` says whether it was taken here
--     (queued for upload in the same transaction) or pulled from another device of the care
--     team; `score` is this device's scoring by the published rules, kept so that a chart of
--     many questionnaires is read without rescoring them.
--   * outcome_plans: one per patient; the later `updated_at` wins between this device's edit and
--     a pulled one (the server applies the same rule).

CREATE TABLE outcome_responses (
    id               TEXT PRIMARY KEY NOT NULL,
    patient_id       TEXT NOT NULL,
    instrument       TEXT NOT NULL,
    answers          TEXT NOT NULL CHECK (json_valid(answers)),
    activities       TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(activities)),
    score            REAL NOT NULL,
    max_score        REAL NOT NULL,
    completed_at     TEXT NOT NULL,
    respondent       TEXT NOT NULL CHECK (respondent IN ('patient', 'clinician')),
    entered_by       TEXT,
    origin           TEXT NOT NULL CHECK (origin IN ('local', 'pulled'))
);
CREATE INDEX idx_outcome_responses_patient ON outcome_responses (patient_id, instrument, completed_at);

CREATE TABLE outcome_plans (
    patient_id    TEXT PRIMARY KEY NOT NULL,
    instruments   TEXT NOT NULL CHECK (json_valid(instruments)),
    started_on    TEXT NOT NULL,
    discharge_on  TEXT CHECK (discharge_on IS NULL OR discharge_on >= started_on),
    updated_at    TEXT NOT NULL,
    updated_by    TEXT,
    origin        TEXT NOT NULL CHECK (origin IN ('local', 'pulled'))
);
