//! The desktop app on Tauri's mock runtime over a real SQLite file in a temporary directory,
//! shared by the command tests: the commands called as the window calls them, and the sign-in
//! the engine reads its role from.
#![allow(dead_code)] // each test binary uses its own part

use chrono::Utc;
use physalign_desktop::settings::AppPaths;
use physalign_desktop::{prepare_state, with_commands};
use physalign_store::sync_state::SyncIdentity;
use physalign_store::Store;
use serde_json::Value;
use std::path::PathBuf;
use std::time::Instant;
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{
    get_ipc_response, mock_builder, mock_context, noop_assets, MockRuntime, INVOKE_KEY,
};
use tauri::webview::InvokeRequest;
use tauri::WebviewWindow;
use uuid::Uuid;

/// The app with its window, database and lock-secrets file.
pub struct TestApp {
    _app: tauri::App<MockRuntime>,
    pub window: WebviewWindow<MockRuntime>,
    pub db: PathBuf,
    pub lock: PathBuf,
    _dir: tempfile::TempDir,
}

/// A fresh app on an empty database.
pub fn app() -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let paths = AppPaths {
        db: dir.path().join("data/physalign.sqlite"),
        settings: dir.path().join("config/desktop.json"),
        credentials: dir.path().join("credentials"),
        lock_secrets: dir.path().join("config/lock.json"),
    };
    let (db, lock) = (paths.db.clone(), paths.lock_secrets.clone());
    let state = prepare_state(paths, Instant::now()).unwrap();
    let app = with_commands(mock_builder(), state)
        .build(mock_context(noop_assets()))
        .unwrap();
    let window = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
    TestApp {
        _app: app,
        window,
        db,
        lock,
        _dir: dir,
    }
}

impl TestApp {
    /// Calls a command; its answer or its error message.
    pub fn call(&self, cmd: &str, body: Value) -> Result<Value, String> {
        get_ipc_response(
            &self.window,
            InvokeRequest {
                cmd: cmd.into(),
                callback: CallbackFn(0),
                error: CallbackFn(1),
                url: "tauri://localhost".parse().unwrap(),
                body: InvokeBody::Json(body),
                headers: Default::default(),
                invoke_key: INVOKE_KEY.to_string(),
            },
        )
        .map(|b| b.deserialize::<Value>().unwrap())
        .map_err(|e| e.to_string())
    }

    /// Calls a command that must succeed.
    pub fn ok(&self, cmd: &str, body: Value) -> Value {
        self.call(cmd, body)
            .unwrap_or_else(|e| panic!("{cmd} failed: {e}"))
    }

    /// Calls a command that must be refused; the refusal.
    pub fn err(&self, cmd: &str, body: Value) -> String {
        match self.call(cmd, body) {
            Ok(v) => panic!("{cmd} should be refused, answered {v}"),
            Err(e) => e,
        }
    }

    /// Signs the device in as a new user with `role`; the user's id.
    pub fn sign_in_as(&self, role: &str) -> Uuid {
        let user = Uuid::new_v4();
        Store::open(&self.db)
            .unwrap()
            .set_sync_identity(&SyncIdentity {
                server_url: "http://127.0.0.1:9".into(),
                email: format!("{role}@example.org"),
                user_id: Some(user),
                role: Some(role.into()),
                logged_in_at: Utc::now(),
                login_required_reason: None,
            })
            .unwrap();
        user
    }
}
