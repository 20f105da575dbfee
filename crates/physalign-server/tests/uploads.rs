//! Resumable, chunked uploads (`/api/uploads`) against a real PostgreSQL: offsets and their
//! conflicts, resumption, checksum verification, expiry, limits and per-owner authorisation.

mod common;

use common::{start, start_with, Reply, TestServer};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Deterministic test content.
fn content(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 % 251) as u8).collect()
}

impl TestServer {
    async fn create_upload(&self, token: &str, session: &str, file: &[u8], kind: &str) -> Reply {
        self.call(
            "POST",
            "/api/uploads",
            Some(token),
            Some(
                json!({"session_id": session, "kind": kind, "size_bytes": file.len(),
                        "sha256": sha(file)}),
            ),
        )
        .await
    }

    async fn chunk(&self, token: &str, id: &str, offset: u64, bytes: &[u8]) -> Reply {
        self.chunk_as(
            token,
            id,
            &offset.to_string(),
            "application/offset+octet-stream",
            bytes,
        )
        .await
    }

    async fn chunk_as(
        &self,
        token: &str,
        id: &str,
        offset: &str,
        content_type: &str,
        bytes: &[u8],
    ) -> Reply {
        let resp = self
            .http
            .patch(format!("{}/api/uploads/{id}", self.base))
            .bearer_auth(token)
            .header("content-type", content_type)
            .header("upload-offset", offset)
            .body(bytes.to_vec())
            .send()
            .await
            .expect("PATCH");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp.json().await.unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            body,
        }
    }

    async fn upload_status(&self, token: &str, id: &str) -> Reply {
        self.call("GET", &format!("/api/uploads/{id}"), Some(token), None)
            .await
    }

    async fn complete_upload(&self, token: &str, id: &str) -> Reply {
        self.call(
            "POST",
            &format!("/api/uploads/{id}/complete"),
            Some(token),
            None,
        )
        .await
    }
}

