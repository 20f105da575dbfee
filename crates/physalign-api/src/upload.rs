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

    /// The kind named by [`UploadKind::as_str`].
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "video" => Some(UploadKind::Video),
            "pose_data" => Some(UploadKind::PoseData),
            _ => None,
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

/// Request header (and response header) carrying a resumable upload's byte offset, as in tus.
pub const UPLOAD_OFFSET_HEADER: &str = "upload-offset";
/// Response header with a resumable upload's declared total size, as in tus.
pub const UPLOAD_LENGTH_HEADER: &str = "upload-length";

/// `POST /api/uploads`: declares a file that will arrive in chunks.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUploadRequest {
    /// The session the file belongs to.
    pub session_id: Uuid,
    /// What the file is (default `video`).
    #[serde(default)]
    pub kind: UploadKind,
    /// Exact size of the whole file in bytes.
    pub size_bytes: u64,
    /// Hex SHA-256 of the whole file, checked when the upload is completed.
    pub sha256: String,
}

/// Where a resumable upload stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UploadState {
    /// Accepting chunks.
    Open,
    /// Checksum verified; the file is stored under `storage_key`.
    Completed,
    /// The checksum did not match; the bytes were discarded. Start a new upload.
    Failed,
    /// Not touched within the server's time limit; the bytes were discarded. Start a new upload.
    Expired,
}

/// A resumable upload as the server sees it (answer to create, chunk, status and complete).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ResumableUpload {
    /// The upload's id, used in `/api/uploads/{upload_id}`.
    pub upload_id: Uuid,
    /// The session the file belongs to.
    pub session_id: Uuid,
    /// What the file is.
    pub kind: UploadKind,
    /// Declared total size in bytes.
    pub size_bytes: u64,
    /// Declared hex SHA-256.
    pub sha256: String,
    /// Bytes acknowledged so far (stored durably): the next chunk must start here.
    pub offset: u64,
    /// Where the upload stands.
    pub status: UploadState,
    /// Largest chunk the server accepts in one request.
    pub max_chunk_bytes: u64,
    /// Chunk bytes the server took in, acknowledged or refused (for spotting re-sends).
    pub bytes_received: u64,
    /// Chunk requests the server took in, acknowledged or refused.
    pub chunks_received: u64,
    /// An open upload untouched until then expires; every acknowledged chunk extends it.
    pub expires_at: DateTime<Utc>,
    /// Where the file is stored, once completed (the same key the signed URL flow uses).
    pub storage_key: Option<String>,
}
