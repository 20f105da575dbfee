//! Which side moves: for one-sided and alternating exercises (a lunge to one side, a single-arm
//! curl, one leg raised) averaging left and right hides the movement. Each side's recent range of
//! motion, weighted by how well that side is seen, decides; it is re-checked as the session goes
//! (the range forgets with a time constant of a few seconds).

use crate::metric::Side;
use serde::{Deserialize, Serialize};

/// Seconds over which an old range of motion fades (a few repetitions).
const MEMORY_S: f32 = 6.0;

/// A side whose seen range is below this share of the other side's is resting.
const RESTING_SHARE: f32 = 0.4;

/// Ranges below this (in the metric's units, degrees for angles) are tremor, not movement.
const MIN_MOVEMENT: f32 = 8.0;

/// The sides doing the movement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ActiveSides {
    /// Both sides move (or neither does yet).
    #[default]
    Both,
    /// Only the left side moves.
    Left,
    /// Only the right side moves.
    Right,
}

impl ActiveSides {
    /// The single moving side, if only one moves.
    pub fn single(self) -> Option<Side> {
        match self {
            Self::Both => None,
            Self::Left => Some(Side::Left),
            Self::Right => Some(Side::Right),
        }
    }

    /// Whether `side` takes part in the movement.
    pub fn includes(self, side: Side) -> bool {
        self.single().is_none_or(|s| s == side)
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct Envelope {
    lo: f32,
    hi: f32,
    visibility: f32,
    seen: bool,
}

impl Envelope {
    fn push(&mut self, value: f32, visibility: f32, fade: f32) {
        if !self.seen {
            *self = Self {
                lo: value,
                hi: value,
                visibility,
                seen: true,
            };
            return;
        }
        let mid = (self.lo + self.hi) / 2.0;
        self.lo = (mid + (self.lo - mid) * fade).min(value);
        self.hi = (mid + (self.hi - mid) * fade).max(value);
        self.visibility = self.visibility * fade + visibility * (1.0 - fade);
    }

    fn score(&self) -> f32 {
        (self.hi - self.lo) * self.visibility.clamp(0.0, 1.0)
    }
}

/// Follows the range of motion of both sides of one metric.
#[derive(Debug, Clone, Default)]
pub struct SideActivity {
    sides: [Envelope; 2],
    last_ms: Option<i64>,
    active: ActiveSides,
}

impl SideActivity {
    /// No history yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds one frame's values (and the visibility of each side's joints, 0..1).
    pub fn push(&mut self, timestamp_ms: i64, values: [Option<f32>; 2], visibility: [f32; 2]) {
        let dt_s = self
            .last_ms
            .map_or(0.0, |t| (timestamp_ms - t).max(0) as f32 / 1000.0);
        self.last_ms = Some(timestamp_ms);
        let fade = (-dt_s / MEMORY_S).exp();
        for (i, value) in values.into_iter().enumerate() {
            if let Some(v) = value {
                self.sides[i].push(v, visibility[i], fade);
            }
        }
        self.active = self.decide();
    }

    fn decide(&self) -> ActiveSides {
        let [l, r] = self.sides.map(|e| if e.seen { e.score() } else { 0.0 });
        if l.max(r) < MIN_MOVEMENT {
            return ActiveSides::Both;
        }
        if l < RESTING_SHARE * r {
            ActiveSides::Right
        } else if r < RESTING_SHARE * l {
            ActiveSides::Left
        } else {
            ActiveSides::Both
        }
    }

    /// The sides moving now.
    pub fn active(&self) -> ActiveSides {
        self.active
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_moving_side_is_found_and_re_checked() {
        let mut a = SideActivity::new();
        // 10 s of the left elbow curling (160 -> 50), the right hanging with tremor.
        for i in 0..300 {
            let t = i as f32 / 30.0;
            let left = 105.0 + 55.0 * (t * 2.0).cos();
            let right = 165.0 + if i % 2 == 0 { 2.0 } else { -2.0 };
            a.push(i * 33, [Some(left), Some(right)], [0.9, 0.9]);
        }
        assert_eq!(a.active(), ActiveSides::Left);
        // The patient switches arms: within a few seconds the right side is the active one.
        for i in 300..700 {
            let t = i as f32 / 30.0;
            let right = 105.0 + 55.0 * (t * 2.0).cos();
            a.push(i * 33, [Some(165.0), Some(right)], [0.9, 0.9]);
        }
        assert_eq!(a.active(), ActiveSides::Right);
        // Both arms together.
        for i in 700..1100 {
            let t = i as f32 / 30.0;
            let v = 105.0 + 55.0 * (t * 2.0).cos();
            a.push(i * 33, [Some(v), Some(v + 5.0)], [0.9, 0.9]);
        }
        assert_eq!(a.active(), ActiveSides::Both);
    }

    #[test]
    fn a_hidden_side_that_seems_to_move_does_not_win() {
        let mut a = SideActivity::new();
        for i in 0..300 {
            let t = i as f32 / 30.0;
            let seen = 140.0 + 30.0 * (t * 2.0).cos();
            let hidden = 120.0 + 40.0 * (t * 3.1).sin();
            a.push(i * 33, [Some(seen), Some(hidden)], [0.95, 0.2]);
        }
        assert_eq!(a.active(), ActiveSides::Left);
    }
}
