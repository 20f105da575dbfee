-- Issue 17, integrity: a review used to fill `exercise_sessions.physiotherapist_id` (the
-- clinician who recorded a session in clinic) with the reviewer, which let a reviewer write a
-- home session's measured data and dropped the session from the home sessions the analytics
-- count. Reviews no longer touch it. Sessions reviewed before this change get their column
-- back: cleared where the clinician named there reviewed the session and never created it
-- (no `create` of that session by them in the access log).
UPDATE exercise_sessions s SET physiotherapist_id = NULL
WHERE s.physiotherapist_id IS NOT NULL
  AND EXISTS (SELECT 1 FROM session_reviews r
              WHERE r.session_id = s.id AND r.physiotherapist_id = s.physiotherapist_id)
  AND NOT EXISTS (SELECT 1 FROM access_logs l
                  JOIN physiotherapists ph ON ph.user_id = l.user_id
                  WHERE ph.id = s.physiotherapist_id AND l.resource_id = s.id
                    AND l.resource_type = 'exercise_session' AND l.action = 'create');
