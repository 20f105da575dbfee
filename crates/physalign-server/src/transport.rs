//! Transport safeguards every response and request shares (issue 17): security headers, and the
//! client address as a trusted reverse proxy reports it.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

use crate::config::ServerConfig;
use crate::state::AppState;

/// `X-Forwarded-For`, as the reverse proxy writes it.
pub const X_FORWARDED_FOR: &str = "x-forwarded-for";

/// HSTS for a year, subdomains included: once a browser saw HTTPS it never downgrades.
const HSTS: &str = "max-age=31536000; includeSubDomains";

/// The caller's address, worked out once per request by [`client_address`] and read by
/// [`crate::extract::client_ip`] for the access log, the audit log and the rate limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

/// The client address of a request from `peer`: the peer itself, unless the peer is a trusted
/// proxy; then the right-most `X-Forwarded-For` entry that is not itself a trusted proxy
/// (entries to its left were written by the client and prove nothing).
pub fn resolve_client(config: &ServerConfig, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
    if !config.is_trusted_proxy(peer) {
        return peer;
    }
    let mut client = peer;
    let entries = headers
        .get_all(X_FORWARDED_FOR)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect::<Vec<_>>();
    for entry in entries.into_iter().rev() {
        let Ok(ip) = entry.parse::<IpAddr>() else {
            // A garbled hop: keep the last address a trusted proxy vouched for.
            break;
        };
        client = ip;
        if !config.is_trusted_proxy(ip) {
            break;
        }
    }
    client
}

/// Middleware: records the caller's [`ClientAddr`] in the request extensions.
pub async fn client_address(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    if let Some(peer) = peer {
        let client = resolve_client(&state.config, peer, request.headers());
        request.extensions_mut().insert(ClientAddr(client));
    }
    next.run(request).await
}

/// Middleware: `X-Content-Type-Options: nosniff` and `Cache-Control: no-store` on every
/// response (the API's answers carry patient data or tokens), and `Strict-Transport-Security`
/// when clients reach the server over HTTPS (behind a TLS-terminating proxy).
pub async fn security_headers(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if state.config.clients_use_https() {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn behind(ranges: &[&str]) -> ServerConfig {
        let mut c = ServerConfig::new("postgres://localhost/x", "s");
        c.behind_proxy = true;
        c.trusted_proxies = ranges.iter().map(|r| r.parse().expect("range")).collect();
        c
    }

    fn xff(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            X_FORWARDED_FOR,
            HeaderValue::from_str(value).expect("header"),
        );
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn forwarded_for_is_believed_only_from_a_trusted_peer() {
        let c = behind(&["10.0.0.0/8"]);
        assert_eq!(
            resolve_client(&c, ip("10.0.0.2"), &xff("203.0.113.9")),
            ip("203.0.113.9")
        );
        // From an untrusted peer the header is the attacker's own text.
        assert_eq!(
            resolve_client(&c, ip("198.51.100.4"), &xff("203.0.113.9")),
            ip("198.51.100.4")
        );
        // A spoofed left-most entry is skipped: the proxy appended the real one.
        assert_eq!(
            resolve_client(&c, ip("10.0.0.2"), &xff("1.2.3.4, 203.0.113.9")),
            ip("203.0.113.9")
        );
        // Chained trusted proxies are walked through.
        assert_eq!(
            resolve_client(&c, ip("10.0.0.2"), &xff("203.0.113.9, 10.0.0.7")),
            ip("203.0.113.9")
        );
        assert_eq!(
            resolve_client(&c, ip("10.0.0.2"), &HeaderMap::new()),
            ip("10.0.0.2")
        );
        assert_eq!(
            resolve_client(&c, ip("10.0.0.2"), &xff("garbage")),
            ip("10.0.0.2")
        );
        // Without --behind-proxy nothing is trusted.
        let mut direct = c.clone();
        direct.behind_proxy = false;
        assert_eq!(
            resolve_client(&direct, ip("10.0.0.2"), &xff("203.0.113.9")),
            ip("10.0.0.2")
        );
    }
}
