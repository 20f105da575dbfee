//! The arithmetic of seed 004's analytics (issue 19): mood trends, topic counts and trends,
//! attendance, and session trends from per-day appointment figures. Pure functions over plain
//! rows, so the definitions in API.md are checked by unit tests; the SQL that feeds them is in
//! `repo::analytics`.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{Datelike, Duration, NaiveDate};
use physalign_api::analytics::{
    Granularity, MoodTrend, SessionTrends, TopicCount, TopicStat, TopicTrend, TrendPeriod,
    TrendPoint, TrendSummary,
};
use physalign_api::notes::{MoodTrajectory, SessionMood};
use uuid::Uuid;

use crate::clinic_metrics::{round1, round2};

/// The latest signed note of one session, as analytics sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct NoteFacts {
    /// The session.
    pub session_id: Uuid,
    /// Its patient.
    pub patient_id: Uuid,
    /// The session's date on the practice's calendar.
    pub date: NaiveDate,
    /// The signed mood.
    pub mood: Option<SessionMood>,
    /// The signed key topics, as written.
    pub topics: Vec<String>,
    /// The topic summary, else the clinician's own notes.
    pub progress_notes: Option<String>,
}

/// A topic as counted: trimmed and lower-cased; `None` when empty.
pub fn normalise_topic(topic: &str) -> Option<String> {
    let topic = topic.trim().to_lowercase();
    (!topic.is_empty()).then_some(topic)
}

/// The distinct topics of one note (a topic written twice in a note counts once).
fn note_topics(note: &NoteFacts) -> HashSet<String> {
    note.topics
        .iter()
        .filter_map(|t| normalise_topic(t))
        .collect()
}

/// Topic frequencies (notes listing each topic), most frequent first, equals alphabetically,
/// at most `limit`.
pub fn topic_counts(notes: &[NoteFacts], limit: usize) -> Vec<TopicCount> {
    let mut counts: BTreeMap<String, u32> = BTreeMap::new();
    for note in notes {
        for topic in note_topics(note) {
            *counts.entry(topic).or_default() += 1;
        }
    }
    let mut counts: Vec<TopicCount> = counts
        .into_iter()
        .map(|(topic, frequency)| TopicCount { topic, frequency })
        .collect();
    // Stable: equal frequencies keep the map's alphabetical order.
    counts.sort_by_key(|c| std::cmp::Reverse(c.frequency));
    counts.truncate(limit);
    counts
}

/// Mentions in the later half against the earlier: increasing with at least two more and at
/// least a quarter more, decreasing the other way round, stable otherwise.
pub fn topic_trend(earlier: u32, later: u32) -> TopicTrend {
    let grew = |from: u32, to: u32| to >= from + 2 && 4 * u64::from(to) >= 5 * u64::from(from);
    if grew(earlier, later) {
        TopicTrend::Increasing
    } else if grew(later, earlier) {
        TopicTrend::Decreasing
    } else {
        TopicTrend::Stable
    }
}

/// Topics across patients: frequency, patients affected and trend (notes dated before
/// `second_half_from` are the earlier half), most frequent first, equals alphabetically.
pub fn common_topics(
    notes: &[NoteFacts],
    second_half_from: NaiveDate,
    limit: usize,
) -> Vec<TopicStat> {
    #[derive(Default)]
    struct Tally {
        earlier: u32,
        later: u32,
        patients: HashSet<Uuid>,
    }
    let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
    for note in notes {
        for topic in note_topics(note) {
            let tally = tallies.entry(topic).or_default();
            if note.date < second_half_from {
                tally.earlier += 1;
            } else {
                tally.later += 1;
            }
            tally.patients.insert(note.patient_id);
        }
    }
    let mut topics: Vec<TopicStat> = tallies
        .into_iter()
        .map(|(topic, t)| TopicStat {
            topic,
            frequency: t.earlier + t.later,
            patients_affected: u32::try_from(t.patients.len()).unwrap_or(u32::MAX),
            trend: topic_trend(t.earlier, t.later),
        })
        .collect();
    topics.sort_by_key(|t| std::cmp::Reverse(t.frequency));
    topics.truncate(limit);
    topics
}

