-- Schema version 10: the clinic calendar on the device (issue 18).
--
--   * appointments: the therapist's (or, on a patient's device, the patient's own) appointments,
--     pulled from the server or booked, moved, cancelled, recurred and marked no-show here while
--     offline (each change also queued in the outbox with the server version it was made on).
--     `local_start` is the clinic's wall-clock time in `time_zone`; `start_at` the instant (UTC),
--     which orders the calendar. `version` is the server's version the row is based on (0: not on
--     the server yet). `provisional` marks an occurrence of a series set up on this device and
--     not yet created by the server (the server's answer replaces it).
--   * therapy_goals: the patient's goals as the server last sent them.

CREATE TABLE appointments (
    id               TEXT PRIMARY KEY NOT NULL,
    patient_id       TEXT NOT NULL,
    therapist_id     TEXT,
    client_name      TEXT,
    local_start      TEXT NOT NULL,
    time_zone        TEXT NOT NULL,
    start_at         TEXT NOT NULL,
    duration_minutes INTEGER NOT NULL CHECK (duration_minutes BETWEEN 5 AND 480),
    kind             TEXT NOT NULL,
    notes            TEXT,
    status           TEXT NOT NULL,
    series_id        TEXT,
    provisional      INTEGER NOT NULL DEFAULT 0 CHECK (provisional IN (0, 1)),
    preparation      TEXT CHECK (preparation IS NULL OR json_valid(preparation)),
    no_show          TEXT CHECK (no_show IS NULL OR json_valid(no_show)),
    cancel_reason    TEXT,
    session_id       TEXT,
    version          INTEGER NOT NULL DEFAULT 0,
    origin           TEXT NOT NULL CHECK (origin IN ('local', 'pulled')),
    updated_at       TEXT NOT NULL
);
CREATE INDEX idx_appointments_start ON appointments (start_at);
CREATE INDEX idx_appointments_patient ON appointments (patient_id, start_at);

CREATE TABLE therapy_goals (
    id          TEXT PRIMARY KEY NOT NULL,
    patient_id  TEXT NOT NULL,
    goal        TEXT NOT NULL,
    status      TEXT NOT NULL,
    progress    INTEGER NOT NULL CHECK (progress BETWEEN 0 AND 100),
    target_date TEXT,
    record      TEXT NOT NULL CHECK (json_valid(record)),
    fetched_at  TEXT NOT NULL
);
CREATE INDEX idx_therapy_goals_patient ON therapy_goals (patient_id, status);
