-- Issue 19, remote-monitoring readiness (outcome measures): the minutes a clinician spent on a
-- review written on this device, counted as clinician review time per patient and period
-- (physalign_workspace::monitoring). NULL: not recorded (every review pulled from the server,
-- whose API does not carry the field yet, and reviews written before this version). The minutes
-- stay on this device: the review's upload (`record`, the outbox entry) is unchanged. A pulled
-- copy of a review written here keeps them (the pull updates the other columns only).
ALTER TABLE session_reviews ADD COLUMN minutes_spent INTEGER
    CHECK (minutes_spent IS NULL OR minutes_spent BETWEEN 1 AND 480);
-- The monitoring reads the timed reviews of a period.
CREATE INDEX idx_session_reviews_timed ON session_reviews (reviewed_at)
    WHERE minutes_spent IS NOT NULL;
