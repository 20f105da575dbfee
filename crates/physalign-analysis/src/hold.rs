//! Timed holds (wall sit, plank): time spent inside the target range, and the breaks.

use serde::{Deserialize, Serialize};

/// Time out of range between two stretches in range.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct HoldBreak {
    /// When the position was lost.
    pub start_ms: i64,
    /// When it was regained.
    pub end_ms: i64,
}

/// One hold: from entering the target range to finally leaving it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hold {
    /// First time in range.
    pub start_ms: i64,
    /// Last time in range.
    pub end_ms: i64,
    /// Total time inside the range, seconds.
    pub time_in_range_s: f64,
    /// Longest uninterrupted stretch, seconds.
    pub longest_stretch_s: f64,
    /// Prescribed time, seconds.
    pub target_s: f64,
    /// Whether the time in range reached the target.
    pub achieved: bool,
    /// Breaks longer than the grace time.
    pub breaks: Vec<HoldBreak>,
}

/// Hold tracker settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HoldTrackerSettings {
    /// Prescribed time, seconds.
    pub target_s: f32,
    /// Out-of-range stretches shorter than this are not breaks.
    pub grace_s: f32,
    /// Holds shorter than this are not reported.
    pub min_hold_s: f32,
    /// A break longer than this ends the hold (the patient stopped).
    pub max_break_s: f32,
}

/// Follows whether the position is held, sample by sample.
#[derive(Debug, Clone)]
pub struct HoldTracker {
    settings: HoldTrackerSettings,
    current: Option<Hold>,
    stretch_start_ms: Option<i64>,
    out_since_ms: Option<i64>,
    last: Option<(i64, bool)>,
    done: Vec<Hold>,
}

/// Longest sample interval credited as time in range (longer ones are gaps in the data).
const MAX_CREDIT_MS: i64 = 500;

impl HoldTracker {
    /// A tracker with no history.
    pub fn new(settings: HoldTrackerSettings) -> Self {
        Self {
            settings,
            current: None,
            stretch_start_ms: None,
            out_since_ms: None,
            last: None,
            done: Vec::new(),
        }
    }

    /// Whether a hold is in progress and in range now.
    pub fn holding(&self) -> bool {
        self.current.is_some() && self.out_since_ms.is_none()
    }

    /// Seconds held so far in the current hold.
    pub fn current_time_s(&self) -> f64 {
        self.current.as_ref().map_or(0.0, |h| h.time_in_range_s)
    }

    /// Feeds one sample: whether the position is in range (`None` = not measurable, counted out).
    pub fn push(&mut self, timestamp_ms: i64, in_range: Option<bool>) {
        let inside = in_range.unwrap_or(false);
        if let (Some((t0, was_in)), Some(hold)) = (self.last, self.current.as_mut()) {
            let dt = timestamp_ms - t0;
            if was_in && inside && (0..=MAX_CREDIT_MS).contains(&dt) {
                hold.time_in_range_s += dt as f64 / 1000.0;
            }
        }
        self.last = Some((timestamp_ms, inside));

        if inside {
            match (&mut self.current, self.out_since_ms.take()) {
                (None, _) => {
                    self.current = Some(Hold {
                        start_ms: timestamp_ms,
                        end_ms: timestamp_ms,
                        time_in_range_s: 0.0,
                        longest_stretch_s: 0.0,
                        target_s: self.settings.target_s as f64,
                        achieved: false,
                        breaks: Vec::new(),
                    });
                    self.stretch_start_ms = Some(timestamp_ms);
                }
                (Some(hold), Some(out_since)) => {
                    if (timestamp_ms - out_since) as f32 >= self.settings.grace_s * 1000.0 {
                        hold.breaks.push(HoldBreak {
                            start_ms: out_since,
                            end_ms: timestamp_ms,
                        });
                        self.stretch_start_ms = Some(timestamp_ms);
                    }
                }
                (Some(_), None) => {}
            }
            if let (Some(hold), Some(s)) = (self.current.as_mut(), self.stretch_start_ms) {
                hold.end_ms = timestamp_ms;
                hold.longest_stretch_s = hold
                    .longest_stretch_s
                    .max((timestamp_ms - s) as f64 / 1000.0);
            }
        } else if self.current.is_some() {
            let out_since = *self.out_since_ms.get_or_insert(timestamp_ms);
            if (timestamp_ms - out_since) as f32 > self.settings.max_break_s * 1000.0 {
                self.close();
            }
        }
    }

    fn close(&mut self) {
        self.out_since_ms = None;
        self.stretch_start_ms = None;
        if let Some(mut hold) = self.current.take() {
            let span_s = (hold.end_ms - hold.start_ms) as f32 / 1000.0;
            if span_s >= self.settings.min_hold_s {
                hold.achieved = hold.time_in_range_s >= self.settings.target_s as f64;
                self.done.push(hold);
            }
        }
    }

    /// Ends the stream and returns every hold.
    pub fn finish(mut self) -> Vec<Hold> {
        self.close();
        self.done
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tracker() -> HoldTracker {
        HoldTracker::new(HoldTrackerSettings {
            target_s: 10.0,
            grace_s: 0.5,
            min_hold_s: 2.0,
            max_break_s: 5.0,
        })
    }

    #[test]
    fn time_in_range_and_breaks() {
        let mut t = tracker();
        // 2 s out, 6 s in, 0.2 s wobble (not a break), 4 s in, 2 s break, 5 s in, then stop.
        let mut ms = 0;
        let mut feed = |t: &mut HoldTracker, secs: f32, inside: bool| {
            for _ in 0..(secs * 30.0) as i64 {
                t.push(ms, Some(inside));
                ms += 33;
            }
        };
        feed(&mut t, 2.0, false);
        feed(&mut t, 6.0, true);
        feed(&mut t, 0.2, false);
        feed(&mut t, 4.0, true);
        feed(&mut t, 2.0, false);
        feed(&mut t, 5.0, true);
        feed(&mut t, 6.0, false);
        let holds = t.finish();
        assert_eq!(holds.len(), 1);
        let h = &holds[0];
        assert_eq!(h.breaks.len(), 1);
        assert!(
            (h.time_in_range_s - 15.0).abs() < 0.5,
            "{}",
            h.time_in_range_s
        );
        assert!(
            (h.longest_stretch_s - 10.2).abs() < 0.3,
            "{}",
            h.longest_stretch_s
        );
        assert!(h.achieved);
    }

    #[test]
    fn passing_through_the_range_is_not_a_hold() {
        let mut t = tracker();
        for i in 0..30 {
            t.push(i * 33, Some(i > 10 && i < 40));
        }
        assert!(t.finish().is_empty());
    }
}
