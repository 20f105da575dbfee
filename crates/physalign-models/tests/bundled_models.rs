//! An installed app's bundled models stand in for the ones a user never provisioned, and a
//! provisioned cache still wins. Its own test binary: the bundled directory and
//! `PHYSALIGN_MODELS_DIR` are process-wide.

use physalign_models::{pose_detector, use_bundled_models, whisper_model, ModelError};
use std::fs;

#[test]
fn bundled_models_fill_in_for_what_the_cache_lacks() {
    let cache = tempfile::tempdir().unwrap();
    let bundle = tempfile::tempdir().unwrap();
    std::env::set_var("PHYSALIGN_MODELS_DIR", cache.path());

    // Nothing anywhere: the error says where the file was expected and how to provision it.
    let missing = pose_detector().unwrap_err();
    assert!(matches!(missing, ModelError::Missing { .. }));
    assert!(missing.to_string().contains("provision.sh"), "{missing}");

    for dir in [bundle.path(), cache.path()] {
        fs::create_dir_all(dir.join("pose")).unwrap();
    }
    fs::create_dir_all(bundle.path().join("whisper")).unwrap();
    fs::write(bundle.path().join("pose/pose_detection.onnx"), b"bundled").unwrap();
    fs::write(bundle.path().join("whisper/ggml-tiny.en.bin"), b"bundled").unwrap();
    use_bundled_models(bundle.path().to_path_buf());

    assert_eq!(
        whisper_model("tiny.en").unwrap(),
        bundle.path().join("whisper/ggml-tiny.en.bin")
    );
    assert_eq!(
        pose_detector().unwrap(),
        bundle.path().join("pose/pose_detection.onnx")
    );
    // A model the bundle lacks is still an error.
    assert!(whisper_model("base").is_err());

    // Once provisioned, the user's cache comes first.
    fs::write(
        cache.path().join("pose/pose_detection.onnx"),
        b"provisioned",
    )
    .unwrap();
    assert_eq!(
        pose_detector().unwrap(),
        cache.path().join("pose/pose_detection.onnx")
    );
}
