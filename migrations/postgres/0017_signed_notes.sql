-- Issue 19: clinical notes signed on a clinician's device. The server keeps what was signed,
-- unchanged: no row of either table is ever updated or deleted (triggers below), and a note
-- outlives the deletion of its session (the clinical record is kept), so the session is not a
-- foreign key. Corrections are amendments.
CREATE TABLE signed_notes (
    id                UUID PRIMARY KEY,
    session_id        UUID NOT NULL,
    patient_id        UUID NOT NULL REFERENCES patients(id),
    transcript_id     UUID,
    drafted_by        VARCHAR(200) NOT NULL,
    drafted_at        TIMESTAMP WITH TIME ZONE NOT NULL,
    signed_by         VARCHAR(200) NOT NULL,
    signed_by_user_id UUID NOT NULL REFERENCES users(id),
    signed_at         TIMESTAMP WITH TIME ZONE NOT NULL,
    document          JSONB NOT NULL,
    summary           JSONB NOT NULL,
    received_at       TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    -- The latest change a device pulling notes has to see: the note or its latest amendment.
    changed_at        TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW()
);
CREATE INDEX signed_notes_patient ON signed_notes (patient_id, changed_at);
CREATE INDEX signed_notes_session ON signed_notes (session_id, signed_at);

CREATE TABLE signed_note_amendments (
    id             UUID PRIMARY KEY,
    note_id        UUID NOT NULL REFERENCES signed_notes(id),
    author         VARCHAR(200) NOT NULL,
    author_user_id UUID NOT NULL REFERENCES users(id),
    text           TEXT NOT NULL,
    created_at     TIMESTAMP WITH TIME ZONE NOT NULL,
    received_at    TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW()
);
CREATE INDEX signed_note_amendments_note ON signed_note_amendments (note_id, created_at);

-- A note is only ever touched to move its `changed_at` forward when an amendment arrives.
CREATE FUNCTION signed_notes_immutable() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'signed_notes'
       AND (to_jsonb(NEW) - 'changed_at') = (to_jsonb(OLD) - 'changed_at') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '% is kept as signed: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER signed_notes_kept
    BEFORE UPDATE OR DELETE ON signed_notes
    FOR EACH ROW EXECUTE FUNCTION signed_notes_immutable();
CREATE TRIGGER signed_note_amendments_kept
    BEFORE UPDATE OR DELETE ON signed_note_amendments
    FOR EACH ROW EXECUTE FUNCTION signed_notes_immutable();
