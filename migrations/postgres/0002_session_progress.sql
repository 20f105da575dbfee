-- Seed 000's progress metrics, snapshots, milestones, skill scores, analytics, comparisons and
-- evaluation feedback, all attached to exercise sessions.

CREATE TABLE session_progress (
    session_id UUID PRIMARY KEY REFERENCES exercise_sessions(id) ON DELETE CASCADE,
    progress_metrics JSONB NOT NULL,
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW()
);

CREATE TABLE progress_feedback (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    session_id UUID NOT NULL REFERENCES exercise_sessions(id) ON DELETE CASCADE,
    therapist_id UUID,
    feedback TEXT NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW()
);

CREATE TABLE progress_snapshots (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    session_id UUID NOT NULL REFERENCES exercise_sessions(id) ON DELETE CASCADE,
    taken_at TIMESTAMP WITH TIME ZONE NOT NULL,
    value DOUBLE PRECISION NOT NULL
);
CREATE INDEX idx_progress_snapshots_session ON progress_snapshots(session_id, taken_at);

CREATE TABLE session_milestones (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    session_id UUID NOT NULL REFERENCES exercise_sessions(id) ON DELETE CASCADE,
    milestone_name TEXT NOT NULL,
    milestone_value DOUBLE PRECISION,
    achieved_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    metadata JSONB NOT NULL DEFAULT '{}',
    UNIQUE (session_id, milestone_name)
);

CREATE TABLE skill_scores (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    session_id UUID NOT NULL REFERENCES exercise_sessions(id) ON DELETE CASCADE,
    therapist_id UUID,
    skill_name TEXT NOT NULL,
    skill_category TEXT NOT NULL DEFAULT 'therapeutic',
    score DOUBLE PRECISION NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW()
);
CREATE INDEX idx_skill_scores_session ON skill_scores(session_id);
CREATE INDEX idx_skill_scores_therapist ON skill_scores(therapist_id);

CREATE TABLE session_analytics (
    session_id UUID PRIMARY KEY REFERENCES exercise_sessions(id) ON DELETE CASCADE,
    analytics_data JSONB NOT NULL,
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW()
);

CREATE TABLE session_comparisons (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    therapist_id UUID,
    current_session_id UUID NOT NULL REFERENCES exercise_sessions(id) ON DELETE CASCADE,
    previous_session_id UUID REFERENCES exercise_sessions(id) ON DELETE CASCADE,
    improvement_score DOUBLE PRECISION,
    metrics JSONB NOT NULL DEFAULT '{}',
    analyzed_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW()
);
CREATE INDEX idx_session_comparisons_current ON session_comparisons(current_session_id);

CREATE TABLE evaluations (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    session_id UUID NOT NULL REFERENCES exercise_sessions(id) ON DELETE CASCADE,
    evaluator_id UUID,
    feedback TEXT NOT NULL,
    rating INTEGER CHECK (rating BETWEEN 1 AND 5),
    comments TEXT,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW()
);
CREATE INDEX idx_evaluations_session ON evaluations(session_id);
