-- Care relationships (issue 15, "who may see whom"): clinicians are created by administrators,
-- patients are registered by a clinician and claim an invitation code; nothing links a patient
-- to a clinician by e-mail any more.

-- A patient registered by a clinician exists before anyone has claimed it: no login yet. The
-- registered name and e-mail are kept on the record until then (afterwards the account's win).
ALTER TABLE patients ALTER COLUMN user_id DROP NOT NULL;
ALTER TABLE patients ADD COLUMN registered_first_name VARCHAR(100);
ALTER TABLE patients ADD COLUMN registered_last_name VARCHAR(100);
ALTER TABLE patients ADD COLUMN registered_email VARCHAR(255);
ALTER TABLE patients ADD COLUMN registered_phone VARCHAR(20);
ALTER TABLE patients ADD COLUMN registered_by UUID REFERENCES physiotherapists(id) ON DELETE SET NULL;

-- When a relationship ended (the patient removed the clinician from their care team); a new
-- claim starts it again and clears this.
ALTER TABLE patient_physio_assignments ADD COLUMN ended_at TIMESTAMP WITH TIME ZONE;

-- Single-use invitation codes. Only the SHA-256 of the normalised code is stored; the code has
-- 80 random bits, so an unsalted hash cannot be reversed by guessing.
CREATE TABLE patient_invitations (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    patient_id UUID NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
    physiotherapist_id UUID NOT NULL REFERENCES physiotherapists(id) ON DELETE CASCADE,
    code_hash CHAR(64) NOT NULL UNIQUE,
    expires_at TIMESTAMP WITH TIME ZONE NOT NULL,
    claimed_at TIMESTAMP WITH TIME ZONE,
    claimed_by UUID REFERENCES users(id) ON DELETE SET NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW()
);
CREATE INDEX idx_patient_invitations_patient ON patient_invitations(patient_id);

-- A registered patient whose invitation was claimed by an existing patient account is merged
-- into that account's record: every reference is moved and the registered record deleted. This
-- table remembers the old id, so that a device holding it can be told where it went. No foreign
-- keys: the `from` record no longer exists.
CREATE TABLE patient_merges (
    from_patient_id UUID PRIMARY KEY,
    into_patient_id UUID NOT NULL,
    merged_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW()
);
CREATE INDEX idx_patient_merges_into ON patient_merges(into_patient_id);
