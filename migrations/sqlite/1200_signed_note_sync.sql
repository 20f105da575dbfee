-- Issue 19: signed notes reach the server. Signing queues the note's upload (and each amendment
-- its own) in the outbox, in the signing transaction; `summary` keeps seed 004's fields of the
-- note as signed (the API's `NoteSummary`), set in the same statement that signs it, so that
-- what travels is exactly what was signed. Notes of the care team's other devices arrive signed
-- from the server (`origin = 'pulled'`).
ALTER TABLE soap_notes ADD COLUMN summary TEXT;
ALTER TABLE soap_notes ADD COLUMN origin TEXT NOT NULL DEFAULT 'local'
    CHECK (origin IN ('local', 'pulled'));

-- A note signed on this device is this device's record and is never deleted. A pulled one is a
-- copy of the server's: it goes, with its amendments, when another person signs in here (a
-- shared clinic computer keeps no one's patients' notes for the next user); it can still never
-- be changed.
DROP TRIGGER soap_notes_signed_are_kept;
CREATE TRIGGER soap_notes_signed_are_kept
BEFORE DELETE ON soap_notes
WHEN OLD.signed_at IS NOT NULL AND OLD.origin = 'local'
BEGIN
    SELECT RAISE(ABORT, 'soap note is signed: it cannot be deleted');
END;

DROP TRIGGER soap_note_amendments_are_kept;
CREATE TRIGGER soap_note_amendments_are_kept
BEFORE DELETE ON soap_note_amendments
WHEN (SELECT origin FROM soap_notes WHERE id = OLD.note_id) IS NOT 'pulled'
BEGIN
    SELECT RAISE(ABORT, 'a soap note amendment cannot be deleted');
END;
