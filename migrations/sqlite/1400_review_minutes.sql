-- Issue 19, remote-monitoring readiness (outcome measures): the minutes a clinician spent on a
-- review written on this device, counted as clinician review time per patient and period
-- (physalign_workspace::monitoring). NULL: not recorded (reviews written before this version,
-- or on a device that did not record the time). The minutes go up with the review
-- (`minutes_spent` of the request) and come down with the reviews of other devices; a server
-- that does not carry them leaves this device's own in place.
ALTER TABLE session_reviews ADD COLUMN minutes_spent INTEGER
    CHECK (minutes_spent IS NULL OR minutes_spent BETWEEN 1 AND 480);
-- The monitoring reads the timed reviews of a period.
CREATE INDEX idx_session_reviews_timed ON session_reviews (reviewed_at)
    WHERE minutes_spent IS NOT NULL;
