//! The codes the export writes, each with the code system it comes from.
//!
//! * FHIR R4's own value sets with a required binding (statuses, intents, the Bundle type) are
//!   enums serialised as their code.
//! * SNOMED CT (`http://snomed.info/sct`): joint structures, laterality, range of joint
//!   movement, the measurement method, exercise therapy.
//! * LOINC (`http://loinc.org`): pain severity 0–10 (72514-3), exercise activity (73985-4) and
//!   exercise duration (55411-3).
//! * UCUM (`http://unitsofmeasure.org`): degrees, seconds, scores, counts.
//! * [`PHYSALIGN_MEASURE_SYSTEM`]: what no public code system has a code for (a session's
//!   repetition count, an angle's limits), so a reader can still tell the values apart.

use crate::fhir::{CodeableConcept, Coding, Quantity};

/// SNOMED CT, international edition.
pub const SNOMED: &str = "http://snomed.info/sct";
/// LOINC.
pub const LOINC: &str = "http://loinc.org";
/// UCUM, the units of measure.
pub const UCUM: &str = "http://unitsofmeasure.org";
/// HL7's observation categories (FHIR R4 `observation-category`).
pub const OBSERVATION_CATEGORY: &str = "http://terminology.hl7.org/CodeSystem/observation-category";
/// The identifier system of a value that is itself a URI (`urn:uuid:…`), RFC 3986.
pub const URI_IDENTIFIER: &str = "urn:ietf:rfc:3986";
/// PhysAlign's own codes for measurements no public code system names.
pub const PHYSALIGN_MEASURE_SYSTEM: &str = "urn:physalign:fhir:measure";

/// SNOMED CT 364564000 |Range of joint movement (observable entity)|: the code of every range
/// of motion observation.
pub const SNOMED_RANGE_OF_JOINT_MOVEMENT: (&str, &str) =
    ("364564000", "Range of joint movement (observable entity)");
/// SNOMED CT 258104002 |Measured (qualifier value)|: the method of a range of motion read by
/// the camera goniometer (an instrument reading, not a patient's estimate).
pub const SNOMED_MEASURED: (&str, &str) = ("258104002", "Measured (qualifier value)");
/// SNOMED CT 272741003 |Laterality (attribute)|: the component that says which side.
pub const SNOMED_LATERALITY: (&str, &str) = ("272741003", "Laterality (attribute)");
/// SNOMED CT 229065009 |Exercise therapy (regime/therapy)|: the program and its items.
pub const SNOMED_EXERCISE_THERAPY: (&str, &str) =
    ("229065009", "Exercise therapy (regime/therapy)");
/// LOINC 72514-3 |Pain severity - 0-10 verbal numeric rating [Score] - Reported|.
pub const LOINC_PAIN_SEVERITY_0_10: (&str, &str) = (
    "72514-3",
    "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
);
/// LOINC 73985-4 |Exercise activity|: the exercise of a session, as a component.
pub const LOINC_EXERCISE_ACTIVITY: (&str, &str) = ("73985-4", "Exercise activity");
/// LOINC 55411-3 |Exercise duration|: the time a hold was kept in its target range.
pub const LOINC_EXERCISE_DURATION: (&str, &str) = ("55411-3", "Exercise duration");

/// A coding of `system` from a `(code, display)` constant.
pub fn coding(system: &str, (code, display): (&str, &str)) -> Coding {
    Coding::new(system, code, display)
}

/// An amount in a UCUM unit.
pub fn ucum(value: f64, unit: &str, code: &str) -> Quantity {
    Quantity {
        value,
        unit: unit.into(),
        system: UCUM.into(),
        code: code.into(),
    }
}

/// Degrees of angle (UCUM `deg`).
pub fn degrees(value: f64) -> Quantity {
    ucum(value, "degrees", "deg")
}

/// Seconds (UCUM `s`).
pub fn seconds(value: f64) -> Quantity {
    ucum(value, "s", "s")
}

/// A score without a unit (UCUM annotation `{score}`).
pub fn score(value: f64) -> Quantity {
    ucum(value, "score", "{score}")
}

physalign_domain::wire_enum! {
    /// PhysAlign's own measurement codes ([`PHYSALIGN_MEASURE_SYSTEM`]).
    pub enum PhysAlignMeasure {
        /// Full repetitions counted in a session.
        Repetitions = "repetitions",
        /// Smallest angle of the joint within a repetition, degrees.
        MinimumAngle = "minimum-angle",
        /// Largest angle of the joint within a repetition, degrees.
        MaximumAngle = "maximum-angle",
        /// A repetition that did not reach the target range.
        PartialRepetition = "partial-repetition",
        /// Prescribed hold time, seconds.
        TargetHoldTime = "target-hold-time",
        /// Longest uninterrupted stretch of a hold, seconds.
        LongestHoldStretch = "longest-hold-stretch",
        /// An outcome measure's total score.
        OutcomeScore = "outcome-score",
    }
}

