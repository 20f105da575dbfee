-- The pose data summary (frame count, sampling rate, angle ranges) is computed once when the
-- frames are uploaded, so reading a session does not aggregate its frames every time.
ALTER TABLE exercise_sessions ADD COLUMN pose_summary JSONB;