/// The mood trend of moods in time order (definitions in API.md); `None` without any.
pub fn mood_trend(moods: &[SessionMood]) -> Option<MoodTrend> {
    let current = *moods.last()?;
    let scores: Vec<f64> = moods.iter().map(|m| f64::from(m.score())).collect();
    let half = scores.len() / 2;
    if half == 0 {
        return Some(MoodTrend {
            current,
            trajectory: MoodTrajectory::Stable,
            change_percent: None,
        });
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let earlier = mean(&scores[..half]);
    let later = mean(&scores[scores.len() - half..]);
    // Scores are 1..=5, so the earlier mean is never zero.
    let change = ((later - earlier) / earlier * 100.0).round();
    let spread = scores.iter().copied().fold(f64::MIN, f64::max)
        - scores.iter().copied().fold(f64::MAX, f64::min);
    let trajectory = if change >= 10.0 {
        MoodTrajectory::Improving
    } else if change <= -10.0 {
        MoodTrajectory::Declining
    } else if spread >= 2.0 {
        MoodTrajectory::Fluctuating
    } else {
        MoodTrajectory::Stable
    };
    Some(MoodTrend {
        current,
        trajectory,
        // Within ±400 %: the scores are 1..=5.
        change_percent: Some(change as i32),
    })
}

/// Mean mood score (1-5, 2 decimals); `None` without any.
pub fn average_mood(moods: &[SessionMood]) -> Option<f64> {
    (!moods.is_empty()).then(|| {
        round2(moods.iter().map(|m| f64::from(m.score())).sum::<f64>() / moods.len() as f64)
    })
}

/// Completed ÷ (completed + no-show), 2 decimals; `None` when both are zero.
pub fn attendance_rate(completed: u32, no_shows: u32) -> Option<f64> {
    let due = completed + no_shows;
    (due > 0).then(|| round2(f64::from(completed) / f64::from(due)))
}

/// One therapist's appointments dated one day, or a sum of such days.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct DayFigures {
    /// Any status.
    pub total: u32,
    /// Completed.
    pub completed: u32,
    /// Cancelled.
    pub cancelled: u32,
    /// No-shows.
    pub no_shows: u32,
    /// Minutes of the completed ones.
    pub completed_minutes: f64,
}

impl std::ops::AddAssign for DayFigures {
    fn add_assign(&mut self, other: Self) {
        self.total += other.total;
        self.completed += other.completed;
        self.cancelled += other.cancelled;
        self.no_shows += other.no_shows;
        self.completed_minutes += other.completed_minutes;
    }
}

impl DayFigures {
    /// Completed ÷ (completed + cancelled + no-show), 2 decimals.
    pub fn completion_rate(&self) -> Option<f64> {
        let ended = self.completed + self.cancelled + self.no_shows;
        (ended > 0).then(|| round2(f64::from(self.completed) / f64::from(ended)))
    }

    /// Mean minutes of the completed ones, 1 decimal.
    pub fn average_minutes(&self) -> Option<f64> {
        (self.completed > 0).then(|| round1(self.completed_minutes / f64::from(self.completed)))
    }
}

/// The first day of the period ending `today`.
pub fn period_start(period: TrendPeriod, today: NaiveDate) -> NaiveDate {
    today - Duration::days(i64::from(period.days()) - 1)
}

/// The first day of the day, week (Monday) or month holding `date`.
pub fn bucket_start(date: NaiveDate, granularity: Granularity) -> NaiveDate {
    match granularity {
        Granularity::Day => date,
        Granularity::Week => {
            date - Duration::days(i64::from(date.weekday().num_days_from_monday()))
        }
        Granularity::Month => date.with_day(1).unwrap_or(date),
    }
}

