//! Cuts in a recording: an edit, a camera switch or a different person replaces the body between
//! two consecutive frames without any gap in time. Smoothing and counting must not run across it.

use physalign_domain::{LandmarkType as L, PoseFrame};

/// The torso centre moving more than this many torso lengths between consecutive frames, faster
/// than a body moves, is a cut.
const MAX_JUMP_TORSO: f32 = 0.6;

/// A confirmed cut moves the torso centre this many torso lengths from where it was before.
const LASTING_JUMP_TORSO: f32 = 1.5;

/// The torso length changing by more than this factor between consecutive frames is a cut (the
/// camera zoomed or switched).
const MAX_SCALE_CHANGE: f32 = 1.5;

/// Frames further apart than this are a gap, handled elsewhere, not compared.
const MAX_COMPARE_MS: i64 = 250;

/// A jump is a cut only when the new framing lasts this long; the tracker losing the body for a
/// few frames (a fast movement, blur) and finding it again is not a cut.
const CONFIRM_MS: i64 = 500;

/// The first frames of a track are not compared (the tracker is still settling on the body).
const SETTLE_MS: i64 = 150;

/// Landmarks below this visibility are not compared.
const SEEN: f32 = 0.5;

/// Compares each frame's torso with the previous one.
#[derive(Debug, Clone, Default)]
pub struct CutDetector {
    last: Option<(i64, (f32, f32), f32)>,
    /// When the current track began (the first body after a frame without one).
    track_start: Option<i64>,
    /// The torso before a jump not yet confirmed as a cut, and when the jump happened.
    suspect: Option<(i64, (f32, f32), f32)>,
}

impl CutDetector {
    /// No history yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether a jump is being watched: until it is confirmed as a cut or found to be a glitch,
    /// the frames are not to be counted on.
    pub fn suspecting(&self) -> bool {
        self.suspect.is_some()
    }

    /// The time of a cut confirmed at this frame (pixel geometry with `width` x `height`): the
    /// body jumped or changed size between consecutive frames and has not come back since.
    pub fn push(&mut self, frame: &PoseFrame, width: f32, height: f32) -> Option<i64> {
        let Some((centre, torso)) = torso(frame, width, height) else {
            // Nobody (or no torso) in this frame: the next body found is a new track, which the
            // analyser lets settle on its own; only consecutive bodies are compared.
            self.last = None;
            self.track_start = None;
            self.suspect = None;
            return None;
        };
        let t = frame.timestamp_ms;
        let track_start = *self.track_start.get_or_insert(t);
        let mut confirmed = None;
        if let Some((t0, c0, s0)) = self.suspect {
            // The body moves meanwhile (a fast squat drops it by a torso length in half a
            // second): only a lasting change of size or a far jump confirms a new shot.
            if !differs_lastingly((c0, s0), (centre, torso)) {
                // The body is back where it was: a tracking glitch.
                self.suspect = None;
            } else if t - t0 >= CONFIRM_MS {
                self.suspect = None;
                confirmed = Some(t0);
            }
        } else if let Some((t0, c0, s0)) = self.last {
            // A new track's first frames are unsettled (see the analyser's warm-up).
            let settled = t0 - track_start >= SETTLE_MS;
            if settled
                && (0..=MAX_COMPARE_MS).contains(&(t - t0))
                && differs((c0, s0), (centre, torso))
            {
                self.suspect = Some((t, c0, s0));
            }
        }
        self.last = Some((t, centre, torso));
        confirmed
    }
}

/// Whether a torso differs from the one before a jump by more than the body's own motion since.
fn differs_lastingly((c0, s0): ((f32, f32), f32), (c1, s1): ((f32, f32), f32)) -> bool {
    let jump = ((c1.0 - c0.0).powi(2) + (c1.1 - c0.1).powi(2)).sqrt();
    let scale = s1.max(s0) / s1.min(s0).max(1.0);
    jump > LASTING_JUMP_TORSO * s0.max(s1) || scale > MAX_SCALE_CHANGE
}

/// Whether two torsos (centre, length) are too far apart or too different in size to be the
/// same body a frame apart.
fn differs((c0, s0): ((f32, f32), f32), (c1, s1): ((f32, f32), f32)) -> bool {
    let jump = ((c1.0 - c0.0).powi(2) + (c1.1 - c0.1).powi(2)).sqrt();
    let scale = s1.max(s0) / s1.min(s0).max(1.0);
    jump > MAX_JUMP_TORSO * s0.max(s1) || scale > MAX_SCALE_CHANGE
}

fn torso(frame: &PoseFrame, width: f32, height: f32) -> Option<((f32, f32), f32)> {
    let get = |k: L| {
        frame
            .landmarks
            .get(k.index())
            .filter(|lm| lm.visibility >= SEEN)
            .map(|lm| (lm.x * width, lm.y * height))
    };
    let (ls, rs) = (get(L::LeftShoulder)?, get(L::RightShoulder)?);
    let (lh, rh) = (get(L::LeftHip)?, get(L::RightHip)?);
    let s = ((ls.0 + rs.0) / 2.0, (ls.1 + rs.1) / 2.0);
    let h = ((lh.0 + rh.0) / 2.0, (lh.1 + rh.1) / 2.0);
    let length = ((s.0 - h.0).powi(2) + (s.1 - h.1).powi(2)).sqrt();
    (length > 1.0).then_some((((s.0 + h.0) / 2.0, (s.1 + h.1) / 2.0), length))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinematics::tests::frame_with;

    fn body(x: f32, torso: f32, t: i64) -> PoseFrame {
        let mut f = frame_with(&[
            (L::LeftShoulder, x + 0.05, 0.3),
            (L::RightShoulder, x - 0.05, 0.3),
            (L::LeftHip, x + 0.04, 0.3 + torso),
            (L::RightHip, x - 0.04, 0.3 + torso),
        ]);
        f.timestamp_ms = t;
        f
    }

    #[test]
    fn a_jump_or_zoom_is_a_cut_and_motion_is_not() {
        let mut d = CutDetector::new();
        let mut cuts = Vec::new();
        for i in 0..30 {
            // Walking steadily to the right.
            cuts.push(d.push(&body(0.3 + i as f32 * 0.005, 0.3, i * 33), 640.0, 480.0));
        }
        assert!(cuts.iter().all(Option::is_none));
        // The tracker loses the body for a moment and finds it again: no cut.
        let (glitch, back) = (body(0.8, 0.1, 30 * 33), body(0.45, 0.3, 33 * 33));
        assert_eq!(d.push(&glitch, 640.0, 480.0), None);
        assert_eq!(d.push(&back, 640.0, 480.0), None);
        // A new shot that lasts: a cut at its first frame, confirmed once.
        let cuts: Vec<Option<i64>> = (34..60)
            .map(|i| d.push(&body(0.8, 0.15, i * 33), 640.0, 480.0))
            .collect();
        let confirmed: Vec<i64> = cuts.iter().flatten().copied().collect();
        assert_eq!(confirmed, vec![34 * 33], "{cuts:?}");
    }
}
