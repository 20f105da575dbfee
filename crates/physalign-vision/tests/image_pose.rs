//! The real models on a real photograph.

mod common;

use physalign_vision::{
    load_image, LandmarkType, PoseConfig, PoseEstimator, PoseVariant, VisionError,
};

fn estimator(variant: PoseVariant) -> PoseEstimator {
    PoseEstimator::new(&PoseConfig {
        variant,
        threads: 1,
    })
    .expect("models are provisioned")
}

#[test]
fn astronaut_is_one_upright_person_with_the_nose_on_her_face() {
    let image = load_image(common::asset("astronaut.png")).unwrap();
    for variant in [PoseVariant::Lite, PoseVariant::Full] {
        let people = estimator(variant).estimate_image(&image).unwrap();
        assert_eq!(people.len(), 1, "{variant}");
        let person = &people[0];
        assert!(person.score > 0.5, "{variant}: score {}", person.score);
        assert_eq!(person.landmarks.len(), 33);
        assert_eq!(person.world_landmarks.len(), 33);
        let at = |kind: LandmarkType| person.landmarks[kind.index()];
        let nose = at(LandmarkType::Nose);
        // Her nose is at about (222, 130) of the 512 x 512 portrait.
        assert!(
            (nose.x - 0.434).abs() < 0.05 && (nose.y - 0.254).abs() < 0.05,
            "{variant}: nose {nose:?}"
        );
        assert!(nose.visibility > 0.8, "{variant}: nose {nose:?}");
        let (ls, rs) = (
            at(LandmarkType::LeftShoulder),
            at(LandmarkType::RightShoulder),
        );
        let (lh, rh) = (at(LandmarkType::LeftHip), at(LandmarkType::RightHip));
        assert!(
            ls.y < lh.y && rs.y < rh.y,
            "{variant}: shoulders above hips"
        );
        assert!(
            ls.y > nose.y && rs.y > nose.y,
            "{variant}: shoulders below the nose"
        );
        // Facing the camera: her left shoulder is on the image's right.
        assert!(ls.x > rs.x, "{variant}: {ls:?} {rs:?}");
        assert!(ls.visibility > 0.5 && rs.visibility > 0.5, "{variant}");
        // Hips are below the frame edge.
        assert!(lh.y > 0.9, "{variant}: hip {lh:?}");
        // World landmarks are metres around the hips: shoulders 0.25 to 0.6 m above them.
        let w = |kind: LandmarkType| person.world_landmarks[kind.index()];
        let rise = w(LandmarkType::LeftHip).y - w(LandmarkType::LeftShoulder).y;
        assert!(
            (0.25..0.8).contains(&rise),
            "{variant}: shoulder-hip rise {rise} m"
        );
        let shoulder_width =
            (w(LandmarkType::LeftShoulder).x - w(LandmarkType::RightShoulder).x).abs();
        assert!(
            (0.2..0.6).contains(&shoulder_width),
            "{variant}: shoulder width {shoulder_width} m"
        );
    }
}

#[test]
fn detector_matches_the_provisioning_reference_on_the_astronaut() {
    // models/pose/MODEL_IO.md: best anchor score 0.804, kp0 (0.290, 1.020), kp1 (0.469, 0.065),
    // measured by provisioning on the same image with MediaPipe's own TFLite model (its resize
    // to 224 differs slightly from ours, hence the tolerances).
    let image = load_image(common::asset("astronaut.png")).unwrap();
    let detections = estimator(PoseVariant::Full).detect(&image).unwrap();
    assert_eq!(detections.len(), 1, "{detections:?}");
    let d = &detections[0];
    assert!((d.score - 0.804).abs() < 0.02, "{d:?}");
    let near = |(x, y): (f32, f32), (ex, ey): (f32, f32)| {
        ((x / 512.0 - ex).powi(2) + (y / 512.0 - ey).powi(2)).sqrt() < 0.03
    };
    assert!(near(d.keypoints[0], (0.290, 1.020)), "{d:?}");
    assert!(near(d.keypoints[1], (0.469, 0.065)), "{d:?}");
}

#[test]
fn empty_scene_gives_an_empty_result() {
    let mut estimator = estimator(PoseVariant::Full);
    let gray = image::RgbImage::from_pixel(640, 480, image::Rgb([128, 128, 128]));
    assert!(estimator.estimate_image(&gray).unwrap().is_empty());
    // The astronaut's background corner: flag and rocket, nobody in it.
    let image = load_image(common::asset("astronaut.png")).unwrap();
    let corner = image::imageops::crop_imm(&image, 380, 0, 132, 240).to_image();
    assert!(estimator.estimate_image(&corner).unwrap().is_empty());
    let zero = image::RgbImage::new(0, 0);
    assert!(matches!(
        estimator.estimate_image(&zero),
        Err(VisionError::EmptyImage { .. })
    ));
}

#[test]
fn rotated_person_is_found_through_the_rotated_region() {
    let image = load_image(common::asset("astronaut.png")).unwrap();
    let turned = image::imageops::rotate90(&image);
    let people = estimator(PoseVariant::Full)
        .estimate_image(&turned)
        .unwrap();
    assert_eq!(people.len(), 1);
    let lm = &people[0].landmarks;
    let nose = lm[LandmarkType::Nose.index()];
    // rotate90 is clockwise: (x, y) -> (1 - y, x).
    assert!(
        (nose.x - (1.0 - 0.254)).abs() < 0.06 && (nose.y - 0.434).abs() < 0.06,
        "{nose:?}"
    );
}

#[test]
fn bad_image_files_are_typed_errors() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.png");
    assert!(matches!(
        load_image(&missing),
        Err(VisionError::FileNotFound(_))
    ));
    let text = dir.path().join("photo.png");
    std::fs::write(&text, "not a picture").unwrap();
    assert!(matches!(load_image(&text), Err(VisionError::Image { .. })));
    let png = std::fs::read(common::asset("astronaut.png")).unwrap();
    let truncated = dir.path().join("truncated.png");
    std::fs::write(&truncated, &png[..png.len() / 3]).unwrap();
    assert!(matches!(
        load_image(&truncated),
        Err(VisionError::Image { .. })
    ));
}