#[tokio::test]
async fn a_file_arrives_in_chunks_with_verified_offsets_and_is_stored_once_complete() {
    let srv = start().await;
    let patient = srv.signup("patient").await;
    let session = srv.session(&patient).await;
    let tok = patient.access.as_str();
    let file = content(10_000);

    let created = srv.create_upload(tok, &session, &file, "pose_data").await;
    let body = created.expect(201).clone();
    let id = body["upload_id"].as_str().unwrap().to_string();
    assert_eq!(body["offset"], 0);
    assert_eq!(body["status"], "open");
    assert_eq!(body["size_bytes"], 10_000);
    assert_eq!(
        created.header("location").as_deref(),
        Some(format!("/api/uploads/{id}").as_str())
    );
    assert_eq!(created.header("upload-offset").as_deref(), Some("0"));

    let first = srv.chunk(tok, &id, 0, &file[..4000]).await;
    assert_eq!(first.expect(200)["offset"], 4000);
    assert_eq!(first.header("upload-offset").as_deref(), Some("4000"));

    // Where to resume: GET (JSON and header) and HEAD (header only).
    let status = srv.upload_status(tok, &id).await;
    assert_eq!(status.expect(200)["offset"], 4000);
    let head = srv
        .http
        .head(format!("{}/api/uploads/{id}", srv.base))
        .bearer_auth(tok)
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(head.headers()["upload-offset"], "4000");
    assert_eq!(head.headers()["upload-length"], "10000");

    // A re-sent chunk (its acknowledgement was lost) and a chunk from the wrong place are
    // refused with the offset to continue from; nothing is written twice.
    for wrong in [0u64, 2000, 6000] {
        let r = srv.chunk(tok, &id, wrong, &file[..1000]).await;
        r.expect(409);
        assert_eq!(r.code(), "UPLOAD_OFFSET_MISMATCH");
        assert_eq!(r.body["error"]["details"]["offset"], 4000);
        assert_eq!(r.header("upload-offset").as_deref(), Some("4000"));
    }
    // Beyond the declared length.
    let r = srv.chunk(tok, &id, 4000, &content(6001)).await;
    r.expect(400);
    assert_eq!(r.code(), "UPLOAD_LENGTH_EXCEEDED");
    // Completing early says how far it got.
    let r = srv.complete_upload(tok, &id).await;
    r.expect(409);
    assert_eq!(r.code(), "UPLOAD_INCOMPLETE");
    assert_eq!(r.body["error"]["details"]["offset"], 4000);
    // No file yet where the finished one goes.
    let target = srv
        .storage
        .path()
        .join(format!("sessions/{session}/pose_data"));
    assert!(!target.exists());

    srv.chunk(tok, &id, 4000, &file[4000..9000])
        .await
        .expect(200);
    let last = srv.chunk(tok, &id, 9000, &file[9000..]).await;
    assert_eq!(last.expect(200)["offset"], 10_000);
    let done = srv.complete_upload(tok, &id).await;
    let done_body = done.expect(200).clone();
    assert_eq!(done_body["status"], "completed");
    assert_eq!(done_body["sha256"], sha(&file));
    assert_eq!(
        done_body["storage_key"],
        format!("sessions/{session}/pose_data")
    );
    assert_eq!(std::fs::read(&target).unwrap(), file, "byte-identical");
    // 4 chunks accepted (4000 + 5000 + 1000 bytes) and 3 refused (1000 bytes each); the
    // over-long chunk is not counted (refused before it was taken in).
    assert_eq!(done_body["chunks_received"], 6);
    assert_eq!(done_body["bytes_received"], 13_000);
    // The staging file is gone, the finished file stays.
    assert!(!srv
        .storage
        .path()
        .join(format!(".resumable/{id}.part"))
        .exists());

    // Completing again answers the same; more chunks are refused.
    let again = srv.complete_upload(tok, &id).await;
    assert_eq!(again.expect(200)["storage_key"], done_body["storage_key"]);
    let r = srv.chunk(tok, &id, 10_000, b"x").await;
    r.expect(409);
    assert_eq!(r.code(), "UPLOAD_COMPLETED");

    // Creation and completion are in the access log.
    let logged: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM access_logs WHERE resource_type = 'upload' AND resource_id = $1::uuid",
    )
    .bind(&session)
    .fetch_one(&srv.pool)
    .await
    .unwrap();
    assert_eq!(logged, 2);
}

