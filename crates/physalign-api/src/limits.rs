//! Time limits both sides of the API agree on (issue 17). The server stops working on a request
//! before a device stops waiting for it, so a slow request ends in the server's own answer (a
//! `503` to retry, or the stored answer of its idempotency key), never in a client timeout that
//! leaves the device guessing whether it went through.

/// How long a request with an `Idempotency-Key` that is already being answered waits for that
/// answer before `409 IDEMPOTENCY_KEY_IN_PROGRESS`, seconds.
pub const IDEMPOTENCY_WAIT_SECS: u64 = 20;

/// The server's default limit on one JSON API request, seconds: past it the request is
/// abandoned (its transaction rolled back) and answered `503 SERVICE_UNAVAILABLE`.
pub const SERVER_REQUEST_TIMEOUT_SECS: u64 = 25;

/// The sync client's default wait for one answer, seconds.
pub const CLIENT_REQUEST_TIMEOUT_SECS: u64 = 40;

const _: () = assert!(
    IDEMPOTENCY_WAIT_SECS < SERVER_REQUEST_TIMEOUT_SECS
        && SERVER_REQUEST_TIMEOUT_SECS < CLIENT_REQUEST_TIMEOUT_SECS,
    "a device must wait longer than the server works on a request"
);
