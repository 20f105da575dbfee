-- Issue 18 (seed 001), appointments: the clinic calendar, recurring series, preparation notes,
-- the no-show policy and the notification records it queues, and the practice's settings.

-- One row: the practice's default time zone for appointments and the currency of its fees.
CREATE TABLE practice_settings (
    id          BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (id),
    time_zone   VARCHAR(64) NOT NULL DEFAULT 'Europe/London',
    currency    CHAR(3) NOT NULL DEFAULT 'EUR' CHECK (currency ~ '^[A-Z]{3}$'),
    no_show_fee NUMERIC(10, 2) CHECK (no_show_fee > 0),
    updated_at  TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW()
);
INSERT INTO practice_settings (id) VALUES (TRUE);

-- A recurring pattern, keyed by the appointment it was set up from (the series id).
CREATE TABLE appointment_series (
    id         UUID PRIMARY KEY,
    pattern    VARCHAR(10) NOT NULL CHECK (pattern IN ('weekly', 'biweekly', 'monthly')),
    end_date   DATE NOT NULL,
    exceptions DATE[] NOT NULL DEFAULT '{}',
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW()
);

-- `local_start` is the clinic's wall-clock time in `time_zone`; `start_time` the instant it
-- is (recomputed from both on every change, so daylight-saving time keeps the wall clock).
-- `series_date` is the calendar date an occurrence was generated for: it stays when the
-- occurrence is moved, so posting the pattern again does not fill the slot twice.
CREATE TABLE appointments (
    id                      UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    patient_id              UUID NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
    physiotherapist_id      UUID NOT NULL REFERENCES physiotherapists(id),
    start_time              TIMESTAMP WITH TIME ZONE NOT NULL,
    local_start             TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    time_zone               VARCHAR(64) NOT NULL,
    duration_minutes        INTEGER NOT NULL CHECK (duration_minutes BETWEEN 5 AND 480),
    kind                    VARCHAR(30) NOT NULL CHECK (kind IN
                                ('initial_assessment', 'follow_up', 'treatment', 'reassessment', 'telehealth')),
    notes                   TEXT,
    status                  VARCHAR(12) NOT NULL DEFAULT 'scheduled' CHECK (status IN
                                ('scheduled', 'completed', 'cancelled', 'no-show')),
    series_id               UUID REFERENCES appointment_series(id) ON DELETE SET NULL,
    series_date             DATE,
    preparation             JSONB,
    no_show_reason          TEXT,
    no_show_fee_amount      NUMERIC(10, 2) CHECK (no_show_fee_amount > 0),
    no_show_fee_currency    CHAR(3),
    no_show_client_notified BOOLEAN NOT NULL DEFAULT FALSE,
    no_show_at              TIMESTAMP WITH TIME ZONE,
    cancelled_at            TIMESTAMP WITH TIME ZONE,
    cancel_reason           TEXT,
    session_id              UUID REFERENCES exercise_sessions(id) ON DELETE SET NULL,
    created_by              UUID REFERENCES users(id) ON DELETE SET NULL,
    version                 INTEGER NOT NULL DEFAULT 1,
    created_at              TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    updated_at              TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW()
);
CREATE INDEX appointments_therapist_start ON appointments (physiotherapist_id, start_time);
CREATE INDEX appointments_patient_start ON appointments (patient_id, start_time);
CREATE UNIQUE INDEX appointments_series_slot ON appointments (series_id, series_date)
    WHERE series_id IS NOT NULL;

-- Notification records for clients (delivery is out of scope: stored and listed).
CREATE TABLE client_notifications (
    id             UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    patient_id     UUID NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
    kind           VARCHAR(20) NOT NULL CHECK (kind IN ('no_show')),
    appointment_id UUID REFERENCES appointments(id) ON DELETE SET NULL,
    message        TEXT NOT NULL,
    status         VARCHAR(10) NOT NULL DEFAULT 'queued' CHECK (status IN ('queued')),
    created_at     TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    UNIQUE (appointment_id, kind)
);
CREATE INDEX client_notifications_patient ON client_notifications (patient_id, created_at);
