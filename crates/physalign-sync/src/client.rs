//! HTTP access to the central API with the device's identity: bearer token, refresh on 401,
//! idempotency keys and `If-Match` versions.

use crate::credentials::{CredentialStore, Tokens};
use crate::SyncError;
use chrono::Utc;
use physalign_api::auth::{LoginRequest, Me, RefreshRequest, TokenResponse};
use reqwest::header::{HeaderMap, ETAG, IF_MATCH, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use std::time::Duration;
use tokio::sync::Mutex;

/// Header carrying the outbox entry's key so retries are applied once.
pub const IDEMPOTENCY_KEY: &str = "Idempotency-Key";

/// What one request came back with.
#[derive(Debug, Clone)]
pub struct ApiResponse {
    /// HTTP status.
    pub status: StatusCode,
    /// Response headers.
    pub headers: HeaderMap,
    /// Raw body.
    pub body: Vec<u8>,
}

impl ApiResponse {
    /// The body as `T`.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, SyncError> {
        Ok(serde_json::from_slice(&self.body)?)
    }

    /// The record version from `ETag: "N"`.
    pub fn etag_version(&self) -> Option<i64> {
        self.headers
            .get(ETAG)?
            .to_str()
            .ok()?
            .trim_start_matches("W/")
            .trim_matches('"')
            .parse()
            .ok()
    }

    /// `Retry-After` in seconds, if sent.
    pub fn retry_after(&self) -> Option<Duration> {
        let secs: u64 = self
            .headers
            .get(RETRY_AFTER)?
            .to_str()
            .ok()?
            .trim()
            .parse()
            .ok()?;
        Some(Duration::from_secs(secs.min(3600)))
    }

    /// `code: message` from the API's error body, or the start of the raw body.
    pub fn error_summary(&self) -> String {
        let parsed: Option<physalign_api::ErrorBody> = serde_json::from_slice(&self.body).ok();
        match parsed {
            Some(body) => format!("{}: {}", body.error.code, body.error.message),
            None => String::from_utf8_lossy(&self.body[..self.body.len().min(200)]).into_owned(),
        }
    }

    /// The API error code, if the body is an API error.
    pub fn error_code(&self) -> Option<physalign_api::ErrorCode> {
        let parsed: physalign_api::ErrorBody = serde_json::from_slice(&self.body).ok()?;
        Some(parsed.error.code)
    }
}

/// Why a request produced no response worth classifying.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    /// Connection refused, reset, timed out, or a garbled answer.
    #[error("network: {0}")]
    Network(String),
    /// The stored credentials were refused; nothing more will work until a new login.
    #[error("login required: {0}")]
    LoginRequired(String),
    /// The local credential store failed.
    #[error(transparent)]
    Local(#[from] SyncError),
}

/// A request to send.
#[derive(Debug, Clone, Default)]
pub struct Request<'a> {
    /// Path below the server URL, e.g. `/api/sessions`.
    pub path: &'a str,
    /// JSON body.
    pub json: Option<&'a serde_json::Value>,
    /// Raw body (for signed uploads), sent as `application/octet-stream`.
    pub bytes: Option<Vec<u8>>,
    /// `Idempotency-Key` header.
    pub idempotency_key: Option<&'a str>,
    /// `If-Match` version.
    pub if_match: Option<i64>,
    /// Send without a bearer token (login, refresh, signed URLs).
    pub anonymous: bool,
    /// Further headers (e.g. `Upload-Offset` of a chunk).
    pub headers: &'a [(&'static str, String)],
}

impl<'a> Request<'a> {
    /// A request without a body to `path` under the idempotency key `key` (a retried outbox
    /// step).
    pub fn keyed(path: &'a str, key: &'a str) -> Self {
        Self {
            path,
            idempotency_key: Some(key),
            ..Request::default()
        }
    }
}

