//! Test support: a real PostgreSQL cluster per test binary (initdb into a temp dir, run as the
//! `postgres` user when the tests run as root), a fresh database per test, and the server
//! running in-process on a loopback port.

#![allow(dead_code)]

pub use physalign_testpg as pg;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};

use physalign_server::config::ServerConfig;
use physalign_server::state::AppState;
use serde_json::{json, Value};
use sha2::Digest;

pub use pg::cluster;

/// A password that meets the policy.
pub const PASSWORD: &str = "Str0ng-Passw0rd!";

/// A running server on its own database.
pub struct TestServer {
    /// `http://127.0.0.1:port`.
    pub base: String,
    /// HTTP client.
    pub http: reqwest::Client,
    /// Direct database access for assertions.
    pub pool: sqlx::PgPool,
    /// The storage directory.
    pub storage: tempfile::TempDir,
    /// Its database, for another server on the same data.
    pub database_url: String,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

static DB_COUNTER: AtomicUsize = AtomicUsize::new(0);

/// Starts a server on a fresh database, with `tweak` applied to the default configuration.
pub async fn start_with(tweak: impl FnOnce(&mut ServerConfig)) -> TestServer {
    let cluster = cluster();
    let name = format!(
        "t_{}_{}",
        std::process::id(),
        DB_COUNTER.fetch_add(1, Ordering::SeqCst)
    );
    let url = cluster.create_database(&name);
    start_on(url, tweak).await
}

/// Starts a server on the database `url` (migrated if it is not yet), with `tweak` applied to
/// the default configuration.
pub async fn start_on(url: String, tweak: impl FnOnce(&mut ServerConfig)) -> TestServer {
    let storage = tempfile::tempdir().expect("temp dir");
    let mut config = ServerConfig::new(url.clone(), "test-secret-test-secret-test-secret-0123");
    config.storage_dir = storage.path().to_path_buf();
    config.db_pool_max = 10;
    config.rate_limit_per_minute = 100_000;
    tweak(&mut config);
    let pool = physalign_server::db::connect(&config)
        .await
        .expect("connect");
    physalign_server::db::migrate(&pool).await.expect("migrate");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr: SocketAddr = listener.local_addr().expect("addr");
    config.listen = addr;
    let state = AppState::new(config, pool.clone()).expect("state");
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = physalign_server::app::serve(listener, state, async {
            let _ = rx.await;
        })
        .await;
    });
    TestServer {
        base: format!("http://{addr}"),
        http: reqwest::Client::new(),
        pool,
        storage,
        database_url: url,
        shutdown: Some(tx),
    }
}

impl TestServer {
    /// One clean-up pass over this server's database and storage directory under `policy`.
    pub async fn retention_pass(
        &self,
        policy: &physalign_server::retention::RetentionPolicy,
    ) -> physalign_server::retention::Pass {
        use physalign_server::storage::{DiskStaging, LocalDiskStore, UploadStaging};
        let staging = UploadStaging::Disk(DiskStaging::new(self.storage.path().join(".resumable")));
        let storage = LocalDiskStore::new(self.storage.path().to_path_buf());
        physalign_server::retention::run_once(&self.pool, &staging, &storage, policy)
            .await
            .expect("retention pass")
    }
}

impl TestServer {
    /// What a clean-up pass under `policy` would remove now.
    pub async fn retention_preview(
        &self,
        policy: &physalign_server::retention::RetentionPolicy,
    ) -> physalign_server::retention::Swept {
        let storage =
            physalign_server::storage::LocalDiskStore::new(self.storage.path().to_path_buf());
        physalign_server::retention::preview(&self.pool, &storage, policy)
            .await
            .expect("retention preview")
    }
}

/// Starts a server with the default test configuration.
pub async fn start() -> TestServer {
    start_with(|_| {}).await
}

/// A signed-in user.
#[derive(Debug, Clone)]
pub struct User {
    pub id: String,
    pub email: String,
    pub profile_id: Option<String>,
    pub access: String,
    pub refresh: String,
}

impl User {
    /// The user's patient or physiotherapist profile id (a seed's `clientId` / `therapistId`).
    pub fn pid(&self) -> String {
        self.profile_id.clone().expect("a profile")
    }
}

/// Two clinicians, each caring for one patient, and an administrator: the cast of the
/// visibility tests (own clinician, other clinician, patient, other patient, admin).
pub struct CareTeams {
    pub srv: TestServer,
    pub physio: User,
    pub other_physio: User,
    pub patient: User,
    pub other_patient: User,
    pub admin: User,
}

