//! Expiring, HMAC-signed upload URLs, with key rotation.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// The id of a signing key: the first 16 hex digits of a domain-separated SHA-256 of it, so
/// that rotating a key needs no separate id to configure and the id reveals nothing.
pub fn key_id(purpose: &str, secret: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"physalign-key-id:");
    hasher.update(purpose.as_bytes());
    hasher.update(b":");
    hasher.update(secret);
    hex::encode(hasher.finalize())[..16].to_string()
}

/// Signs `PUT <key>` for one uploader until an expiry time, with the current key; checks with
/// the current or an earlier key (issue 17: rotated without breaking URLs already handed out).
pub struct UploadSigner {
    /// `(key id, key)`, the current one first.
    keys: Vec<(String, Vec<u8>)>,
}

impl UploadSigner {
    /// A signer with `current` and the `previous` keys still accepted.
    pub fn new(current: &[u8], previous: &[&[u8]]) -> Self {
        let keys = std::iter::once(current)
            .chain(previous.iter().copied())
            .map(|k| (key_id("upload", k), k.to_vec()))
            .collect();
        Self { keys }
    }

    /// A signer keyed from the access-token secret when no upload secret is set: derived with
    /// HMAC under its own label, so the two uses never share a key.
    pub fn derived_from(secrets: &[&[u8]]) -> Self {
        let derived: Vec<Vec<u8>> = secrets
            .iter()
            .map(|s| {
                let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(s)
                    .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
                mac.update(b"physalign-upload-url-key");
                mac.finalize().into_bytes().to_vec()
            })
            .collect();
        let refs: Vec<&[u8]> = derived.iter().map(Vec::as_slice).collect();
        Self::new(refs[0], &refs[1..])
    }

    /// Every accepted key, the current one first.
    pub fn keys(&self) -> impl Iterator<Item = &[u8]> {
        self.keys.iter().map(|(_, key)| key.as_slice())
    }

    /// The current key's id.
    pub fn current_kid(&self) -> &str {
        &self.keys[0].0
    }

    fn mac(key: &[u8], storage_key: &str, expires: i64, uploader: Uuid) -> Hmac<Sha256> {
        // HMAC accepts keys of any length, so this cannot fail.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key)
            .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
        mac.update(format!("PUT\n{storage_key}\n{expires}\n{uploader}").as_bytes());
        mac
    }

    /// `(key id, hex signature)` for `storage_key`, valid until `expires` (Unix seconds), for
    /// the user `uploader` (whose quota the file counts against).
    pub fn sign(&self, storage_key: &str, expires: i64, uploader: Uuid) -> (String, String) {
        let (kid, key) = &self.keys[0];
        let sig = hex::encode(
            Self::mac(key, storage_key, expires, uploader)
                .finalize()
                .into_bytes(),
        );
        (kid.clone(), sig)
    }

    /// Whether `signature` is valid (constant-time) under the key `kid` names, or under any
    /// accepted key when no id is given.
    pub fn verify(
        &self,
        storage_key: &str,
        expires: i64,
        uploader: Uuid,
        kid: Option<&str>,
        signature: &str,
    ) -> bool {
        let Ok(sig) = hex::decode(signature) else {
            return false;
        };
        self.keys
            .iter()
            .filter(|(id, _)| kid.is_none_or(|k| k == id))
            .any(|(_, key)| {
                Self::mac(key, storage_key, expires, uploader)
                    .verify_slice(&sig)
                    .is_ok()
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_binds_key_expiry_and_uploader_and_survives_rotation() {
        let u = Uuid::new_v4();
        let old = UploadSigner::new(b"old-secret", &[]);
        let (old_kid, sig) = old.sign("sessions/a/video", 100, u);
        assert!(old.verify("sessions/a/video", 100, u, Some(&old_kid), &sig));
        assert!(!old.verify("sessions/b/video", 100, u, None, &sig));
        assert!(!old.verify("sessions/a/video", 101, u, None, &sig));
        assert!(!old.verify("sessions/a/video", 100, Uuid::new_v4(), None, &sig));
        assert!(!old.verify("sessions/a/video", 100, u, None, "zz"));
        // Rotated: new URLs carry the new key's id, old ones still verify.
        let rotated = UploadSigner::new(b"new-secret", &[b"old-secret"]);
        assert_ne!(rotated.current_kid(), old_kid);
        assert!(rotated.verify("sessions/a/video", 100, u, Some(&old_kid), &sig));
        assert!(!rotated.verify(
            "sessions/a/video",
            100,
            u,
            Some(rotated.current_kid()),
            &sig
        ));
        // Dropped from the list: refused.
        let dropped = UploadSigner::new(b"new-secret", &[]);
        assert!(!dropped.verify("sessions/a/video", 100, u, Some(&old_kid), &sig));
        // Derived keys differ from the secret they come from.
        let derived = UploadSigner::derived_from(&[b"old-secret"]);
        assert_ne!(derived.current_kid(), old_kid);
    }
}