/// A signed-in connection to the central API.
pub struct ApiClient {
    http: reqwest::Client,
    base_url: String,
    account: String,
    credentials: CredentialStore,
    tokens: Mutex<Option<Tokens>>,
}

impl std::fmt::Debug for ApiClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiClient")
            .field("base_url", &self.base_url)
            .field("account", &self.account)
            .finish_non_exhaustive()
    }
}

/// The credential-store account name for an email on a server.
pub fn account_name(server_url: &str, email: &str) -> String {
    format!("{} {}", email.trim().to_lowercase(), server_url)
}

/// Which transport a server URL uses, as far as the device's rule is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// `https://`: TLS with certificate verification, allowed for every host.
    Https,
    /// `http://` to this machine (127.0.0.0/8, `::1`, `localhost`): never leaves the device.
    LoopbackHttp,
}

/// Whether `url`'s host names this machine: an IPv4 address in 127.0.0.0/8, `::1` or `localhost`.
fn is_loopback_host(url: &reqwest::Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    // IPv6 hosts come bracketed (`[::1]`).
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<std::net::IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => {
            let name = bare.trim_end_matches('.').to_ascii_lowercase();
            name == "localhost" || name.ends_with(".localhost")
        }
    }
}

/// The device's transport rule for a server URL: `https://` anywhere, `http://` only to loopback.
/// Health data and tokens must never cross a network in clear text (issue 17).
pub fn check_transport(url: &str) -> Result<Transport, SyncError> {
    let parsed =
        reqwest::Url::parse(url).map_err(|_| SyncError::InvalidServerUrl(url.to_string()))?;
    if parsed.host().is_none() {
        return Err(SyncError::InvalidServerUrl(url.to_string()));
    }
    match parsed.scheme() {
        "https" => Ok(Transport::Https),
        "http" if is_loopback_host(&parsed) => Ok(Transport::LoopbackHttp),
        "http" => Err(SyncError::InsecureServerUrl(url.to_string())),
        _ => Err(SyncError::InvalidServerUrl(url.to_string())),
    }
}

/// `url` without trailing slashes, checked to be `https://`, or `http://` to a loopback host.
pub fn normalize_server_url(url: &str) -> Result<String, SyncError> {
    let trimmed = url.trim().trim_end_matches('/');
    check_transport(trimmed)?;
    Ok(trimmed.to_string())
}

/// Names a PEM file of certificate authorities the device trusts besides the public ones: a
/// clinic's own authority, for a server on its network with a certificate it issued.
pub const CA_CERT_ENV: &str = "PHYSALIGN_CA_CERT";

/// The certificate authorities of [`CA_CERT_ENV`], none when it is unset. A file that cannot be
/// read or holds no certificate is an error, never silently a connection without them.
fn extra_authorities() -> Result<Vec<reqwest::Certificate>, SyncError> {
    let Some(path) = std::env::var_os(CA_CERT_ENV).filter(|p| !p.is_empty()) else {
        return Ok(Vec::new());
    };
    let failed = |reason: String| SyncError::TrustedCertificates {
        path: path.clone().into(),
        reason,
    };
    let pem = std::fs::read(&path).map_err(|e| failed(e.to_string()))?;
    let authorities = reqwest::Certificate::from_pem_bundle(&pem)
        .map_err(|e| failed(format!("not a PEM certificate bundle: {e}")))?;
    if authorities.is_empty() {
        return Err(failed("holds no PEM certificate".into()));
    }
    Ok(authorities)
}

