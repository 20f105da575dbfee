-- A lost refresh answer must not log a device out (issue 17). A device sends a retry key with
-- each refresh and keeps it until it has the new tokens; the used token remembers the key's
-- hash, so the same token with the same key, presented again soon and before the new token was
-- ever used, is the same device retrying, not a thief.
ALTER TABLE refresh_tokens ADD COLUMN rotation_key_hash CHAR(64);
