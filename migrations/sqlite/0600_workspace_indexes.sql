-- Schema version 7: the clinician's workspace (issue 16) reads a whole roster at once.
--
--   * exercise_sessions (patient_id, exercise_id, started_at): each patient's latest sessions of
--     each exercise (the falling range-of-motion rule) without sorting every session; `id`
--     makes it covering (no table lookup per session) and breaks ties as the query does.

CREATE INDEX idx_exercise_sessions_patient_exercise
    ON exercise_sessions (patient_id, exercise_id, started_at DESC, id DESC);
