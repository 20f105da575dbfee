//! Short-lived HS256 access tokens.

use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use physalign_api::auth::Role;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::AuthUser;

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

/// Keys and lifetime of access tokens.
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ttl_secs: u64,
}

impl JwtKeys {
    /// Keys derived from `secret`; tokens live `ttl_secs`.
    pub fn new(secret: &[u8], ttl_secs: u64) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 5;
        validation.set_required_spec_claims(&["exp", "sub", "iss", "aud"]);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            ttl_secs,
        }
    }

    /// Lifetime in seconds.
    pub fn ttl_secs(&self) -> u64 {
        self.ttl_secs
    }

    /// Issues a token for `user`.
    pub fn issue(&self, user: &AuthUser) -> Result<String, TokenError> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            sub: user.user_id,
            role: user.role,
            pid: user.profile_id,
            iat: now,
            exp: now + i64::try_from(self.ttl_secs).unwrap_or(i64::MAX / 2),
            typ: "access".into(),
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| TokenError::Signing(e.to_string()))
    }

    /// Checks a token and returns who it belongs to.
    pub fn verify(&self, token: &str) -> Result<AuthUser, TokenError> {
        let data =
            decode::<Claims>(token, &self.decoding, &self.validation).map_err(|e| {
                match e.kind() {
                    jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
                    _ => TokenError::Invalid,
                }
            })?;
        if data.claims.typ != "access" {
            return Err(TokenError::Invalid);
        }
        Ok(AuthUser {
            user_id: data.claims.sub,
            role: data.claims.role,
            profile_id: data.claims.pid,
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
        let token = keys.issue(&user).unwrap();
        assert_eq!(keys.verify(&token).unwrap(), user);
        let other = JwtKeys::new(b"another-secret-another-secret-xx", 60);
        assert!(matches!(other.verify(&token), Err(TokenError::Invalid)));
        assert!(keys.verify("not.a.token").is_err());
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
            iat: now - 100,
            exp: now - 60,
            typ: "access".into(),
        };
        let token = encode(&Header::new(Algorithm::HS256), &claims, &keys.encoding).unwrap();
        assert!(matches!(keys.verify(&token), Err(TokenError::Expired)));
    }
}
