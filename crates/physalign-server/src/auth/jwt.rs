//! Short-lived HS256 access tokens, with key rotation: each token names its key (`kid`), and
//! earlier keys still verify the tokens they signed until those expire.

use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use physalign_api::auth::Role;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::AuthUser;
use crate::storage::key_id;

/// Who issues access tokens (`iss`): this server.
pub const ISSUER: &str = "physalign-server";
/// Who access tokens are for (`aud`): this API. A token minted for anything else with the same
/// key (or by anything else) is refused.
pub const AUDIENCE: &str = "physalign-api";

/// Claims of an access token.
#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    iss: String,
    aud: String,
    sub: Uuid,
    role: Role,
    /// Profile id, so handlers need no lookup to know which patient the caller is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pid: Option<Uuid>,
    /// The sign-in session (`auth_sessions.id`); a token without one is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sid: Option<Uuid>,
    iat: i64,
    exp: i64,
    typ: String,
}

/// Why an access token was refused.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// Expired.
    #[error("access token expired")]
    Expired,
    /// Bad signature, malformed, wrong kind.
    #[error("access token invalid")]
    Invalid,
    /// Signing failed (should not happen with HMAC keys).
    #[error("could not sign token: {0}")]
    Signing(String),
}

/// A checked access token: who and which session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verified {
    /// The caller.
    pub user: AuthUser,
    /// The sign-in session (none in tokens minted before sessions existed: refused).
    pub session_id: Option<Uuid>,
}

/// An access token just issued.
#[derive(Debug, Clone)]
pub struct Issued {
    /// The token.
    pub token: String,
    /// Seconds until it expires (the configured lifetime, less near the session's end).
    pub expires_in: u64,
}

/// Keys and lifetime of access tokens.
pub struct JwtKeys {
    encoding: EncodingKey,
    /// The current key's id, written into every token's header.
    current_kid: String,
    /// `(key id, key)`, the current one first, then the earlier ones still accepted.
    decoding: Vec<(String, DecodingKey)>,
    validation: Validation,
    ttl_secs: u64,
}

impl JwtKeys {
    /// Keys from `secret`; tokens live `ttl_secs`.
    pub fn new(secret: &[u8], ttl_secs: u64) -> Self {
        Self::rotated(secret, &[], ttl_secs)
    }

