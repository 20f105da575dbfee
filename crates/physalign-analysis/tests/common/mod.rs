//! Synthetic pose frames: a side-view person whose knee angle follows a given trace.

use physalign_domain::{Landmark, LandmarkType as L, PoseFrame, LANDMARK_COUNT};

/// A side-view frame (normalised to a square frame) with the given included knee angle.
pub fn squat_frame(timestamp_ms: i64, knee_deg: f32) -> PoseFrame {
    let half = (180.0 - knee_deg).to_radians() / 2.0;
    let (seg, ankle) = (0.2_f32, (0.5_f32, 0.9_f32));
    let knee = (ankle.0 + seg * half.sin(), ankle.1 - seg * half.cos());
    let hip = (knee.0 - seg * half.sin(), knee.1 - seg * half.cos());
    let shoulder = (hip.0 + 0.03, hip.1 - 0.25);
    let elbow = (shoulder.0 + 0.02, shoulder.1 + 0.12);
    let wrist = (elbow.0 + 0.08, elbow.1 + 0.02);
    let mut landmarks: Vec<Landmark> = (0..LANDMARK_COUNT)
        .map(|i| Landmark {
            kind: L::ALL[i],
            x: shoulder.0,
            y: shoulder.1 - 0.08,
            z: 0.0,
            visibility: 0.95,
            presence: 0.99,
        })
        .collect();
    let mut put = |k: L, p: (f32, f32)| {
        landmarks[k.index()].x = p.0;
        landmarks[k.index()].y = p.1;
    };
    for (l, r, p) in [
        (L::LeftShoulder, L::RightShoulder, shoulder),
        (L::LeftElbow, L::RightElbow, elbow),
        (L::LeftWrist, L::RightWrist, wrist),
        (L::LeftHip, L::RightHip, hip),
        (L::LeftKnee, L::RightKnee, knee),
        (L::LeftAnkle, L::RightAnkle, ankle),
        (L::LeftHeel, L::RightHeel, (ankle.0 - 0.03, ankle.1 + 0.02)),
        (
            L::LeftFootIndex,
            L::RightFootIndex,
            (ankle.0 + 0.07, ankle.1 + 0.03),
        ),
    ] {
        put(l, p);
        put(r, p);
    }
    PoseFrame {
        timestamp_ms,
        landmarks,
        world_landmarks: Vec::new(),
    }
}

/// A frame with nobody in it.
pub fn empty_frame(timestamp_ms: i64) -> PoseFrame {
    PoseFrame {
        timestamp_ms,
        landmarks: Vec::new(),
        world_landmarks: Vec::new(),
    }
}

/// Knee angle of `reps` squats (1.2 s down to `bottom`, 1.2 s up, 0.8 s standing) after 1 s
/// standing, at time `t` seconds.
pub fn squat_trace(t: f32, reps: u32, bottom: f32) -> f32 {
    let period = 3.2;
    let t = t - 1.0;
    if t < 0.0 || t >= period * reps as f32 {
        return 172.0;
    }
    let phase = t % period;
    let depth = if phase < 2.4 {
        0.5 - 0.5 * (std::f32::consts::PI * phase / 1.2).cos()
    } else {
        0.0
    };
    172.0 - depth * (172.0 - bottom)
}
