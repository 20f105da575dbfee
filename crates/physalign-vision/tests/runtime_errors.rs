//! A missing or wrong ONNX Runtime library is a typed error, never a panic. Its own test binary:
//! it changes process-wide environment variables.

use physalign_vision::{PoseConfig, PoseEstimator, VisionError};

#[test]
fn missing_or_wrong_runtime_library_is_a_typed_error() {
    let dir = tempfile::tempdir().unwrap();
    let load = |lib: &std::path::Path| {
        // SAFETY (edition 2021: safe call): this test binary has a single test, no other threads
        // read the environment meanwhile.
        std::env::set_var("PHYSALIGN_ORT_LIB", lib);
        PoseEstimator::new(&PoseConfig::default()).err()
    };

    let missing = load(&dir.path().join("libonnxruntime.so"));
    assert!(
        matches!(
            missing,
            Some(VisionError::Model(
                physalign_models::ModelError::Missing { .. }
            ))
        ),
        "{missing:?}"
    );

    let text = dir.path().join("libonnxruntime.so");
    std::fs::write(&text, "not a shared library").unwrap();
    let err = load(&text).expect("a text file is not a runtime");
    assert!(matches!(err, VisionError::RuntimeLoad { .. }), "{err}");

    // A real shared library, but not ONNX Runtime.
    let libm = [
        "/lib/x86_64-linux-gnu/libm.so.6",
        "/usr/lib/x86_64-linux-gnu/libm.so.6",
        "/lib64/libm.so.6",
    ]
    .into_iter()
    .map(std::path::PathBuf::from)
    .find(|p| p.is_file());
    if let Some(libm) = libm {
        let err = load(&libm).expect("libm is not a runtime");
        assert!(err.to_string().contains("OrtGetApiBase"), "{err}");
    }

    // The provisioned library still loads afterwards: failures are not cached.
    std::env::remove_var("PHYSALIGN_ORT_LIB");
    PoseEstimator::new(&PoseConfig::default()).expect("the provisioned runtime loads");
}