    /// Signs with `current`; verifies with it or one of `previous` (the key a token's `kid`
    /// names), so that replacing the secret signs nobody out.
    pub fn rotated(current: &[u8], previous: &[&[u8]], ttl_secs: u64) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 5;
        validation.set_required_spec_claims(&["exp", "sub", "iss", "aud"]);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        let decoding = std::iter::once(current)
            .chain(previous.iter().copied())
            .map(|k| (key_id("access", k), DecodingKey::from_secret(k)))
            .collect();
        Self {
            encoding: EncodingKey::from_secret(current),
            current_kid: key_id("access", current),
            decoding,
            validation,
            ttl_secs,
        }
    }

    /// Lifetime in seconds.
    pub fn ttl_secs(&self) -> u64 {
        self.ttl_secs
    }

    /// Issues a token for `user` in the session `session_id`, expiring after the configured
    /// lifetime or at `session_ends`, whichever comes first.
    pub fn issue(
        &self,
        user: &AuthUser,
        session_id: Uuid,
        session_ends: chrono::DateTime<chrono::Utc>,
    ) -> Result<Issued, TokenError> {
        let now = chrono::Utc::now().timestamp();
        let exp = now
            .saturating_add(i64::try_from(self.ttl_secs).unwrap_or(i64::MAX / 2))
            .min(session_ends.timestamp());
        let claims = Claims {
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            sub: user.user_id,
            role: user.role,
            pid: user.profile_id,
            sid: Some(session_id),
            iat: now,
            exp,
            typ: "access".into(),
        };
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(self.current_kid.clone());
        let token = encode(&header, &claims, &self.encoding)
            .map_err(|e| TokenError::Signing(e.to_string()))?;
        Ok(Issued {
            token,
            expires_in: u64::try_from(exp - now).unwrap_or(0),
        })
    }

    /// Checks a token's signature, issuer, audience and expiry and returns who it belongs to
    /// (the session is checked by [`super::session::check`]).
    pub fn verify(&self, token: &str) -> Result<Verified, TokenError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Invalid)?;
        // A token without a key id predates rotation: the current key.
        let key = match header.kid.as_deref() {
            None => &self.decoding[0].1,
            Some(kid) => self
                .decoding
                .iter()
                .find(|(id, _)| id == kid)
                .map(|(_, key)| key)
                .ok_or(TokenError::Invalid)?,
        };
        let data = decode::<Claims>(token, key, &self.validation).map_err(|e| match e.kind() {
            jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
            _ => TokenError::Invalid,
        })?;
        if data.claims.typ != "access" {
            return Err(TokenError::Invalid);
        }
        Ok(Verified {
            user: AuthUser {
                user_id: data.claims.sub,
                role: data.claims.role,
                profile_id: data.claims.pid,
            },
            session_id: data.claims.sid,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_token_verifies_and_tampered_token_does_not() {
        let keys = JwtKeys::new(b"0123456789abcdef0123456789abcdef", 60);
        let user = AuthUser {
            user_id: Uuid::new_v4(),
            role: Role::Physiotherapist,
            profile_id: Some(Uuid::new_v4()),
        };
        let sid = Uuid::new_v4();
        let ends = chrono::Utc::now() + chrono::Duration::seconds(30);
        let issued = keys.issue(&user, sid, ends).unwrap();
        let token = issued.token;
        // Never beyond the session's end.
        assert!(issued.expires_in <= 30);
        let verified = keys.verify(&token).unwrap();
        assert_eq!((verified.user, verified.session_id), (user, Some(sid)));
        let other = JwtKeys::new(b"another-secret-another-secret-xx", 60);
        assert!(matches!(other.verify(&token), Err(TokenError::Invalid)));
        assert!(keys.verify("not.a.token").is_err());
    }

    #[test]
    fn a_rotated_secret_still_verifies_what_the_earlier_one_signed() {
        let old_secret = b"old-secret-old-secret-old-secret-0123";
        let new_secret = b"new-secret-new-secret-new-secret-0123";
        let user = AuthUser {
            user_id: Uuid::new_v4(),
            role: Role::Patient,
            profile_id: Some(Uuid::new_v4()),
        };
        let ends = chrono::Utc::now() + chrono::Duration::seconds(300);
        let before = JwtKeys::new(old_secret, 60);
        let old_token = before.issue(&user, Uuid::new_v4(), ends).unwrap().token;
        let rotated = JwtKeys::rotated(new_secret, &[old_secret], 60);
        assert_eq!(rotated.verify(&old_token).unwrap().user, user);
        let new_token = rotated.issue(&user, Uuid::new_v4(), ends).unwrap().token;
        assert_eq!(rotated.verify(&new_token).unwrap().user, user);
        // The earlier server does not know the new key; once the old key is dropped, its tokens
        // are refused.
        assert!(matches!(
            before.verify(&new_token),
            Err(TokenError::Invalid)
        ));
        let dropped = JwtKeys::new(new_secret, 60);
        assert!(matches!(
            dropped.verify(&old_token),
            Err(TokenError::Invalid)
        ));
    }

    #[test]
    fn expired_token_is_refused() {
        let keys = JwtKeys::new(b"0123456789abcdef0123456789abcdef", 0);
        let user = AuthUser {
            user_id: Uuid::new_v4(),
            role: Role::Admin,
            profile_id: None,
        };
        // An expiry beyond the leeway.
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            sub: user.user_id,
            role: user.role,
            pid: None,
            sid: None,
            iat: now - 100,
            exp: now - 60,
            typ: "access".into(),
        };
        let token = encode(&Header::new(Algorithm::HS256), &claims, &keys.encoding).unwrap();
        assert!(matches!(keys.verify(&token), Err(TokenError::Expired)));
    }
}
