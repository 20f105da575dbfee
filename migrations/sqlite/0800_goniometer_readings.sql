-- Measurement mode of the therapist's workspace (issue 16): a camera goniometer reading of a held
-- position, taken in clinic from a recorded session and saved as an assessment in the patient's
-- chart. `reading` is the engine's whole reading as JSON (both sides, confidence, warnings), so
-- the chart shows later exactly what the clinician saw when saving it.

CREATE TABLE goniometer_readings (
    id          TEXT PRIMARY KEY NOT NULL,
    patient_id  TEXT NOT NULL,
    session_id  TEXT,
    joint       TEXT NOT NULL,
    reading     TEXT NOT NULL,
    taken_by    TEXT,
    taken_at    TEXT NOT NULL
);

CREATE INDEX idx_goniometer_readings_patient ON goniometer_readings (patient_id, taken_at DESC);