/// Session trends over the period ending `today` from per-day figures (summed over the
/// therapists in scope; days missing are empty).
pub fn session_trends(
    period: TrendPeriod,
    granularity: Granularity,
    today: NaiveDate,
    days: &HashMap<NaiveDate, DayFigures>,
) -> SessionTrends {
    let start = period_start(period, today);
    let mut buckets: BTreeMap<NaiveDate, DayFigures> = BTreeMap::new();
    let mut whole = DayFigures::default();
    let mut peak: Option<(NaiveDate, u32)> = None;
    for date in start.iter_days().take_while(|d| *d <= today) {
        let figures = days.get(&date).copied().unwrap_or_default();
        *buckets
            .entry(bucket_start(date, granularity).max(start))
            .or_default() += figures;
        whole += figures;
        if figures.completed > peak.map_or(0, |(_, n)| n) {
            peak = Some((date, figures.completed));
        }
    }
    let data_points = buckets
        .into_iter()
        .map(|(date, f)| TrendPoint {
            date,
            sessions_completed: f.completed,
            sessions_cancelled: f.cancelled,
            no_shows: f.no_shows,
            avg_session_duration_min: f.average_minutes(),
            completion_rate: f.completion_rate(),
        })
        .collect();
    SessionTrends {
        period,
        granularity,
        data_points,
        summary: TrendSummary {
            total_sessions: whole.completed,
            avg_per_day: round2(f64::from(whole.completed) / f64::from(period.days())),
            peak_day: peak.map(|(d, _)| d),
            completion_rate: whole.completion_rate(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use SessionMood::*;

    fn d(month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, month, day).unwrap()
    }

    fn note(patient: u128, date: NaiveDate, topics: &[&str]) -> NoteFacts {
        NoteFacts {
            session_id: Uuid::new_v4(),
            patient_id: Uuid::from_u128(patient),
            date,
            mood: None,
            topics: topics.iter().map(|t| t.to_string()).collect(),
            progress_notes: None,
        }
    }

    #[test]
    fn moods_improving_declining_fluctuating_stable() {
        // Earlier half (2, 3) = 2.5, later half (4, 4) = 4: +60 %.
        let t = mood_trend(&[Low, Neutral, Positive, Positive]).unwrap();
        assert_eq!(t.current, Positive);
        assert_eq!(t.trajectory, MoodTrajectory::Improving);
        assert_eq!(t.change_percent, Some(60));
        // 5 then 4: −20 %.
        let t = mood_trend(&[VeryPositive, Neutral, Positive]).unwrap();
        assert_eq!(t.trajectory, MoodTrajectory::Declining);
        assert_eq!(t.change_percent, Some(-20));
        // (3, 5) against (5, 3): 0 %, but spanning two points.
        let t = mood_trend(&[Neutral, VeryPositive, VeryPositive, Neutral]).unwrap();
        assert_eq!(t.trajectory, MoodTrajectory::Fluctuating);
        assert_eq!(t.change_percent, Some(0));
        // 4, 4, 4 then 4 (the middle one belongs to neither half).
        let t = mood_trend(&[Positive, Positive, Neutral, Positive, Positive]).unwrap();
        assert_eq!(t.trajectory, MoodTrajectory::Stable);
        let t = mood_trend(&[Low]).unwrap();
        assert_eq!(
            (t.trajectory, t.change_percent),
            (MoodTrajectory::Stable, None)
        );
        assert_eq!(mood_trend(&[]), None);
        assert_eq!(average_mood(&[Low, Positive, VeryPositive]), Some(3.67));
    }

    #[test]
    fn topics_count_once_per_note_and_trend_by_half() {
        let mid = d(3, 15);
        let notes = [
            note(1, d(3, 1), &["Knee pain", "knee pain ", "sleep"]),
            note(2, d(3, 20), &["knee pain"]),
            note(2, d(3, 21), &["knee pain", "Work"]),
            note(3, d(3, 22), &["knee pain"]),
            note(3, d(3, 2), &["sleep"]),
            note(3, d(3, 3), &["sleep"]),
        ];
        let counts = topic_counts(&notes, 10);
        assert_eq!(
            counts
                .iter()
                .map(|c| (c.topic.as_str(), c.frequency))
                .collect::<Vec<_>>(),
            [("knee pain", 4), ("sleep", 3), ("work", 1)]
        );
        let topics = common_topics(&notes, mid, 2);
        assert_eq!(topics.len(), 2);
        // knee pain: 1 earlier, 3 later: +2 and three times as many.
        assert_eq!(topics[0].topic, "knee pain");
        assert_eq!(topics[0].patients_affected, 3);
        assert_eq!(topics[0].trend, TopicTrend::Increasing);
        // sleep: 3 earlier, 0 later.
        assert_eq!(topics[1].trend, TopicTrend::Decreasing);
        assert_eq!(topic_trend(8, 9), TopicTrend::Stable);
        assert_eq!(topic_trend(8, 10), TopicTrend::Increasing);
        assert_eq!(topic_trend(0, 1), TopicTrend::Stable);
    }

    #[test]
    fn trends_fill_every_bucket_and_clip_the_first_to_the_period() {
        // 7 days ending Sunday 8 March 2026: Monday 2 March .. Sunday 8 March.
        let today = d(3, 8);
        let mut days = HashMap::new();
        let day = |completed, cancelled, no_shows, minutes| DayFigures {
            total: completed + cancelled + no_shows,
            completed,
            cancelled,
            no_shows,
            completed_minutes: minutes,
        };
        days.insert(d(3, 2), day(2, 1, 0, 90.0));
        days.insert(d(3, 4), day(3, 0, 1, 120.0));
        days.insert(d(3, 1), day(9, 0, 0, 9.0)); // outside the period
        let t = session_trends(TrendPeriod::Week, Granularity::Day, today, &days);
        assert_eq!(t.data_points.len(), 7);
        assert_eq!(t.data_points[0].date, d(3, 2));
        assert_eq!(t.data_points[0].completion_rate, Some(0.67));
        assert_eq!(t.data_points[0].avg_session_duration_min, Some(45.0));
        assert_eq!(t.data_points[1].completion_rate, None);
        assert_eq!(t.summary.total_sessions, 5);
        assert_eq!(t.summary.avg_per_day, 0.71);
        assert_eq!(t.summary.peak_day, Some(d(3, 4)));
        // 5 completed of 7 that ended.
        assert_eq!(t.summary.completion_rate, Some(0.71));
        let w = session_trends(TrendPeriod::Month, Granularity::Week, today, &days);
        // 30 days from Saturday 7 February: that week's last two days, then four whole weeks.
        assert_eq!(
            w.data_points.iter().map(|p| p.date).collect::<Vec<_>>(),
            [d(2, 7), d(2, 9), d(2, 16), d(2, 23), d(3, 2)]
        );
        assert_eq!(w.data_points[3].sessions_completed, 9);
        assert_eq!(w.data_points[4].sessions_completed, 5);
        assert_eq!(w.data_points[4].avg_session_duration_min, Some(42.0));
        let m = session_trends(TrendPeriod::Quarter, Granularity::Month, today, &days);
        assert_eq!(
            m.data_points.iter().map(|p| p.date).collect::<Vec<_>>(),
            [
                NaiveDate::from_ymd_opt(2025, 12, 9).unwrap(),
                d(1, 1),
                d(2, 1),
                d(3, 1)
            ]
        );
        assert_eq!(attendance_rate(3, 1), Some(0.75));
        assert_eq!(attendance_rate(0, 0), None);
    }
}
