//! Measurement mode: the camera goniometer. The patient holds a position in front of the clinic's
//! camera; the engine reads the joint angle on both sides from that recording's stored landmarks
//! ([`physalign_analysis::goniometer::read_hold`], the same reading `physalign measure` gives
//! for a video), with its confidence and the warnings that make it unreliable; the clinician
//! saves it as an assessment in the patient's chart.

use crate::{Clinician, WorkspaceError};
use chrono::{DateTime, Utc};
use physalign_analysis::goniometer::{
    read_hold, GoniometerJoint, GoniometerReading, GoniometerSettings,
};
use physalign_analysis::metric::Side;
use physalign_analysis::FrameSize;
use physalign_domain::PoseFrame;
use physalign_store::{GoniometerRecord, Store};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The picture a session's landmarks are normalised to when its recording did not note it (a
/// session pulled from another device): the shape of nearly every webcam's picture.
const ASSUMED_FRAME: FrameSize = FrameSize {
    width: 1280,
    height: 720,
};

/// Whether one side's reading can be taken as a measurement, and what to change if not.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SideVerdict {
    /// Which side.
    pub side: Side,
    /// No warning and an angle: a measurement.
    pub reliable: bool,
    /// Each warning in words, for the person holding the camera.
    pub advice: Vec<String>,
}

/// A reading with the engine's verdict on each side.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Measurement {
    /// Both sides' angles, confidence and warnings.
    pub reading: GoniometerReading,
    /// Left, then right, as in the reading.
    pub verdicts: Vec<SideVerdict>,
}

impl From<GoniometerReading> for Measurement {
    fn from(reading: GoniometerReading) -> Self {
        let verdicts = reading
            .sides
            .iter()
            .map(|side| SideVerdict {
                side: side.side,
                reliable: side.reliable(),
                advice: side
                    .warnings
                    .iter()
                    .map(|w| w.message().to_string())
                    .collect(),
            })
            .collect();
        Measurement { reading, verdicts }
    }
}

/// A goniometer reading in a patient's chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ChartMeasurement {
    /// Reading id.
    pub id: Uuid,
    /// The recording it was read from.
    pub session_id: Option<Uuid>,
    /// When it was saved.
    pub taken_at: DateTime<Utc>,
    /// The reading as the clinician saw it when saving, with its verdicts.
    pub measurement: Measurement,
}

/// Reads `joint` on both sides from a stored session's hold.
pub fn measure_session(
    store: &Store,
    session_id: Uuid,
    joint: GoniometerJoint,
) -> Result<Measurement, WorkspaceError> {
    store
        .session_overview(session_id)?
        .ok_or(WorkspaceError::SessionNotFound(session_id))?;
    let size = store
        .recording(session_id)?
        .map(|r| FrameSize {
            width: r.frame_width,
            height: r.frame_height,
        })
        .unwrap_or(ASSUMED_FRAME);
    let mut frames = Vec::new();
    store.for_each_frame(session_id, |frame| {
        frames.push(PoseFrame {
            timestamp_ms: frame.timestamp_ms,
            landmarks: frame.landmarks,
            world_landmarks: frame.world_landmarks,
        });
        Ok(())
    })?;
    Ok(read_hold(&frames, size, joint, &GoniometerSettings::default()).into())
}

