-- Issue 19, seed 004's scheduled aggregation: per-day appointment figures of each therapist and
-- weekly progress snapshots of each patient, written by a scheduled job that runs once per slot
-- across replicas (`scheduled_job_runs`, job `analytics`).

-- One therapist's appointments dated one day (the wall-clock date in the appointment's zone).
-- The figures add up, so weeks, months and the whole practice are sums of rows. A row holds
-- only while the day's appointments stay as they were: the triggers below delete it when one of
-- them changes, and session trends compute a day without a row from the appointments.
CREATE TABLE analytics_daily_stats (
    physiotherapist_id UUID NOT NULL REFERENCES physiotherapists(id) ON DELETE CASCADE,
    stat_date          DATE NOT NULL,
    total_sessions     INTEGER NOT NULL CHECK (total_sessions >= 0),
    completed_sessions INTEGER NOT NULL CHECK (completed_sessions >= 0),
    cancelled_sessions INTEGER NOT NULL CHECK (cancelled_sessions >= 0),
    no_shows           INTEGER NOT NULL CHECK (no_shows >= 0),
    -- Minutes of the completed ones (recorded length, else booked), summed.
    completed_minutes  DOUBLE PRECISION NOT NULL CHECK (completed_minutes >= 0),
    -- Patients with a completed appointment that day.
    active_patients    INTEGER NOT NULL CHECK (active_patients >= 0),
    computed_at        TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    PRIMARY KEY (physiotherapist_id, stat_date)
);

CREATE FUNCTION analytics_daily_stats_stale() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        DELETE FROM analytics_daily_stats
        WHERE physiotherapist_id = OLD.physiotherapist_id AND stat_date = OLD.local_start::date;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        DELETE FROM analytics_daily_stats
        WHERE physiotherapist_id = NEW.physiotherapist_id AND stat_date = NEW.local_start::date;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER appointments_analytics_stale
    AFTER INSERT OR UPDATE OR DELETE ON appointments
    FOR EACH ROW EXECUTE FUNCTION analytics_daily_stats_stale();

-- A session started from an appointment lends it its recorded length.
CREATE FUNCTION analytics_session_length_stale() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM analytics_daily_stats d USING appointments a
    WHERE a.session_id = NEW.id
      AND d.physiotherapist_id = a.physiotherapist_id AND d.stat_date = a.local_start::date;
    RETURN NULL;
END
$$;

CREATE TRIGGER exercise_sessions_analytics_stale
    AFTER UPDATE OF duration_seconds ON exercise_sessions
    FOR EACH ROW WHEN (OLD.duration_seconds IS DISTINCT FROM NEW.duration_seconds)
    EXECUTE FUNCTION analytics_session_length_stale();

-- A patient's week (Monday to Sunday, the practice's calendar) as it stood when it had ended:
-- history, never recomputed.
CREATE TABLE analytics_patient_weeks (
    patient_id      UUID NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
    week_start      DATE NOT NULL CHECK (extract(isodow FROM week_start) = 1),
    sessions_count  INTEGER NOT NULL CHECK (sessions_count >= 0),
    avg_mood_score  DOUBLE PRECISION CHECK (avg_mood_score BETWEEN 1 AND 5),
    mood_trajectory VARCHAR(12)
                    CHECK (mood_trajectory IN ('improving', 'declining', 'stable', 'fluctuating')),
    common_topics   JSONB NOT NULL DEFAULT '[]',
    attendance_rate DOUBLE PRECISION CHECK (attendance_rate BETWEEN 0 AND 1),
    computed_at     TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    PRIMARY KEY (patient_id, week_start)
);

CREATE INDEX appointments_local_date ON appointments (physiotherapist_id, (local_start::date));
