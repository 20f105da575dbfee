-- Issue 19: SOAP notes drafted on the device and signed by the clinician.
--
-- A note is a draft until it is signed; the draft's document (the engine's SOAP draft as the
-- clinician edited it, JSON) may change until then. A signed note is the record: the triggers
-- below refuse any UPDATE or DELETE of it, whatever code runs, and corrections are amendments
-- (author and time), themselves never changed. Notes stay on this device: the server has no
-- endpoint for signed notes yet.
CREATE TABLE soap_notes (
    id            TEXT PRIMARY KEY,
    -- The exercise session the note is about (no foreign key: a signed note outlives a pulled
    -- session cleared at sign-out).
    session_id    TEXT NOT NULL,
    -- The transcript it was drafted from, when there was one.
    transcript_id TEXT,
    document      TEXT NOT NULL,
    drafted_by    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    signed_by     TEXT,
    signed_at     TEXT,
    CHECK ((signed_by IS NULL) = (signed_at IS NULL))
);

CREATE INDEX soap_notes_by_session ON soap_notes (session_id, created_at);

CREATE TRIGGER soap_notes_signed_are_immutable
BEFORE UPDATE ON soap_notes
WHEN OLD.signed_at IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'soap note is signed: it cannot be changed, only amended');
END;

CREATE TRIGGER soap_notes_signed_are_kept
BEFORE DELETE ON soap_notes
WHEN OLD.signed_at IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'soap note is signed: it cannot be deleted');
END;

CREATE TABLE soap_note_amendments (
    id         TEXT PRIMARY KEY,
    note_id    TEXT NOT NULL REFERENCES soap_notes (id),
    author     TEXT NOT NULL CHECK (length(trim(author)) > 0),
    text       TEXT NOT NULL CHECK (length(trim(text)) > 0),
    created_at TEXT NOT NULL
);

CREATE INDEX soap_note_amendments_by_note ON soap_note_amendments (note_id, created_at);

CREATE TRIGGER soap_note_amendments_need_a_signed_note
BEFORE INSERT ON soap_note_amendments
WHEN (SELECT signed_at FROM soap_notes WHERE id = NEW.note_id) IS NULL
BEGIN
    SELECT RAISE(ABORT, 'only a signed soap note is amended; a draft is edited');
END;

CREATE TRIGGER soap_note_amendments_are_immutable
BEFORE UPDATE ON soap_note_amendments
BEGIN
    SELECT RAISE(ABORT, 'a soap note amendment cannot be changed');
END;

CREATE TRIGGER soap_note_amendments_are_kept
BEFORE DELETE ON soap_note_amendments
BEGIN
    SELECT RAISE(ABORT, 'a soap note amendment cannot be deleted');
END;
