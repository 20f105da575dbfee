-- Issue 19, remote-monitoring readiness: the minutes a clinician spent on a review (recorded on
-- their device), so that every device of the practice counts the same clinician time.
ALTER TABLE session_reviews ADD COLUMN minutes_spent INTEGER
    CHECK (minutes_spent IS NULL OR minutes_spent BETWEEN 1 AND 480);
