//! Signed upload URLs for session recordings.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// What is being uploaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UploadKind {
    /// The session video.
    #[default]
    Video,
    /// A raw pose-data file (the JSON the device recorded).
    PoseData,
}

impl UploadKind {
    /// The last part of the storage key.
    pub fn as_str(self) -> &'static str {
        match self {
            UploadKind::Video => "video",
            UploadKind::PoseData => "pose_data",
        }
    }
}

/// `POST /api/upload/generate-url`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GenerateUploadUrlRequest {
    /// The session the file belongs to.
    pub session_id: Uuid,
    /// What the file is (default `video`).
    #[serde(default)]
    pub kind: UploadKind,
}

/// A signed, expiring upload target.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UploadUrl {
    /// Send the bytes to this URL with `method`; no other credentials needed.
    pub upload_url: String,
    /// Always `PUT`.
    pub method: String,
    /// Where the file will be stored.
    pub storage_key: String,
    /// After this the URL is refused.
    pub expires_at: DateTime<Utc>,
}

/// `200` answer to the upload `PUT`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UploadReceipt {
    /// Where the file was stored.
    pub storage_key: String,
    /// Bytes stored.
    pub size_bytes: u64,
    /// SHA-256 of the stored bytes, hex.
    pub sha256: String,
}
