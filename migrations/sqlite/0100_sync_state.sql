-- Schema version 2: PhysAlign on-device sync state. Applied by Store::open after 0001. The
-- statements keep IF NOT EXISTS because databases made before version 2 may already hold these
-- tables (an earlier build created them on demand, outside the numbered sequence).
--   * sync_identity: who this device signs in as (never the token: that lives in the OS keyring
--     or the encrypted credentials file);
--   * sync_meta: last success, last error, download cursors;
--   * sync_progress: per outbox entry, the last acknowledged step of a multi-request upload;
--   * sync_remote_versions: the server version last seen per record, sent as If-Match;
--   * sync_conflicts: both versions of a record the server changed meanwhile (412);
--   * offline_reviews: reviews a physiotherapist wrote on this device;
--   * sync_remote_records: server records pulled down (sessions/prescriptions, reviews, profile);
--   * sync_uploads: per outbox entry and file, the resumable upload on the server and the last
--     offset it acknowledged, so a restarted client continues there instead of from byte 0.

CREATE TABLE IF NOT EXISTS sync_identity (
    id                    INTEGER PRIMARY KEY CHECK (id = 1),
    server_url            TEXT NOT NULL,
    email                 TEXT NOT NULL,
    user_id               TEXT,
    role                  TEXT,
    logged_in_at          TEXT NOT NULL,
    login_required_reason TEXT
);

CREATE TABLE IF NOT EXISTS sync_meta (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS sync_progress (
    outbox_id  INTEGER PRIMARY KEY NOT NULL REFERENCES outbox (id) ON DELETE CASCADE,
    step       INTEGER NOT NULL CHECK (step >= 0),
    detail     TEXT NOT NULL CHECK (json_valid(detail)),
    updated_at TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS sync_remote_versions (
    entity_type TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    version     INTEGER NOT NULL,
    PRIMARY KEY (entity_type, entity_id)
);

CREATE TABLE IF NOT EXISTS sync_conflicts (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    entity_type    TEXT NOT NULL,
    entity_id      TEXT NOT NULL,
    outbox_id      INTEGER,
    local_version  INTEGER,
    server_version INTEGER,
    local_record   TEXT NOT NULL CHECK (json_valid(local_record)),
    server_record  TEXT CHECK (server_record IS NULL OR json_valid(server_record)),
    detected_at    TEXT NOT NULL,
    resolved_at    TEXT
);

CREATE TABLE IF NOT EXISTS offline_reviews (
    id         TEXT PRIMARY KEY NOT NULL,
    session_id TEXT NOT NULL,
    request    TEXT NOT NULL CHECK (json_valid(request)),
    created_at TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS sync_remote_records (
    kind       TEXT NOT NULL,
    id         TEXT NOT NULL,
    version    INTEGER,
    updated_at TEXT,
    record     TEXT NOT NULL CHECK (json_valid(record)),
    fetched_at TEXT NOT NULL,
    PRIMARY KEY (kind, id)
);

CREATE TABLE IF NOT EXISTS sync_uploads (
    outbox_id     INTEGER NOT NULL REFERENCES outbox (id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    -- Idempotency key of the create request, saved before it is sent: a retry after a crash
    -- gets the same server upload back instead of starting a second one.
    create_key    TEXT NOT NULL,
    upload_id     TEXT,
    size_bytes    INTEGER NOT NULL CHECK (size_bytes >= 0),
    sha256        TEXT NOT NULL,
    acked_offset  INTEGER NOT NULL DEFAULT 0 CHECK (acked_offset >= 0),
    chunks_sent   INTEGER NOT NULL DEFAULT 0,
    completed_at  TEXT,
    updated_at    TEXT NOT NULL,
    PRIMARY KEY (outbox_id, name)
);