impl PhysAlignMeasure {
    /// The measure in words.
    pub fn display(self) -> &'static str {
        match self {
            PhysAlignMeasure::Repetitions => "Full repetitions in the session",
            PhysAlignMeasure::MinimumAngle => "Smallest joint angle in the repetition",
            PhysAlignMeasure::MaximumAngle => "Largest joint angle in the repetition",
            PhysAlignMeasure::PartialRepetition => "Repetition short of the target range",
            PhysAlignMeasure::TargetHoldTime => "Prescribed hold time",
            PhysAlignMeasure::LongestHoldStretch => "Longest uninterrupted hold",
            PhysAlignMeasure::OutcomeScore => "Outcome measure score",
        }
    }

    /// The measure as a coded concept.
    pub fn concept(self) -> CodeableConcept {
        CodeableConcept::coded(
            Coding::new(PHYSALIGN_MEASURE_SYSTEM, self.as_str(), self.display()),
            self.display(),
        )
    }
}

physalign_domain::wire_enum! {
    /// HL7 observation categories (`http://terminology.hl7.org/CodeSystem/observation-category`).
    pub enum ObservationCategory {
        /// Observations made by physical examination (range of motion).
        Exam = "exam",
        /// Assessment tool or survey answers (pain rating, outcome measures).
        Survey = "survey",
        /// Physical activity (repetitions, holds).
        Activity = "activity",
    }
}

impl ObservationCategory {
    /// The code system's display.
    pub fn display(self) -> &'static str {
        match self {
            ObservationCategory::Exam => "Exam",
            ObservationCategory::Survey => "Survey",
            ObservationCategory::Activity => "Activity",
        }
    }

    /// The category as a coded concept.
    pub fn concept(self) -> CodeableConcept {
        CodeableConcept::coded(
            Coding::new(OBSERVATION_CATEGORY, self.as_str(), self.display()),
            self.display(),
        )
    }
}

/// A joint whose range of motion the exercise catalogue measures, with its SNOMED CT body
/// structure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Joint {
    /// SNOMED CT 49076000 |Knee joint structure (body structure)|.
    Knee,
    /// SNOMED CT 24136001 |Hip joint structure (body structure)|.
    Hip,
    /// SNOMED CT 16953009 |Elbow joint structure (body structure)|.
    Elbow,
    /// SNOMED CT 31398001 |Joint structure of shoulder region (body structure)|.
    Shoulder,
    /// SNOMED CT 70258002 |Ankle joint structure (body structure)|.
    Ankle,
    /// SNOMED CT 786964009 |Structure of cervical spine joint region (body structure)|.
    CervicalSpine,
}

impl Joint {
    /// The SNOMED CT code and display of the joint structure.
    pub fn snomed(self) -> (&'static str, &'static str) {
        match self {
            Joint::Knee => ("49076000", "Knee joint structure (body structure)"),
            Joint::Hip => ("24136001", "Hip joint structure (body structure)"),
            Joint::Elbow => ("16953009", "Elbow joint structure (body structure)"),
            Joint::Shoulder => (
                "31398001",
                "Joint structure of shoulder region (body structure)",
            ),
            Joint::Ankle => ("70258002", "Ankle joint structure (body structure)"),
            Joint::CervicalSpine => (
                "786964009",
                "Structure of cervical spine joint region (body structure)",
            ),
        }
    }

    /// The joint in words.
    pub fn name(self) -> &'static str {
        match self {
            Joint::Knee => "knee",
            Joint::Hip => "hip",
            Joint::Elbow => "elbow",
            Joint::Shoulder => "shoulder",
            Joint::Ankle => "ankle",
            Joint::CervicalSpine => "neck",
        }
    }

    /// The joint of an analysis angle (`knee`, `knee_left`, `hip_abduction`,
    /// `shoulder_flexion`, `neck_rotation`, …); none for measures that are not a joint's
    /// (trunk lean, body line, heel height).
    pub fn of_angle(angle: &str) -> Option<Joint> {
        let base = angle
            .strip_suffix("_left")
            .or_else(|| angle.strip_suffix("_right"))
            .unwrap_or(angle);
        match base {
            "knee" => Some(Joint::Knee),
            "hip" | "hip_abduction" => Some(Joint::Hip),
            "elbow" => Some(Joint::Elbow),
            "shoulder_abduction" | "shoulder_flexion" | "shoulder" => Some(Joint::Shoulder),
            "ankle" => Some(Joint::Ankle),
            "neck_rotation" => Some(Joint::CervicalSpine),
            _ => None,
        }
    }

    /// The joint a body part said in words names (`knee`, `left knee`, `lower back` → none).
    pub fn of_body_part(text: &str) -> Option<Joint> {
        let text = text.to_ascii_lowercase();
        [
            ("knee", Joint::Knee),
            ("hip", Joint::Hip),
            ("elbow", Joint::Elbow),
            ("shoulder", Joint::Shoulder),
            ("ankle", Joint::Ankle),
            ("neck", Joint::CervicalSpine),
        ]
        .into_iter()
        .find(|(word, _)| text.split(|c: char| !c.is_alphabetic()).any(|w| w == *word))
        .map(|(_, joint)| joint)
    }

    /// The joint as a body site, `side` in its text.
    pub fn body_site(self, side: Option<Laterality>) -> CodeableConcept {
        let text = match side {
            Some(side) => format!("{} {} joint", side.adjective(), self.name()),
            None => format!("{} joint", self.name()),
        };
        let mut text = text;
        if let Some(first) = text.get(0..1) {
            text = first.to_uppercase() + &text[1..];
        }
        CodeableConcept::coded(coding(SNOMED, self.snomed()), text)
    }
}

