-- Issue 14: each repetition keeps the engine's confidence in its measurement and the side that
-- did it, so both reach the care team with the session (older rows have neither).
ALTER TABLE repetitions ADD COLUMN confidence REAL CHECK (confidence IS NULL OR (confidence >= 0 AND confidence <= 1));
ALTER TABLE repetitions ADD COLUMN side TEXT CHECK (side IS NULL OR side IN ('left', 'right'));
