//! Assessments taken in clinic and kept in a patient's chart (issue 16): camera goniometer
//! readings of a held position, measured on the clinician's device and synced so that the chart
//! is the same on every device of the care team.
//!
//! The reading types are a serde mirror of the analysis engine's `goniometer` module: the API
//! does not depend on the engine. A test in `physalign-workspace` checks that every reading the
//! engine makes fits this mirror.

use chrono::{DateTime, Utc};
use physalign_domain::BodySide;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::pagination::Pagination;
use crate::sessions::DetectedView;

physalign_domain::wire_enum! {
    /// A joint the camera goniometer measures (both sides).
    #[derive(ToSchema)]
    pub enum GoniometerJoint {
        /// Hip-knee-ankle, 180 = straight.
        Knee = "knee",
        /// Shoulder-hip-knee, 180 = straight.
        Hip = "hip",
        /// Shoulder-elbow-wrist, 180 = straight.
        Elbow = "elbow",
        /// Knee-ankle-toe.
        Ankle = "ankle",
        /// Upper arm against the trunk, seen from the front; 0 = hanging.
        ShoulderAbduction = "shoulder_abduction",
        /// Upper arm against the trunk, seen from the side; 0 = hanging.
        ShoulderFlexion = "shoulder_flexion",
        /// Thigh against the trunk, seen from the front; 0 = hanging.
        HipAbduction = "hip_abduction",
    }
}

physalign_domain::wire_enum! {
    /// The anatomical plane a joint's movement lies in.
    #[derive(ToSchema)]
    pub enum MovementPlane {
        /// Forwards and backwards: seen true from the side.
        Sagittal = "sagittal",
        /// Out to the side: seen true from the front or from behind.
        Frontal = "frontal",
    }
}

physalign_domain::wire_enum! {
    /// Why a side's reading should not be taken at face value.
    #[derive(ToSchema)]
    pub enum GoniometerWarning {
        /// The joint was never measured on this side.
        SideNotSeen = "side_not_seen",
        /// Less measured data than one hold window.
        TooShort = "too_short",
        /// The angle moved more than a goniometer's tolerance even in the stillest stretch.
        NotSteady = "not_steady",
        /// The joint's landmarks were seen with low visibility.
        LowConfidence = "low_confidence",
        /// The camera looks along the plane the joint moves in.
        ViewAcrossPlane = "view_across_plane",
        /// A limb segment points towards or away from the camera.
        Foreshortened = "foreshortened",
    }
}

physalign_domain::wire_enum! {
    /// Where an angle was read from.
    #[derive(ToSchema)]
    pub enum AngleSource {
        /// The 3-D landmarks.
        World = "world",
        /// The picture.
        Image = "image",
        /// Filled in across a short gap.
        Interpolated = "interpolated",
    }
}

/// The reading on one side of the body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GoniometerSideReading {
    /// Which side.
    #[schema(value_type = String)]
    pub side: BodySide,
    /// The joint angle, degrees (median over the hold); none when it could not be read.
    pub angle_deg: Option<f32>,
    /// Where the angle was read from.
    #[schema(value_type = Option<String>)]
    pub source: Option<AngleSource>,
    /// The angle as the picture shows it, degrees.
    pub image_angle_deg: Option<f32>,
    /// The angle from the 3-D landmarks, degrees.
    pub world_angle_deg: Option<f32>,
    /// How much the angle moved during the hold (10th to 90th percentile), degrees.
    pub spread_deg: Option<f32>,
    /// How far the limb points out of the picture plane, degrees.
    pub tilt_deg: Option<f32>,
    /// Mean visibility of the joint's landmarks during the hold, 0..1.
    pub confidence: f32,
    /// When the hold starts, milliseconds from the start of the recording.
    pub hold_start_ms: Option<i64>,
    /// How long the angle stayed within tolerance of the reading, seconds.
    pub held_s: f64,
    /// Why the reading should not be taken at face value; empty when it can.
    #[schema(value_type = Vec<String>)]
    pub warnings: Vec<GoniometerWarning>,
}

/// A goniometer reading of one joint on both sides, as the clinician saw it when saving it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GoniometerReadingDocument {
    /// The joint measured.
    #[schema(value_type = String)]
    pub joint: GoniometerJoint,
    /// The plane it moves in.
    #[schema(value_type = String)]
    pub plane: MovementPlane,
    /// Where the camera stood relative to the body.
    #[schema(value_type = String)]
    pub view: DetectedView,
    /// Left, then right.
    pub sides: Vec<GoniometerSideReading>,
}

/// `POST /api/goniometer-readings`: a reading saved in a patient's chart on a clinician's
/// device. The clinician who took it is the caller, never a body field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateGoniometerReadingRequest {
    /// Client-generated id (offline devices); an existing id answers
    /// `409 GONIOMETER_READING_EXISTS`.
    pub id: Uuid,
    /// The patient measured (`patients.id`), in the caller's care.
    pub patient_id: Uuid,
    /// The recording it was read from, when it came from one (the patient's session).
    pub session_id: Option<Uuid>,
    /// The reading.
    pub reading: GoniometerReadingDocument,
    /// When it was saved on the device.
    pub taken_at: DateTime<Utc>,
}

/// A goniometer reading in a patient's chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct GoniometerReadingRecord {
    /// Reading id.
    pub id: Uuid,
    /// The patient measured.
    pub patient_id: Uuid,
    /// The recording it was read from.
    pub session_id: Option<Uuid>,
    /// The reading.
    pub reading: GoniometerReadingDocument,
    /// The user id of the clinician who took it.
    pub taken_by: Uuid,
    /// When it was saved on the device.
    pub taken_at: DateTime<Utc>,
    /// When the server received it.
    pub created_at: DateTime<Utc>,
}

/// A page of goniometer readings.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct GoniometerReadingList {
    /// Readings on this page, newest first.
    pub data: Vec<GoniometerReadingRecord>,
    /// Position of this page.
    pub pagination: Pagination,
}

/// Filters of `GET /api/goniometer-readings`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct GoniometerReadingQuery {
    /// 1-based page number (default 1).
    pub page: Option<u32>,
    /// Readings per page (default 20, at most 100).
    pub per_page: Option<u32>,
    /// Only this patient's readings; patients see only their own anyway.
    pub patient_id: Option<Uuid>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reading_with_an_unknown_field_or_warning_is_refused() {
        let mut reading = serde_json::json!({
            "joint": "knee", "plane": "sagittal", "view": "side",
            "sides": [{"side": "left", "angle_deg": 92.5, "source": "image",
                "image_angle_deg": 92.5, "world_angle_deg": 95.0, "spread_deg": 1.5,
                "tilt_deg": 8.0, "confidence": 0.75, "hold_start_ms": 1200, "held_s": 1.4,
                "warnings": []}]
        });
        let parsed: GoniometerReadingDocument =
            serde_json::from_value(reading.clone()).expect("the engine's shape parses");
        assert_eq!(parsed.sides[0].side, BodySide::Left);
        assert_eq!(serde_json::to_value(&parsed).expect("serialises"), reading);

        reading["sides"][0]["warnings"] = serde_json::json!(["blurry"]);
        assert!(serde_json::from_value::<GoniometerReadingDocument>(reading.clone()).is_err());
        reading["sides"][0]["warnings"] = serde_json::json!([]);
        reading["extra"] = serde_json::json!(1);
        assert!(serde_json::from_value::<GoniometerReadingDocument>(reading).is_err());
    }
}