fn build_http(timeout: Duration) -> Result<reqwest::Client, SyncError> {
    // Certificate verification stays on (reqwest's default; never disabled here). A redirect may
    // not downgrade to clear-text http off this machine.
    let redirects = reqwest::redirect::Policy::custom(|attempt| {
        if attempt.previous().len() >= 10 {
            attempt.error("too many redirects")
        } else if check_transport(attempt.url().as_str()).is_err() {
            attempt.error("redirect to a URL that is neither https:// nor loopback")
        } else {
            attempt.follow()
        }
    });
    let mut builder = reqwest::Client::builder();
    for authority in extra_authorities()? {
        builder = builder.add_root_certificate(authority);
    }
    builder
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(10)))
        .redirect(redirects)
        .user_agent(concat!("physalign-sync/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| SyncError::Task(format!("HTTP client: {e}")))
}

impl ApiClient {
    /// A client for `server_url` signed in as `email`, with tokens from `credentials`.
    pub fn new(
        server_url: &str,
        email: &str,
        credentials: CredentialStore,
        timeout: Duration,
    ) -> Result<Self, SyncError> {
        let base_url = normalize_server_url(server_url)?;
        let account = account_name(&base_url, email);
        let tokens = credentials.load(&account)?;
        Ok(ApiClient {
            http: build_http(timeout)?,
            base_url,
            account,
            credentials,
            tokens: Mutex::new(tokens),
        })
    }

    /// Re-reads the stored tokens (after a login by another process).
    pub fn reload_tokens(&self) -> Result<(), SyncError> {
        let tokens = self.credentials.load(&self.account)?;
        match self.tokens.try_lock() {
            Ok(mut guard) => {
                *guard = tokens;
                Ok(())
            }
            Err(_) => Err(SyncError::Task("tokens busy".into())),
        }
    }

    /// The server URL.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Whether any tokens are stored for this account.
    pub async fn has_tokens(&self) -> bool {
        self.tokens.lock().await.is_some()
    }

    /// Logs in with email and password and stores the tokens; returns who the server says we are
    /// and which credential backend took the tokens.
    pub async fn login(
        &self,
        email: &str,
        password: &str,
    ) -> Result<(Me, crate::credentials::Backend), SyncError> {
        let body = serde_json::to_value(LoginRequest {
            email: email.to_string(),
            password: password.to_string(),
        })?;
        self.sign_in("/api/auth/login", &body).await
    }

    /// Claims a clinician's invitation (`POST /api/auth/claim`), which answers tokens like a
    /// login; stores them and returns who the server says we are.
    pub async fn claim(
        &self,
        invitation_code: &str,
        email: &str,
        password: &str,
    ) -> Result<(Me, crate::credentials::Backend), SyncError> {
        let body = serde_json::to_value(physalign_api::auth::ClaimRequest {
            invitation_code: invitation_code.to_string(),
            email: email.to_string(),
            password: password.to_string(),
        })?;
        self.sign_in("/api/auth/claim", &body).await
    }

    /// Posts credentials to a token-issuing endpoint, keeps the tokens, reads `/api/auth/me`.
    async fn sign_in(
        &self,
        path: &str,
        body: &serde_json::Value,
    ) -> Result<(Me, crate::credentials::Backend), SyncError> {
        let response = self
            .raw(
                Method::POST,
                &Request {
                    path,
                    json: Some(body),
                    anonymous: true,
                    ..Request::default()
                },
                None,
            )
            .await
            .map_err(|e| self.unreachable(e))?;
        if response.status == StatusCode::UNAUTHORIZED || response.status == StatusCode::FORBIDDEN {
            return Err(SyncError::LoginFailed(response.error_summary()));
        }
        if !response.status.is_success() {
            return Err(http_error("login", &response));
        }
        let tokens = tokens_from(response.json::<TokenResponse>()?);
        let backend = self.credentials.save(&self.account, &tokens)?;
        *self.tokens.lock().await = Some(tokens);
        let me = self
            .send(
                Method::GET,
                &Request {
                    path: "/api/auth/me",
                    ..Request::default()
                },
            )
            .await
            .map_err(|e| match e {
                RequestError::Network(detail) => SyncError::Unreachable {
                    url: self.base_url.clone(),
                    detail,
                },
                RequestError::LoginRequired(detail) => SyncError::LoginRequired(detail),
                RequestError::Local(e) => e,
            })?;
        if !me.status.is_success() {
            return Err(http_error("reading the signed-in user", &me));
        }
        Ok((me.json()?, backend))
    }

    fn unreachable(&self, e: RequestError) -> SyncError {
        match e {
            RequestError::Network(detail) => SyncError::Unreachable {
                url: self.base_url.clone(),
                detail,
            },
            RequestError::LoginRequired(detail) => SyncError::LoginRequired(detail),
            RequestError::Local(e) => e,
        }
    }

    /// Sends a request with the bearer token; on 401 refreshes the tokens once and retries.
    /// A refused refresh is [`RequestError::LoginRequired`].
    pub async fn send(
        &self,
        method: Method,
        request: &Request<'_>,
    ) -> Result<ApiResponse, RequestError> {
        let token = self.access_token().await?;
        let response = self.raw(method.clone(), request, Some(&token)).await?;
        if response.status != StatusCode::UNAUTHORIZED || request.anonymous {
            return Ok(response);
        }
        let token = self.refresh(Some(&token)).await?;
        let response = self.raw(method, request, Some(&token)).await?;
        if response.status == StatusCode::UNAUTHORIZED {
            return Err(RequestError::LoginRequired(response.error_summary()));
        }
        Ok(response)
    }

    /// A usable access token: the stored one while it is valid, else a refreshed one.
    async fn access_token(&self) -> Result<String, RequestError> {
        {
            let tokens = self.tokens.lock().await;
            let Some(tokens) = tokens.as_ref() else {
                return Err(RequestError::LoginRequired(
                    "no stored credentials for this account".into(),
                ));
            };
            let fresh = tokens
                .access_expires_at
                .is_some_and(|at| at > Utc::now() + chrono::Duration::seconds(30));
            if let (Some(token), true) = (&tokens.access_token, fresh) {
                return Ok(token.clone());
            }
        }
        self.refresh(None).await
    }

    /// Rotates the refresh token. `stale` is the access token that was refused: when another
    /// task already replaced it, that one's result is used instead of rotating again (a second
    /// rotation with the old refresh token would look like token theft to the server).
    async fn refresh(&self, stale: Option<&str>) -> Result<String, RequestError> {
        let mut guard = self.tokens.lock().await;
        let Some(current) = guard.clone() else {
            return Err(RequestError::LoginRequired("no stored credentials".into()));
        };
        if let (Some(stale), Some(now)) = (stale, current.access_token.as_deref()) {
            if stale != now {
                return Ok(now.to_string());
            }
        }
        // The retry key is saved before the request goes: if the answer is lost (or this
        // process dies waiting), the next attempt sends the same token with the same key and
        // the server hands out a fresh pair instead of ending the sign-in as token theft.
        let mut current = current;
        if current.pending_refresh_key.is_none() {
            current.pending_refresh_key = Some(uuid::Uuid::new_v4().simple().to_string());
            self.credentials.save(&self.account, &current)?;
            *guard = Some(current.clone());
        }
        let body = serde_json::to_value(RefreshRequest {
            refresh_token: current.refresh_token.clone(),
            retry_key: current.pending_refresh_key.clone(),
        })
        .map_err(SyncError::from)?;
        let response = self
            .raw(
                Method::POST,
                &Request {
                    path: "/api/auth/refresh",
                    json: Some(&body),
                    anonymous: true,
                    ..Request::default()
                },
                None,
            )
            .await?;
        if response.status == StatusCode::UNAUTHORIZED || response.status == StatusCode::BAD_REQUEST
        {
            return Err(RequestError::LoginRequired(format!(
                "refresh refused: {}",
                response.error_summary()
            )));
        }
        if !response.status.is_success() {
            return Err(RequestError::Network(format!(
                "refresh answered {}: {}",
                response.status,
                response.error_summary()
            )));
        }
        let tokens = tokens_from(
            response
                .json::<TokenResponse>()
                .map_err(|e| RequestError::Network(format!("refresh answer unreadable: {e}")))?,
        );
        self.credentials.save(&self.account, &tokens)?;
        let access = tokens.access_token.clone().unwrap_or_default();
        *guard = Some(tokens);
        Ok(access)
    }

    async fn raw(
        &self,
        method: Method,
        request: &Request<'_>,
        token: Option<&str>,
    ) -> Result<ApiResponse, RequestError> {
        let url = if request.path.starts_with("http://") || request.path.starts_with("https://") {
            // Upload URLs come from the server: they obey the same transport rule as its base.
            if let Err(e) = check_transport(request.path) {
                return Err(RequestError::Local(e));
            }
            request.path.to_string()
        } else {
            format!("{}{}", self.base_url, request.path)
        };
        let mut builder = self.http.request(method, &url);
        if let Some(token) = token.filter(|_| !request.anonymous) {
            builder = builder.bearer_auth(token);
        }
        if let Some(key) = request.idempotency_key {
            builder = builder.header(IDEMPOTENCY_KEY, key);
        }
        if let Some(version) = request.if_match {
            builder = builder.header(IF_MATCH, format!("\"{version}\""));
        }
        for (name, value) in request.headers {
            builder = builder.header(*name, value);
        }
        if let Some(json) = request.json {
            builder = builder.json(json);
        } else if let Some(bytes) = &request.bytes {
            builder = builder
                .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
                .body(bytes.clone());
        }
        let response = builder
            .send()
            .await
            .map_err(|e| RequestError::Network(error_chain(&e)))?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .bytes()
            .await
            .map_err(|e| RequestError::Network(error_chain(&e)))?;
        Ok(ApiResponse {
            status,
            headers,
            body: body.to_vec(),
        })
    }
}

fn tokens_from(response: TokenResponse) -> Tokens {
    let lifetime = i64::try_from(response.expires_in).unwrap_or(0);
    Tokens {
        refresh_token: response.refresh_token,
        access_token: Some(response.access_token),
        access_expires_at: Some(Utc::now() + chrono::Duration::seconds(lifetime)),
        pending_refresh_key: None,
    }
}

/// A [`SyncError::Http`] for an unexpected answer.
pub fn http_error(what: &str, response: &ApiResponse) -> SyncError {
    SyncError::Http {
        what: what.to_string(),
        status: response.status.as_u16(),
        detail: response.error_summary(),
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_is_allowed_for_any_host() {
        assert_eq!(
            check_transport("https://clinic.example.org").ok(),
            Some(Transport::Https)
        );
        assert_eq!(
            normalize_server_url("https://192.0.2.10:8443/")
                .ok()
                .as_deref(),
            Some("https://192.0.2.10:8443")
        );
    }

    #[test]
    fn http_is_allowed_only_to_loopback() {
        for url in [
            "http://127.0.0.1:8080",
            "http://127.1.2.3",
            "http://[::1]:3000",
            "http://localhost:8080/",
            "http://LOCALHOST",
        ] {
            assert_eq!(
                normalize_server_url(url).map(|_| ()).ok(),
                Some(()),
                "{url} should be allowed"
            );
        }
        for url in [
            "http://192.0.2.10:8080",
            "http://10.0.0.1",
            "http://[2001:db8::1]",
            "http://clinic.example.org",
            "http://localhost.example.org",
            "http://128.0.0.1",
        ] {
            let err = normalize_server_url(url).expect_err(url);
            assert!(
                matches!(err, SyncError::InsecureServerUrl(_)),
                "{url}: {err:?}"
            );
            assert!(err.to_string().contains("https://"), "{err}");
        }
    }

    #[test]
    fn other_schemes_and_garbage_are_invalid() {
        for url in [
            "ftp://127.0.0.1",
            "clinic.example.org",
            "",
            "https://",
            "file:///tmp/x",
        ] {
            assert!(
                matches!(
                    normalize_server_url(url),
                    Err(SyncError::InvalidServerUrl(_))
                ),
                "{url}"
            );
        }
    }
}
