-- Camera goniometer readings saved in a patient's chart on a clinician's device (issue 16),
-- synced so that the chart is the same on every device of the care team. The reading is the
-- device engine's document (both sides, confidence, warnings), validated by the API's types
-- before it is stored; the clinician who took it is the authenticated caller.

CREATE TABLE goniometer_readings (
    id          UUID PRIMARY KEY,
    patient_id  UUID NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
    -- No foreign key: the session may reach the server after the reading (a failed upload
    -- retried later); one that is there must be the same patient's (checked on insert).
    session_id  UUID,
    joint       VARCHAR(32) NOT NULL,
    reading     JSONB NOT NULL,
    taken_by    UUID NOT NULL REFERENCES users(id),
    taken_at    TIMESTAMPTZ NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

CREATE INDEX idx_goniometer_readings_patient ON goniometer_readings (patient_id, taken_at DESC);
