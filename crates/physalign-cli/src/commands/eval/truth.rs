//! The hand counts of an evaluation folder (`DIR/ground_truth.json`) in the two shapes the
//! shared test data uses: `videos/` (`{"exercise_id", "reps"}` per clip) and `videos_more/`
//! (`{"count": {"complete_reps" | "steps_approx" | "hold_seconds", "partial_reps", "per_side"}}`,
//! no exercise id: the catalogue exercise of each clip is given below).

use serde_json::Value;

/// The catalogue exercise of each `videos_more` clip (its ground truth names none), one
/// `CLIP EXERCISE` per line; the analysis crate's real-clip test reads the same file.
const EXERCISE_OF_CLIP: &str =
    include_str!("../../../../../tests/evaluation/videos_more_exercises.txt");

/// The exercise `clip` is listed with in [`EXERCISE_OF_CLIP`].
fn exercise_of_clip(clip: &str) -> Option<&'static str> {
    EXERCISE_OF_CLIP
        .lines()
        .filter_map(|line| line.split_once(' '))
        .find(|(c, _)| *c == clip)
        .map(|(_, exercise)| exercise.trim())
}

/// What a clip is compared on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Expected {
    /// Complete repetitions (steps for gait, rises for Timed Up and Go).
    Count(u32),
    /// Seconds held.
    HoldSeconds(f64),
}

/// One clip's truth.
#[derive(Debug, Clone)]
pub struct ClipTruth {
    /// Video file name.
    pub clip: String,
    /// Catalogue exercise id.
    pub exercise_id: String,
    /// The number compared.
    pub expected: Expected,
    /// Partial repetitions counted by hand, when given.
    pub partial: Option<u32>,
    /// The hand count per side, as written (e.g. "3 left + 3 right complete").
    pub per_side: Option<String>,
}

/// Every clip of a ground-truth file that names (or maps to) an exercise and a count.
pub fn clips(ground_truth: &serde_json::Map<String, Value>) -> Vec<ClipTruth> {
    ground_truth
        .iter()
        .filter_map(|(clip, entry)| clip_truth(clip, entry))
        .collect()
}

fn clip_truth(clip: &str, entry: &Value) -> Option<ClipTruth> {
    let exercise_id = entry
        .get("exercise_id")
        .and_then(Value::as_str)
        .or_else(|| exercise_of_clip(clip))?
        .to_string();
    let count = entry.get("count");
    let number = |key: &str| count.and_then(|c| c.get(key)).and_then(Value::as_f64);
    let whole = |v: f64| (v >= 0.0).then_some(v.round() as u32);
    let expected = match entry.get("reps").and_then(Value::as_f64) {
        Some(reps) => Expected::Count(whole(reps)?),
        None => match (
            number("complete_reps"),
            number("steps_approx"),
            number("hold_seconds"),
        ) {
            (Some(n), _, _) | (None, Some(n), _) => Expected::Count(whole(n)?),
            (None, None, Some(s)) => Expected::HoldSeconds(s),
            _ => return None,
        },
    };
    Some(ClipTruth {
        clip: clip.to_string(),
        exercise_id,
        expected,
        partial: number("partial_reps").and_then(whole),
        per_side: count
            .and_then(|c| c.get("per_side"))
            .and_then(Value::as_str)
            .map(str::to_string),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_shapes_are_read() {
        let gt: serde_json::Map<String, Value> = serde_json::from_str(
            r#"{"_note": "x",
                "a.mp4": {"exercise_id": "squat", "reps": 4},
                "05_hip_abduction_standing_front.mp4": {"count": {"complete_reps": 6, "partial_reps": 1, "per_side": "3 left + 3 right complete"}},
                "09_single_leg_balance_tree_pose_front.mp4": {"count": {"hold_seconds": 6.2}},
                "13_gait_walk_side.mp4": {"count": {"steps_approx": 5}},
                "unknown.mp4": {"count": {"complete_reps": 1}}}"#,
        )
        .unwrap();
        let clips = clips(&gt);
        assert_eq!(clips.len(), 4);
        let get = |name: &str| clips.iter().find(|c| c.clip.starts_with(name)).unwrap();
        let hip = get("05_");
        assert_eq!(hip.expected, Expected::Count(6));
        assert_eq!(hip.exercise_id, "hip_abduction");
        assert_eq!(hip.partial, Some(1));
        assert_eq!(get("09_").expected, Expected::HoldSeconds(6.2));
        assert_eq!(get("13_").expected, Expected::Count(5));
        assert_eq!(get("a.mp4").expected, Expected::Count(4));
    }
}
