//! Keypoint accuracy on COCO-annotated people (needs ../shared).

mod common;

use physalign_vision::coco::{self, RegionSource, DEFAULT_ALPHA};
use physalign_vision::{PoseConfig, PoseEstimator, PoseVariant};

#[test]
fn full_model_reaches_pck_0_85_on_coco_people() {
    let Some(testdata) = common::shared_testdata() else {
        eprintln!("skipped: ../shared not present");
        return;
    };
    let dir = testdata.join("keypoints/mmpose_coco");
    let mut estimator = PoseEstimator::new(&PoseConfig {
        variant: PoseVariant::Full,
        threads: 1,
    })
    .unwrap();
    let eval = coco::evaluate(&mut estimator, &dir, DEFAULT_ALPHA).unwrap();
    for p in &eval.people {
        eprintln!(
            "{} {} PCK {:.3} ({}/{}) {:?}",
            p.image,
            p.annotation_id,
            p.pck(),
            p.correct,
            p.labelled,
            p.region
        );
    }
    eprintln!(
        "overall PCK@0.2 {:.3} ({}/{})",
        eval.pck(),
        eval.correct,
        eval.labelled
    );
    assert_eq!(eval.people.len(), 12, "every annotated person is evaluated");
    assert!(eval.labelled > 150);
    assert!(eval.pck() >= 0.85, "PCK {:.3}", eval.pck());
    let detected = eval
        .people
        .iter()
        .filter(|p| p.region == RegionSource::Detector)
        .count();
    assert!(
        detected >= 9,
        "the detector should find most people: {detected}/12"
    );
}
