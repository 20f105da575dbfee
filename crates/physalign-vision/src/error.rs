//! Errors of the vision engine.

use std::path::PathBuf;

/// Everything that can go wrong while estimating poses.
#[derive(Debug, thiserror::Error)]
pub enum VisionError {
    /// A model file or the ONNX Runtime library has not been provisioned.
    #[error(transparent)]
    Model(#[from] physalign_models::ModelError),
    /// The ONNX Runtime library exists but cannot be loaded or is too old.
    #[error("cannot load ONNX Runtime from {path}: {reason}")]
    RuntimeLoad {
        /// The library file.
        path: PathBuf,
        /// Why loading failed.
        reason: String,
    },
    /// ONNX Runtime rejected a model or failed during inference.
    #[error("ONNX Runtime error ({context}): {message}")]
    Inference {
        /// What was being done.
        context: String,
        /// The runtime's message.
        message: String,
    },
    /// A model's inputs or outputs are not what the pose pipeline expects.
    #[error("model {model} has unexpected inputs/outputs: {detail}")]
    ModelShape {
        /// Which model.
        model: String,
        /// What did not match.
        detail: String,
    },
    /// An input file does not exist.
    #[error("file not found: {0}")]
    FileNotFound(PathBuf),
    /// A still image cannot be read or decoded.
    #[error("cannot read image {path}: {reason}")]
    Image {
        /// The image file.
        path: PathBuf,
        /// The decoder's message.
        reason: String,
    },
    /// The file is not a video FFmpeg can demux, or has no video stream.
    #[error("not a readable video {path}: {reason}")]
    NotAVideo {
        /// The file.
        path: PathBuf,
        /// What FFmpeg said.
        reason: String,
    },
    /// The video stream could not be decoded (corrupt or truncated data).
    #[error("cannot decode video {path}: {reason}")]
    Decode {
        /// The file.
        path: PathBuf,
        /// What FFmpeg said.
        reason: String,
    },
    /// The video opened but contained no decodable frame.
    #[error("video {0} contains no decodable frames")]
    NoFrames(PathBuf),
    /// An image with zero width or height.
    #[error("image is empty ({width}x{height})")]
    EmptyImage {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
    },
    /// A COCO annotation file that cannot be read or parsed.
    #[error("cannot read COCO annotations {path}: {reason}")]
    Annotations {
        /// The annotation file.
        path: PathBuf,
        /// What was wrong.
        reason: String,
    },
}

impl VisionError {
    /// Wraps an ONNX Runtime error with what was being done.
    pub(crate) fn inference(context: impl Into<String>, err: impl std::fmt::Display) -> Self {
        Self::Inference {
            context: context.into(),
            message: err.to_string(),
        }
    }
}