#[tokio::test]
async fn a_checksum_mismatch_discards_the_upload() {
    let srv = start().await;
    let patient = srv.signup("patient").await;
    let session = srv.session(&patient).await;
    let tok = patient.access.as_str();
    let file = content(3000);
    let id = srv
        .create_upload(tok, &session, &file, "pose_data")
        .await
        .expect(201)["upload_id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut corrupted = file.clone();
    corrupted[1500] ^= 0xff;
    srv.chunk(tok, &id, 0, &corrupted).await.expect(200);
    let r = srv.complete_upload(tok, &id).await;
    r.expect(422);
    assert_eq!(r.code(), "UPLOAD_CHECKSUM_MISMATCH");
    assert_eq!(r.body["error"]["details"]["expected"], sha(&file));
    assert_eq!(r.body["error"]["details"]["actual"], sha(&corrupted));
    assert_eq!(
        srv.upload_status(tok, &id).await.expect(200)["status"],
        "failed"
    );
    let r = srv.chunk(tok, &id, 3000, b"").await;
    r.expect(409);
    assert_eq!(r.code(), "UPLOAD_FAILED");
    let r = srv.complete_upload(tok, &id).await;
    assert_eq!((r.status, r.code()), (409, "UPLOAD_FAILED"));
    assert!(!srv
        .storage
        .path()
        .join(format!("sessions/{session}/pose_data"))
        .exists());
    assert!(!srv
        .storage
        .path()
        .join(format!(".resumable/{id}.part"))
        .exists());
}

#[tokio::test]
async fn uploads_belong_to_their_creator() {
    let srv = start().await;
    let patient = srv.signup("patient").await;
    let stranger = srv.signup("patient").await;
    let physio = srv.signup("physiotherapist").await;
    let session = srv.session(&patient).await;
    let file = content(100);

    // Someone else's session: 404, like a missing one.
    let r = srv
        .create_upload(&stranger.access, &session, &file, "video")
        .await;
    r.expect(404);
    assert_eq!(r.code(), "SESSION_NOT_FOUND");
    let r = srv
        .create_upload(&physio.access, &session, &file, "video")
        .await;
    r.expect(404);
    // Without a token.
    srv.call(
        "POST",
        "/api/uploads",
        None,
        Some(json!({"session_id": session, "size_bytes": 1, "sha256": sha(b"x")})),
    )
    .await
    .expect(401);

    let id = srv
        .create_upload(&patient.access, &session, &file, "video")
        .await
        .expect(201)["upload_id"]
        .as_str()
        .unwrap()
        .to_string();
    // Nobody else may read, continue or complete it; not even an assigned physiotherapist.
    srv.link(&physio, &patient).await;
    for other in [&stranger, &physio] {
        let r = srv.upload_status(&other.access, &id).await;
        assert_eq!((r.status, r.code()), (404, "UPLOAD_NOT_FOUND"));
        let r = srv.chunk(&other.access, &id, 0, &file).await;
        assert_eq!((r.status, r.code()), (404, "UPLOAD_NOT_FOUND"));
        let r = srv.complete_upload(&other.access, &id).await;
        assert_eq!((r.status, r.code()), (404, "UPLOAD_NOT_FOUND"));
    }
    srv.chunk_as(
        "not-a-token",
        &id,
        "0",
        "application/offset+octet-stream",
        &file,
    )
    .await
    .expect(401);
    assert_eq!(
        srv.upload_status(&patient.access, &id).await.expect(200)["offset"],
        0
    );

    // Not even the assigned physiotherapist uploads a file to a session the patient recorded
    // (issue 17: measured data comes from the recording device only).
    let r = srv
        .create_upload(&physio.access, &session, &file, "video")
        .await;
    assert_eq!((r.status, r.code()), (403, "FORBIDDEN"));

    // A finished video becomes the session's video, as with the signed URL.
    srv.chunk(&patient.access, &id, 0, &file).await.expect(200);
    srv.complete_upload(&patient.access, &id).await.expect(200);
    let got = srv
        .call(
            "GET",
            &format!("/api/sessions/{session}"),
            Some(&patient.access),
            None,
        )
        .await;
    assert_eq!(
        got.expect(200)["session"]["video_url"],
        format!("sessions/{session}/video")
    );
}

#[tokio::test]
async fn malformed_requests_and_limits_are_refused_clearly() {
    let srv = start_with(|c| {
        c.upload_limit_bytes = 5000;
        c.upload_chunk_limit_bytes = 1024;
    })
    .await;
    let patient = srv.signup("patient").await;
    let session = srv.session(&patient).await;
    let tok = patient.access.as_str();

    let r = srv
        .call(
            "POST",
            "/api/uploads",
            Some(tok),
            Some(json!({"session_id": session, "size_bytes": 10, "sha256": "abc"})),
        )
        .await;
    r.expect(400);
    assert_eq!(r.body["error"]["details"][0]["field"], "sha256");
    let r = srv
        .create_upload(tok, &session, &content(5001), "pose_data")
        .await;
    r.expect(413);
    assert_eq!(r.code(), "PAYLOAD_TOO_LARGE");
    let r = srv
        .call(
            "POST",
            "/api/uploads",
            Some(tok),
            Some(json!({"session_id": session, "size_bytes": -1, "sha256": sha(b"")})),
        )
        .await;
    r.expect(400);

    let file = content(5000);
    let created = srv.create_upload(tok, &session, &file, "pose_data").await;
    assert_eq!(created.expect(201)["max_chunk_bytes"], 1024);
    let id = created.body["upload_id"].as_str().unwrap().to_string();
    let r = srv.chunk(tok, &id, 0, &file[..1025]).await;
    r.expect(413);
    assert_eq!(r.code(), "PAYLOAD_TOO_LARGE");
    let r = srv
        .chunk_as(tok, &id, "0", "application/json", &file[..10])
        .await;
    r.expect(415);
    for bad in ["", "-1", "abc", "1.5"] {
        let r = srv
            .chunk_as(tok, &id, bad, "application/octet-stream", &file[..10])
            .await;
        r.expect(400);
        assert_eq!(r.code(), "INVALID_UPLOAD_OFFSET");
    }
    let r = srv.upload_status(tok, "not-a-uuid").await;
    r.expect(400);
    let r = srv
        .upload_status(tok, &uuid::Uuid::new_v4().to_string())
        .await;
    r.expect(404);
    // Nothing of the refused requests was acknowledged.
    assert_eq!(srv.upload_status(tok, &id).await.expect(200)["offset"], 0);
}

#[tokio::test]
async fn an_expired_upload_is_gone_and_its_bytes_are_dropped() {
    let srv = start_with(|c| c.resumable_upload_ttl_secs = 0).await;
    let patient = srv.signup("patient").await;
    let session = srv.session(&patient).await;
    let tok = patient.access.as_str();
    let file = content(100);
    let id = srv
        .create_upload(tok, &session, &file, "pose_data")
        .await
        .expect(201)["upload_id"]
        .as_str()
        .unwrap()
        .to_string();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    assert_eq!(
        srv.upload_status(tok, &id).await.expect(200)["status"],
        "expired"
    );
    let r = srv.chunk(tok, &id, 0, &file).await;
    r.expect(410);
    assert_eq!(r.code(), "UPLOAD_EXPIRED");
    let r = srv.complete_upload(tok, &id).await;
    assert_eq!((r.status, r.code()), (410, "UPLOAD_EXPIRED"));
    assert!(!srv
        .storage
        .path()
        .join(format!(".resumable/{id}.part"))
        .exists());
    // Creating another upload sweeps expired ones that nobody touched.
    let other = srv
        .create_upload(tok, &session, &file, "pose_data")
        .await
        .expect(201)["upload_id"]
        .as_str()
        .unwrap()
        .to_string();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    srv.create_upload(tok, &session, &file, "pose_data")
        .await
        .expect(201);
    let status: String =
        sqlx::query_scalar("SELECT status FROM resumable_uploads WHERE id = $1::uuid")
            .bind(&other)
            .fetch_one(&srv.pool)
            .await
            .unwrap();
    assert_eq!(status, "expired");
    assert!(!srv
        .storage
        .path()
        .join(format!(".resumable/{other}.part"))
        .exists());
}

#[tokio::test]
async fn concurrent_copies_of_a_chunk_are_written_once_and_create_is_idempotent() {
    let srv = start().await;
    let patient = srv.signup("patient").await;
    let session = srv.session(&patient).await;
    let tok = patient.access.as_str();
    let file = content(64 * 1024);
    let body = json!({"session_id": session, "kind": "pose_data", "size_bytes": file.len(),
                      "sha256": sha(&file)});
    let first = srv
        .call_with(
            "POST",
            "/api/uploads",
            Some(tok),
            Some(body.clone()),
            &[("idempotency-key", "up-1")],
        )
        .await;
    let id = first.expect(201)["upload_id"].as_str().unwrap().to_string();
    let replay = srv
        .call_with(
            "POST",
            "/api/uploads",
            Some(tok),
            Some(body),
            &[("idempotency-key", "up-1")],
        )
        .await;
    assert_eq!(replay.expect(201)["upload_id"], id.as_str());

    let half = file.len() / 2;
    let sends = (0..6).map(|_| srv.chunk(tok, &id, 0, &file[..half]));
    let replies = futures::future::join_all(sends).await;
    let ok = replies.iter().filter(|r| r.status == 200).count();
    let conflicts = replies
        .iter()
        .filter(|r| r.status == 409 && r.code() == "UPLOAD_OFFSET_MISMATCH")
        .count();
    assert_eq!((ok, conflicts), (1, 5));
    srv.chunk(tok, &id, half as u64, &file[half..])
        .await
        .expect(200);
    let done = srv.complete_upload(tok, &id).await;
    assert_eq!(done.expect(200)["status"], "completed");
    let stored = std::fs::read(
        srv.storage
            .path()
            .join(format!("sessions/{session}/pose_data")),
    )
    .unwrap();
    assert_eq!(stored, file);
}