/// Reads `joint` from a session of one of the clinician's patients and saves the reading in that
/// patient's chart.
pub fn save_session_measurement(
    store: &Store,
    clinician: &Clinician,
    session_id: Uuid,
    joint: GoniometerJoint,
    now: DateTime<Utc>,
) -> Result<ChartMeasurement, WorkspaceError> {
    let patient_id = store
        .session_overview(session_id)?
        .ok_or(WorkspaceError::SessionNotFound(session_id))?
        .patient_id
        .ok_or(WorkspaceError::Invalid {
            what: "measurement",
            detail: "the session belongs to no patient; record it for a patient first".into(),
        })?;
    let measurement = measure_session(store, session_id, joint)?;
    if measurement
        .reading
        .sides
        .iter()
        .all(|side| side.angle_deg.is_none())
    {
        return Err(WorkspaceError::Invalid {
            what: "measurement",
            detail: format!(
                "the {} was not seen on either side in this recording",
                joint.name()
            ),
        });
    }
    let record = GoniometerRecord {
        id: Uuid::new_v4(),
        patient_id,
        session_id: Some(session_id),
        joint: joint.name().to_string(),
        reading: serde_json::to_value(&measurement.reading).map_err(|e| {
            WorkspaceError::Invalid {
                what: "measurement",
                detail: e.to_string(),
            }
        })?,
        taken_by: Some(clinician.user_id),
        taken_at: now,
    };
    store.save_goniometer_reading(&record)?;
    Ok(ChartMeasurement {
        id: record.id,
        session_id: record.session_id,
        taken_at: record.taken_at,
        measurement,
    })
}

/// A patient's saved readings, newest first. A reading this build cannot read (saved by a newer
/// one) is left out rather than failing the chart.
pub fn patient_measurements(
    store: &Store,
    patient_id: Uuid,
) -> Result<Vec<ChartMeasurement>, WorkspaceError> {
    Ok(store
        .goniometer_readings(patient_id)?
        .into_iter()
        .filter_map(|record| {
            let reading: GoniometerReading = serde_json::from_value(record.reading).ok()?;
            Some(ChartMeasurement {
                id: record.id,
                session_id: record.session_id,
                taken_at: record.taken_at,
                measurement: reading.into(),
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use physalign_analysis::goniometer::{GoniometerWarning, MovementPlane, SideReading};
    use physalign_analysis::view::DetectedView;
    use physalign_analysis::Source;
    use physalign_api::assessments::GoniometerReadingDocument;

    /// The API mirrors the engine's reading (it does not depend on the engine); every value the
    /// engine can put in a reading must upload unchanged, or a saved reading would never sync.
    #[test]
    fn every_reading_the_engine_makes_fits_the_api_mirror() {
        let warnings = [
            GoniometerWarning::SideNotSeen,
            GoniometerWarning::TooShort,
            GoniometerWarning::NotSteady,
            GoniometerWarning::LowConfidence,
            GoniometerWarning::ViewAcrossPlane,
            GoniometerWarning::Foreshortened,
        ];
        let sources = [
            Some(Source::World),
            Some(Source::Image),
            Some(Source::Interpolated),
            None,
        ];
        let views = [
            DetectedView::Unknown,
            DetectedView::Front,
            DetectedView::Back,
            DetectedView::Side,
            DetectedView::Oblique,
        ];
        for (i, joint) in GoniometerJoint::ALL.into_iter().enumerate() {
            let side = |side: Side, source: Option<Source>| SideReading {
                side,
                angle_deg: Some(92.25),
                source,
                image_angle_deg: Some(91.5),
                world_angle_deg: None,
                spread_deg: Some(2.5),
                tilt_deg: Some(12.0),
                confidence: 0.875,
                hold_start_ms: Some(1500),
                held_s: 1.25,
                warnings: warnings.to_vec(),
            };
            let reading = GoniometerReading {
                joint,
                plane: if i % 2 == 0 {
                    MovementPlane::Sagittal
                } else {
                    MovementPlane::Frontal
                },
                view: views[i % views.len()],
                sides: vec![
                    side(Side::Left, sources[i % sources.len()]),
                    side(Side::Right, sources[(i + 1) % sources.len()]),
                ],
            };
            let engine = serde_json::to_value(&reading).expect("the engine's reading serialises");
            let mirror: GoniometerReadingDocument = serde_json::from_value(engine.clone())
                .unwrap_or_else(|e| panic!("{joint:?} does not fit the API: {e}"));
            assert_eq!(serde_json::to_value(&mirror).expect("serialises"), engine);
        }
    }
}
