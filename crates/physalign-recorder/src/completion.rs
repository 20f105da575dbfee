//! Turning an analyser's report into the store's completion record, shared by live recordings
//! and the recovery of interrupted ones.

use crate::RecorderError;
use chrono::Utc;
use physalign_analysis::metric::Side;
use physalign_analysis::SessionReport;
use physalign_domain::BodySide;
use physalign_store::{FormIssueEvent, RepetitionRecord, SessionCompletion};

/// The store's side vocabulary for the engine's.
fn body_side(side: Side) -> BodySide {
    match side {
        Side::Left => BodySide::Left,
        Side::Right => BodySide::Right,
    }
}

/// The completion record of a session analysed into `report`.
pub fn completion_from_report(report: &SessionReport) -> Result<SessionCompletion, RecorderError> {
    let repetitions = report
        .rep_details
        .iter()
        .enumerate()
        .map(|(i, rep)| RepetitionRecord {
            index: i as u32,
            start_ms: rep.start_ms,
            end_ms: rep.end_ms,
            min_angle: rep.min_angle.unwrap_or(0.0) as f32,
            max_angle: rep.max_angle.unwrap_or(0.0) as f32,
            eccentric_ms: (rep.eccentric_s * 1000.0).round() as i64,
            concentric_ms: (rep.concentric_s * 1000.0).round() as i64,
            symmetry: rep.symmetry.as_ref().map(|s| s.ratio as f32),
            partial: rep.number.is_none(),
            form_issues: rep.form_issues.iter().map(|i| i.issue.clone()).collect(),
            confidence: rep.confidence.map(|c| c as f32),
            side: rep.side.map(body_side),
        })
        .collect();
    let form_issues = report
        .form_issues
        .iter()
        .map(|i| FormIssueEvent {
            timestamp_ms: i.timestamp_ms,
            issue: i.issue.clone(),
        })
        .collect();
    Ok(SessionCompletion {
        ended_at: Utc::now(),
        duration_seconds: report.duration_s,
        repetitions,
        form_issues,
        summary_statistics: serde_json::to_value(&report.summary_statistics)?,
        pose_data: serde_json::to_value(&report.pose_data)?,
        report: serde_json::to_value(report)?,
    })
}
