-- Issue 15's command line grades a review NEEDS_IMPROVEMENT; seed 003 listed four grades. The
-- clinician's word is kept as written instead of being folded into POOR.
ALTER TABLE session_reviews DROP CONSTRAINT IF EXISTS session_reviews_overall_assessment_check;
ALTER TABLE session_reviews ADD CONSTRAINT session_reviews_overall_assessment_check
    CHECK (overall_assessment IN ('EXCELLENT', 'GOOD', 'FAIR', 'NEEDS_IMPROVEMENT', 'POOR'));