/// Which side of the body, with its SNOMED CT laterality qualifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Laterality {
    /// SNOMED CT 7771000 |Left (qualifier value)|.
    Left,
    /// SNOMED CT 24028007 |Right (qualifier value)|.
    Right,
    /// SNOMED CT 51440002 |Right and left (qualifier value)|.
    Both,
}

impl Laterality {
    /// The SNOMED CT qualifier.
    pub fn snomed(self) -> (&'static str, &'static str) {
        match self {
            Laterality::Left => ("7771000", "Left (qualifier value)"),
            Laterality::Right => ("24028007", "Right (qualifier value)"),
            Laterality::Both => ("51440002", "Right and left (qualifier value)"),
        }
    }

    /// `left`, `right`, `both`.
    pub fn adjective(self) -> &'static str {
        match self {
            Laterality::Left => "left",
            Laterality::Right => "right",
            Laterality::Both => "both",
        }
    }

    /// The side of an analysis angle name (`knee_left`).
    pub fn of_angle(angle: &str) -> Option<Laterality> {
        if angle.ends_with("_left") {
            Some(Laterality::Left)
        } else if angle.ends_with("_right") {
            Some(Laterality::Right)
        } else {
            None
        }
    }

    /// The store's side.
    pub fn of_side(side: physalign_domain::BodySide) -> Laterality {
        match side {
            physalign_domain::BodySide::Left => Laterality::Left,
            physalign_domain::BodySide::Right => Laterality::Right,
        }
    }
}

physalign_domain::wire_enum! {
    /// FHIR R4 `bundle-type` (required binding).
    pub enum BundleType {
        /// A set of resources collected into a single package for ease of distribution.
        Collection = "collection",
    }
}

physalign_domain::wire_enum! {
    /// FHIR R4 `observation-status` (required binding).
    pub enum ObservationStatus {
        /// Some values are available but the session was not completed.
        Preliminary = "preliminary",
        /// Complete and verified by the engine that measured it.
        Final = "final",
    }
}

physalign_domain::wire_enum! {
    /// FHIR R4 `questionnaire-answers-status` (required binding).
    pub enum QuestionnaireResponseStatus {
        /// Answered and scored.
        Completed = "completed",
    }
}

physalign_domain::wire_enum! {
    /// FHIR R4 `request-status` (required binding; CarePlan uses the same codes).
    pub enum RequestStatus {
        /// Prescribed and current.
        Active = "active",
        /// Ended by the clinician.
        Completed = "completed",
    }
}

/// FHIR R4 `care-plan-status`: the same codes as a request's.
pub type CarePlanStatus = RequestStatus;

physalign_domain::wire_enum! {
    /// FHIR R4 `care-plan-intent` (required binding).
    pub enum CarePlanIntent {
        /// An intention to ensure something occurs without providing an authorization.
        Plan = "plan",
    }
}

physalign_domain::wire_enum! {
    /// FHIR R4 `request-intent` (required binding).
    pub enum RequestIntent {
        /// A request with authorisation to act: the clinician's prescription.
        Order = "order",
    }
}

physalign_domain::wire_enum! {
    /// FHIR R4 `document-reference-status` (required binding).
    pub enum DocumentReferenceStatus {
        /// The current version of the document.
        Current = "current",
    }
}

physalign_domain::wire_enum! {
    /// FHIR R4 `composition-status` for `DocumentReference.docStatus` (required binding).
    pub enum DocumentStatus {
        /// Signed: complete and verified by an appropriate person.
        Final = "final",
    }
}

physalign_domain::wire_enum! {
    /// FHIR R4 `contact-point-system` (required binding).
    pub enum ContactPointSystem {
        /// An e-mail address.
        Email = "email",
        /// A phone number.
        Phone = "phone",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn analysis_angles_name_their_joint_and_side() {
        assert_eq!(Joint::of_angle("knee"), Some(Joint::Knee));
        assert_eq!(Joint::of_angle("knee_left"), Some(Joint::Knee));
        assert_eq!(Laterality::of_angle("knee_left"), Some(Laterality::Left));
        assert_eq!(Joint::of_angle("shoulder_abduction"), Some(Joint::Shoulder));
        assert_eq!(Joint::of_angle("trunk_lean"), None);
        assert_eq!(Joint::of_body_part("left knee"), Some(Joint::Knee));
        assert_eq!(Joint::of_body_part("lower back"), None);
        assert_eq!(Joint::of_body_part("kneecap"), None);
    }

    #[test]
    fn body_sites_carry_snomed_and_words() {
        let site = Joint::Knee.body_site(Some(Laterality::Right));
        assert_eq!(site.coding[0].code, "49076000");
        assert_eq!(site.text.as_deref(), Some("Right knee joint"));
    }
}
