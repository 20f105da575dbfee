-- Issue 17, server: sessions that end (logout, password change, deactivation, refresh reuse,
-- an absolute lifetime) together with their access tokens, and an append-only access log that
-- records sign-ins, sign-outs and denials and can be listed by patient.

-- One sign-in. Its id is the refresh-token family and the `sid` claim of its access tokens;
-- every request checks that the session is neither revoked nor past `expires_at`, which no
-- refresh moves.
CREATE TABLE auth_sessions (
    id             UUID PRIMARY KEY,
    user_id        UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at     TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    expires_at     TIMESTAMP WITH TIME ZONE NOT NULL,
    revoked_at     TIMESTAMP WITH TIME ZONE,
    revoked_reason VARCHAR(30)
        CHECK (revoked_reason IN ('logout', 'password_change', 'deactivated', 'refresh_reuse'))
);
CREATE INDEX auth_sessions_user_open ON auth_sessions (user_id) WHERE revoked_at IS NULL;
CREATE INDEX auth_sessions_expires ON auth_sessions (expires_at);

-- The families signed in before this migration become sessions ending with their last token.
INSERT INTO auth_sessions (id, user_id, created_at, expires_at, revoked_at)
SELECT family_id,
       (array_agg(user_id))[1],
       MIN(created_at),
       MAX(expires_at),
       CASE WHEN bool_and(revoked_at IS NOT NULL) THEN MAX(revoked_at) END
FROM refresh_tokens
GROUP BY family_id;

ALTER TABLE refresh_tokens
    ADD CONSTRAINT refresh_tokens_session FOREIGN KEY (family_id)
        REFERENCES auth_sessions(id) ON DELETE CASCADE;
CREATE INDEX refresh_tokens_expires ON refresh_tokens (expires_at);

-- The access log: the patient whose data was touched (resolved when the row is written, kept
-- when the record is later deleted), the answer's status for denials, and the request path.
ALTER TABLE access_logs
    ADD COLUMN patient_id   UUID,
    ADD COLUMN status_code  SMALLINT,
    ADD COLUMN request_path VARCHAR(300);

UPDATE access_logs l SET patient_id = COALESCE(
    (SELECT p.id FROM patients p WHERE p.id = l.resource_id),
    (SELECT s.patient_id FROM exercise_sessions s WHERE s.id = l.resource_id))
WHERE l.resource_id IS NOT NULL;

CREATE INDEX access_logs_patient_time ON access_logs (patient_id, timestamp DESC)
    WHERE patient_id IS NOT NULL;
CREATE INDEX access_logs_resource ON access_logs (resource_id) WHERE resource_id IS NOT NULL;
CREATE INDEX access_logs_time ON access_logs (timestamp DESC);

-- Append-only: no row of the access log is ever changed or removed through the application's
-- connection (the owner role could still drop the trigger: see docs/security.md).
CREATE FUNCTION access_logs_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'access_logs is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER access_logs_no_update_delete
    BEFORE UPDATE OR DELETE ON access_logs
    FOR EACH ROW EXECUTE FUNCTION access_logs_append_only();

CREATE TRIGGER access_logs_no_truncate
    BEFORE TRUNCATE ON access_logs
    FOR EACH STATEMENT EXECUTE FUNCTION access_logs_append_only();