/// A fresh server with [`CareTeams`] signed up and linked.
pub async fn care_teams() -> CareTeams {
    let srv = start().await;
    let physio = srv.signup("physiotherapist").await;
    let other_physio = srv.signup("physiotherapist").await;
    let patient = srv.signup("patient").await;
    let other_patient = srv.signup("patient").await;
    let admin = srv.admin().await;
    srv.link(&physio, &patient).await;
    srv.link(&other_physio, &other_patient).await;
    CareTeams {
        srv,
        physio,
        other_physio,
        patient,
        other_patient,
        admin,
    }
}

/// A status code and JSON body (Null when empty).
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Reply {
    /// The error code of an error reply.
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }

    /// Asserts the status and, for errors, the error format.
    #[track_caller]
    pub fn expect(&self, status: u16) -> &Value {
        assert_eq!(
            self.status, status,
            "unexpected status, body: {}",
            self.body
        );
        if status >= 400 {
            assert_error_format(self);
        }
        &self.body
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }
}

/// Asserts `{"error":{"code":string,"message":string,...}}`.
#[track_caller]
pub fn assert_error_format(reply: &Reply) {
    let err = &reply.body["error"];
    assert!(
        err["code"].is_string() && !err["code"].as_str().unwrap_or("").is_empty(),
        "no error code in {}",
        reply.body
    );
    assert!(
        err["message"].is_string(),
        "no error message in {}",
        reply.body
    );
}

