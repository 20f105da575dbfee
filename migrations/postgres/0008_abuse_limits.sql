-- Issue 17, abuse limits: the per-account login lockout with back-off, the addresses each
-- account signed in from (exempt from that lockout, so an attacker cannot lock a clinician out
-- of their usual place), and the stored files counted against per-user upload quotas.

-- Keyed by the SHA-256 of the normalised e-mail, known account or not: a lockout tells nobody
-- whether an account exists.
CREATE TABLE login_lockouts (
    email_hash      CHAR(64) PRIMARY KEY,
    failures        INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0),
    locked_until    TIMESTAMP WITH TIME ZONE,
    last_failure_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW()
);
CREATE INDEX login_lockouts_last_failure ON login_lockouts (last_failure_at);

-- `address` as the rate limits count it (an IPv4 address, an IPv6 /64).
CREATE TABLE login_known_addresses (
    user_id         UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    address         VARCHAR(64) NOT NULL,
    last_success_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    PRIMARY KEY (user_id, address)
);
CREATE INDEX login_known_addresses_last ON login_known_addresses (last_success_at);

-- Every stored file, current or kept as an earlier version: the bytes a user has stored are
-- the sum of their rows. No foreign key to the session: the rows of a deleted session's files
-- stay until the clean-up job has removed the files themselves.
CREATE TABLE stored_files (
    id            UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    session_id    UUID NOT NULL,
    kind          VARCHAR(20) NOT NULL CHECK (kind IN ('video', 'pose_data')),
    storage_key   VARCHAR(255) NOT NULL UNIQUE,
    owner_user_id UUID NOT NULL,
    size_bytes    BIGINT NOT NULL CHECK (size_bytes >= 0),
    sha256        CHAR(64) NOT NULL,
    created_at    TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    superseded_at TIMESTAMP WITH TIME ZONE
);
CREATE INDEX stored_files_owner ON stored_files (owner_user_id);
CREATE INDEX stored_files_session ON stored_files (session_id, kind);