impl TestServer {
    /// Sends a request; `body` None sends no body.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        self.call_with(method, path, token, body, &[]).await
    }

    /// Sends a request with extra headers.
    pub async fn call_with(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self.http.request(method, format!("{}{}", self.base, path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        into_reply(req.send().await.expect("request")).await
    }

    /// Sends raw bytes with a content type.
    pub async fn raw(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> Reply {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self
            .http
            .request(method, format!("{}{}", self.base, path))
            .body(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(ct) = content_type {
            req = req.header("content-type", ct);
        }
        into_reply(req.send().await.expect("request")).await
    }

    /// A user with `role` and its tokens and ids: a patient signs up; a physiotherapist is
    /// created as an administrator would (`physalign-server create-user`), since clinicians
    /// cannot sign up.
    pub async fn signup(&self, role: &str) -> User {
        if role == "physiotherapist" {
            return self.clinician().await;
        }
        let n = DB_COUNTER.fetch_add(1, Ordering::SeqCst);
        let email = format!("{role}{n}@example.org");
        let reply = self
            .call(
                "POST",
                "/api/auth/signup",
                None,
                Some(json!({"email": email, "password": PASSWORD, "first_name": "Test", "last_name": format!("{role}{n}"), "role": role})),
            )
            .await;
        reply.expect(201);
        self.identity(email, &reply).await
    }

    /// A physiotherapist created through the library (as `create-user` does), signed in.
    pub async fn clinician(&self) -> User {
        let n = DB_COUNTER.fetch_add(1, Ordering::SeqCst);
        let email = format!("physiotherapist{n}@example.org");
        physalign_server::accounts::create_user(
            &self.pool,
            physalign_server::accounts::NewUser {
                email: &email,
                password: PASSWORD,
                first_name: "Test",
                last_name: &format!("physiotherapist{n}"),
                role: physalign_api::auth::Role::Physiotherapist,
            },
        )
        .await
        .expect("create clinician");
        self.login(&email, PASSWORD).await
    }

    /// Logs in and returns the identity.
    pub async fn login(&self, email: &str, password: &str) -> User {
        let reply = self
            .call(
                "POST",
                "/api/auth/login",
                None,
                Some(json!({"email": email, "password": password})),
            )
            .await;
        reply.expect(200);
        self.identity(email.to_string(), &reply).await
    }

    /// The identity behind a token answer (signup, login, claim).
    pub async fn identity(&self, email: String, tokens: &Reply) -> User {
        let access = tokens.body["access_token"].as_str().unwrap().to_string();
        let refresh = tokens.body["refresh_token"].as_str().unwrap().to_string();
        let me = self.call("GET", "/api/auth/me", Some(&access), None).await;
        me.expect(200);
        User {
            id: me.body["id"].as_str().unwrap().to_string(),
            email,
            profile_id: me.body["profile_id"].as_str().map(str::to_string),
            access,
            refresh,
        }
    }

    /// The clinician registers a patient; returns the answer (`patient_id`,
    /// `invitation_code`, ...).
    pub async fn register_patient(&self, clinician: &User, email: &str) -> Value {
        let reply = self
            .call(
                "POST",
                "/api/patients",
                Some(&clinician.access),
                Some(json!({"first_name": "Pat", "last_name": "Ient", "email": email, "date_of_birth": "1980-02-03"})),
            )
            .await;
        reply.expect(201).clone()
    }

    /// Claims an invitation; the raw reply.
    pub async fn claim(&self, code: &str, email: &str, password: &str) -> Reply {
        self.call(
            "POST",
            "/api/auth/claim",
            None,
            Some(json!({"invitation_code": code, "email": email, "password": password})),
        )
        .await
    }

    /// Creates an admin through the library (as `create-admin` does) and logs in.
    pub async fn admin(&self) -> User {
        let n = DB_COUNTER.fetch_add(1, Ordering::SeqCst);
        let email = format!("admin{n}@example.org");
        physalign_server::routes::auth::create_admin(&self.pool, &email, PASSWORD)
            .await
            .expect("create admin");
        let reply = self
            .call(
                "POST",
                "/api/auth/login",
                None,
                Some(json!({"email": email, "password": PASSWORD})),
            )
            .await;
        reply.expect(200);
        let access = reply.body["access_token"].as_str().unwrap().to_string();
        let me = self.call("GET", "/api/auth/me", Some(&access), None).await;
        User {
            id: me.body["id"].as_str().unwrap().to_string(),
            email,
            profile_id: None,
            refresh: reply.body["refresh_token"].as_str().unwrap().to_string(),
            access,
        }
    }

    /// Starts a care relationship between `patient` and `physio` the administrator's way
    /// (the library call behind `POST /api/physio/patients`).
    pub async fn link(&self, physio: &User, patient: &User) {
        let pid = patient.profile_id.as_deref().expect("patient profile");
        let tid = physio.profile_id.as_deref().expect("physio profile");
        physalign_server::repo::physio::assign(
            &self.pool,
            pid.parse().expect("uuid"),
            tid.parse().expect("uuid"),
        )
        .await
        .expect("assign");
    }

    /// Uploads `file` as the session's pose data through the resumable upload and completes it.
    pub async fn store_pose_file(&self, token: &str, session: &str, file: &[u8]) {
        let created = self
            .call(
                "POST",
                "/api/uploads",
                Some(token),
                Some(
                    json!({"session_id": session, "kind": "pose_data", "size_bytes": file.len(),
                            "sha256": hex::encode(sha2::Sha256::digest(file))}),
                ),
            )
            .await;
        let id = created.expect(201)["upload_id"]
            .as_str()
            .unwrap()
            .to_string();
        let resp = self
            .http
            .patch(format!("{}/api/uploads/{id}", self.base))
            .bearer_auth(token)
            .header("content-type", "application/offset+octet-stream")
            .header("upload-offset", "0")
            .body(file.to_vec())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        self.call(
            "POST",
            &format!("/api/uploads/{id}/complete"),
            Some(token),
            None,
        )
        .await
        .expect(200);
    }

    /// Creates a session for `patient` (as the patient) and returns its id.
    pub async fn session(&self, patient: &User) -> String {
        let reply = self
            .call(
                "POST",
                "/api/sessions",
                Some(&patient.access),
                Some(json!({"exercise_type": "squat"})),
            )
            .await;
        reply.expect(201);
        reply.body["session_id"].as_str().unwrap().to_string()
    }
}

async fn into_reply(resp: reqwest::Response) -> Reply {
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let bytes = resp.bytes().await.expect("body");
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
    };
    Reply {
        status,
        headers,
        body,
    }
}

/// A frame in seed 003's shape with all 33 landmarks.
pub fn frame(i: usize) -> Value {
    let landmarks: Vec<Value> = physalign_domain::LandmarkType::ALL
        .iter()
        .map(|t| json!({"type": t.name(), "x": 0.5, "y": 0.4, "z": 0.1, "visibility": 0.98}))
        .collect();
    let knee = 90.0 + (i % 30) as f64;
    json!({
        "timestamp": 1_706_630_400_000i64 + (i as i64) * 66,
        "landmarks": landmarks,
        "angles": {"knee_left": knee, "knee_right": knee - 2.0},
        "quality_score": 0.9,
        "form_issues": [{"type": "ANGLE_WARNING", "joint": "knee_left", "message": "Left knee angle below target range", "severity": "MEDIUM"}]
    })
}

/// A pose upload with `n` frames.
pub fn pose_upload(n: usize) -> Value {
    json!({
        "frames": (0..n).map(frame).collect::<Vec<_>>(),
        "summary_statistics": {"total_frames": n, "average_quality": 0.9, "peak_angles": {"knee_left_max": 119.0}}
    })
}
