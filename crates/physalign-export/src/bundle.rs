//! A [`PatientRecord`] as a FHIR R4 `collection` Bundle.
//!
//! * **Patient**, and a **Practitioner** per clinician (the one signed in here, each reviewer).
//! * Per session: an **Observation** of each repetition's range of motion (SNOMED CT range of
//!   joint movement, the joint structure and side as body site, measured by the camera
//!   goniometer, the angle's limits as components), one grouping the session's repetitions
//!   (the count, with the repetitions as members), one per timed hold (LOINC exercise
//!   duration) and one per pain rating said (LOINC 72514-3).
//! * The program: a **CarePlan** whose activities are a **ServiceRequest** per program item.
//! * A **DocumentReference** per clinician's review of a session (signed, final).
//!
//! Resource ids are UUIDs derived from the stored ids, so the same record gives the same ids.

use crate::codes::{
    coding, degrees, score, seconds, BundleType, CarePlanIntent, ContactPointSystem,
    DocumentReferenceStatus, DocumentStatus, Joint, Laterality, ObservationCategory,
    ObservationStatus, PhysAlignMeasure, QuestionnaireResponseStatus, RequestIntent, RequestStatus,
    LOINC, LOINC_EXERCISE_ACTIVITY, LOINC_EXERCISE_DURATION, LOINC_PAIN_SEVERITY_0_10, SNOMED,
    SNOMED_EXERCISE_THERAPY, SNOMED_LATERALITY, SNOMED_MEASURED, SNOMED_RANGE_OF_JOINT_MOVEMENT,
    URI_IDENTIFIER,
};
use crate::fhir::{
    Annotation, Attachment, Bundle, BundleEntry, CarePlan, CarePlanActivity, CodeableConcept,
    ContactPoint, DocumentContent, DocumentContext, DocumentReference, HumanName, Identifier,
    Observation, ObservationComponent, Patient, Period, Practitioner, QuestionnaireAnswer,
    QuestionnaireItem, QuestionnaireResponse, Reference, Resource, ServiceRequest,
};
use crate::record::{ClinicianRef, OutcomeRecord, PainSide, PatientRecord, SessionRecord};
use base64::Engine;
use chrono::{DateTime, Duration, NaiveDate, SecondsFormat, Utc};
use physalign_outcomes::Direction;
use physalign_store::{ProgramItem, ProgramItemStatus, RecordOrigin, SessionReview};
use std::collections::BTreeMap;
use uuid::Uuid;

/// The namespace of the export's derived resource ids (UUID v5).
const ID_NAMESPACE: Uuid = Uuid::from_u128(0x6f1d_4c2a_8e0b_4f7e_9a51_3c2d_7b19_e804);

/// The derived id of a resource `kind` made from `key`.
fn derived_id(kind: &str, key: &str) -> Uuid {
    Uuid::new_v5(&ID_NAMESPACE, format!("{kind}/{key}").as_bytes())
}

/// `urn:uuid:<id>`.
fn urn(id: Uuid) -> String {
    format!("urn:uuid:{id}")
}

/// A FHIR `dateTime`/`instant`: RFC 3339, UTC, milliseconds.
pub fn fhir_time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn fhir_date(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

/// An `f32` as the shortest decimal that reads back as the same `f32` (99.7, not
/// 99.69999694824219): the number stored is the number exported.
pub fn decimal(value: f32) -> f64 {
    format!("{value}").parse().unwrap_or(f64::from(value))
}

/// A repetition's range of motion, max − min of the stored angles, to a thousandth of a degree
/// (the difference of two `f32` has noise below that: 156.9 − 58.3 is 98.59999 in `f32`).
pub fn range_of_motion(min: f32, max: f32) -> f64 {
    ((decimal(max) - decimal(min)) * 1000.0).round() / 1000.0
}

fn uuid_identifier(id: Uuid) -> Identifier {
    Identifier {
        system: URI_IDENTIFIER.into(),
        value: urn(id),
    }
}

struct Builder {
    entries: Vec<BundleEntry>,
    patient: Reference,
    clinicians: BTreeMap<Uuid, Reference>,
    signed_in: Option<Uuid>,
}

impl Builder {
    fn push(&mut self, id: Uuid, resource: Resource) -> Reference {
        self.entries.push(BundleEntry {
            full_url: urn(id),
            resource,
        });
        Reference {
            reference: urn(id),
            display: None,
        }
    }
}

fn patient_resource(record: &PatientRecord) -> (Uuid, Patient) {
    let subject = &record.subject;
    let id = subject
        .patient_id
        .or(subject.user_id)
        .unwrap_or_else(|| derived_id("patient", "this-device"));
    let mut identifier = Vec::new();
    if let Some(patient) = subject.patient_id {
        identifier.push(uuid_identifier(patient));
    }
    if let Some(user) = subject.user_id.filter(|u| Some(*u) != subject.patient_id) {
        identifier.push(uuid_identifier(user));
    }
    let given: Vec<String> = subject
        .first_name
        .iter()
        .filter(|n| !n.trim().is_empty())
        .cloned()
        .collect();
    let family = subject.last_name.clone().filter(|n| !n.trim().is_empty());
    let name = if given.is_empty() && family.is_none() {
        Vec::new()
    } else {
        let text = given
            .iter()
            .cloned()
            .chain(family.clone())
            .collect::<Vec<_>>()
            .join(" ");
        vec![HumanName {
            text: Some(text),
            family,
            given,
        }]
    };
    let mut telecom = Vec::new();
    if let Some(email) = subject.email.clone().filter(|e| !e.trim().is_empty()) {
        telecom.push(ContactPoint {
            system: ContactPointSystem::Email,
            value: email,
        });
    }
    if let Some(phone) = subject.phone.clone().filter(|p| !p.trim().is_empty()) {
        telecom.push(ContactPoint {
            system: ContactPointSystem::Phone,
            value: phone,
        });
    }
    (
        id,
        Patient {
            id: id.to_string(),
            identifier,
            name,
            telecom,
            birth_date: subject.birth_date.map(fhir_date),
        },
    )
}

fn practitioner_resource(clinician: &ClinicianRef) -> Practitioner {
    Practitioner {
        id: clinician.user_id.to_string(),
        identifier: vec![uuid_identifier(clinician.user_id)],
        name: Vec::new(),
        telecom: clinician
            .email
            .iter()
            .map(|email| ContactPoint {
                system: ContactPointSystem::Email,
                value: email.clone(),
            })
            .collect(),
    }
}

fn exercise_component(name: &str) -> ObservationComponent {
    ObservationComponent::coded(
        CodeableConcept::coded(coding(LOINC, LOINC_EXERCISE_ACTIVITY), "Exercise"),
        CodeableConcept::text(name),
    )
}

fn laterality_component(side: Laterality) -> ObservationComponent {
    ObservationComponent::coded(
        CodeableConcept::coded(coding(SNOMED, SNOMED_LATERALITY), "Side"),
        CodeableConcept::coded(coding(SNOMED, side.snomed()), side.adjective()),
    )
}

fn session_status(session: &SessionRecord) -> ObservationStatus {
    if session.detail.session.ended_at.is_some() {
        ObservationStatus::Final
    } else {
        ObservationStatus::Preliminary
    }
}

fn at_offset(start: DateTime<Utc>, ms: i64) -> DateTime<Utc> {
    start + Duration::milliseconds(ms)
}

/// The observations of one session; returns the reference of the session's grouping
/// observation, when there is one.
fn session_observations(b: &mut Builder, session: &SessionRecord) -> Option<Reference> {
    let session_id = session.overview.session_id;
    let started = session.detail.session.started_at;
    let status = session_status(session);
    let angle = session.angle.as_deref();
    let joint = angle.and_then(Joint::of_angle);
    let angle_side = angle.and_then(Laterality::of_angle);
    let mut members = Vec::new();
    for rep in &session.detail.repetitions {
        let id = derived_id("rom", &format!("{session_id}/{}", rep.index));
        let side = rep.side.map(Laterality::of_side).or(angle_side);
        let text = match joint {
            Some(joint) => format!("{} range of motion", capitalised(joint.name())),
            None => format!(
                "Range of motion ({})",
                angle.unwrap_or(&session.overview.exercise_id)
            ),
        };
        let mut component = vec![
            exercise_component(&session.exercise_name),
            ObservationComponent::quantity(
                PhysAlignMeasure::MinimumAngle.concept(),
                degrees(decimal(rep.min_angle)),
            ),
            ObservationComponent::quantity(
                PhysAlignMeasure::MaximumAngle.concept(),
                degrees(decimal(rep.max_angle)),
            ),
            ObservationComponent::boolean(
                PhysAlignMeasure::PartialRepetition.concept(),
                rep.partial,
            ),
        ];
        if let Some(side) = side {
            component.push(laterality_component(side));
        }
        let observation = Observation {
            id: id.to_string(),
            identifier: Vec::new(),
            status,
            category: vec![ObservationCategory::Exam.concept()],
            code: CodeableConcept::coded(coding(SNOMED, SNOMED_RANGE_OF_JOINT_MOVEMENT), text),
            subject: b.patient.clone(),
            effective_date_time: None,
            effective_period: Some(Period {
                start: Some(fhir_time(at_offset(started, rep.start_ms))),
                end: Some(fhir_time(at_offset(started, rep.end_ms.max(rep.start_ms)))),
            }),
            performer: vec![b.patient.clone()],
            value_quantity: Some(degrees(range_of_motion(rep.min_angle, rep.max_angle))),
            value_integer: None,
            body_site: joint.map(|j| j.body_site(side)),
            method: Some(CodeableConcept::coded(
                coding(SNOMED, SNOMED_MEASURED),
                "Camera goniometry: joint angle from pose estimation on video",
            )),
            note: rep
                .confidence
                .map(|c| Annotation {
                    text: format!("Measurement confidence {:.2} (0 to 1)", c),
                })
                .into_iter()
                .collect(),
            has_member: Vec::new(),
            derived_from: Vec::new(),
            component,
        };
        members.push(b.push(id, Resource::Observation(Box::new(observation))));
    }

    // The recording's own length when known: repetition times are offsets into it, and an
    // analysis faster than real time ends (wall clock) before its last repetition would.
    let ended = match session.detail.session.duration_seconds {
        Some(seconds) if seconds.is_finite() && seconds >= 0.0 => {
            Some(at_offset(started, (seconds * 1000.0).round() as i64))
        }
        _ => session.detail.session.ended_at,
    };
    let session_period = Period {
        start: Some(fhir_time(started)),
        end: ended.map(fhir_time),
    };
    for (i, hold) in session.holds.iter().enumerate() {
        let id = derived_id("hold", &format!("{session_id}/{i}"));
        let observation = Observation {
            id: id.to_string(),
            identifier: Vec::new(),
            status,
            category: vec![ObservationCategory::Activity.concept()],
            code: CodeableConcept::coded(
                coding(LOINC, LOINC_EXERCISE_DURATION),
                "Hold time in the target position",
            ),
            subject: b.patient.clone(),
            effective_date_time: None,
            effective_period: Some(Period {
                start: Some(fhir_time(at_offset(started, hold.start_ms))),
                end: Some(fhir_time(at_offset(
                    started,
                    hold.end_ms.max(hold.start_ms),
                ))),
            }),
            performer: vec![b.patient.clone()],
            value_quantity: Some(seconds(hold.time_in_range_s)),
            value_integer: None,
            body_site: joint.map(|j| j.body_site(angle_side)),
            method: None,
            note: Vec::new(),
            has_member: Vec::new(),
            derived_from: Vec::new(),
            component: vec![
                exercise_component(&session.exercise_name),
                ObservationComponent::quantity(
                    PhysAlignMeasure::TargetHoldTime.concept(),
                    seconds(hold.target_s),
                ),
                ObservationComponent::quantity(
                    PhysAlignMeasure::LongestHoldStretch.concept(),
                    seconds(hold.longest_stretch_s),
                ),
            ],
        };
        members.push(b.push(id, Resource::Observation(Box::new(observation))));
    }

    for (i, pain) in session.pain.iter().enumerate() {
        let id = derived_id("pain", &format!("{session_id}/{i}"));
        let side = pain.side.map(|s| match s {
            PainSide::Left => Laterality::Left,
            PainSide::Right => Laterality::Right,
            PainSide::Both => Laterality::Both,
        });
        let body_site = pain
            .body_part
            .as_deref()
            .map(|part| match Joint::of_body_part(part) {
                Some(joint) => joint.body_site(side),
                None => CodeableConcept::text(match side {
                    Some(side) => format!("{} {part}", side.adjective()),
                    None => part.to_string(),
                }),
            });
        let observation = Observation {
            id: id.to_string(),
            identifier: Vec::new(),
            status,
            category: vec![ObservationCategory::Survey.concept()],
            code: CodeableConcept::coded(
                coding(LOINC, LOINC_PAIN_SEVERITY_0_10),
                "Pain severity 0-10, reported",
            ),
            subject: b.patient.clone(),
            effective_date_time: Some(fhir_time(started)),
            effective_period: None,
            performer: vec![b.patient.clone()],
            value_quantity: Some(score(pain.score)),
            value_integer: None,
            body_site,
            method: None,
            note: if pain.approximate {
                vec![Annotation {
                    text: "The patient gave an approximate rating or a range (its midpoint)."
                        .into(),
                }]
            } else {
                Vec::new()
            },
            has_member: Vec::new(),
            derived_from: Vec::new(),
            component: vec![exercise_component(&session.exercise_name)],
        };
        b.push(id, Resource::Observation(Box::new(observation)));
    }

    if session.detail.repetitions.is_empty() && !session.holds.is_empty() {
        return members.into_iter().next();
    }
    let id = derived_id("session", &session_id.to_string());
    let full = session
        .detail
        .repetitions
        .iter()
        .filter(|r| !r.partial)
        .count();
    let observation = Observation {
        id: id.to_string(),
        identifier: vec![uuid_identifier(session_id)],
        status,
        category: vec![ObservationCategory::Activity.concept()],
        code: PhysAlignMeasure::Repetitions.concept(),
        subject: b.patient.clone(),
        effective_date_time: None,
        effective_period: Some(session_period),
        performer: vec![b.patient.clone()],
        value_quantity: None,
        value_integer: Some(i64::try_from(full).unwrap_or(i64::MAX)),
        body_site: joint.map(|j| j.body_site(angle_side)),
        method: None,
        note: Vec::new(),
        has_member: members,
        derived_from: Vec::new(),
        component: vec![exercise_component(&session.exercise_name)],
    };
    Some(b.push(id, Resource::Observation(Box::new(observation))))
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn review_text(review: &SessionReview, session: &SessionRecord) -> String {
    let mut text = format!(
        "Review of the {} session of {}\nAssessment: {}\n",
        session.exercise_name,
        session
            .detail
            .session
            .started_at
            .format("%Y-%m-%d %H:%M UTC"),
        review.assessment
    );
    if let Some(notes) = review.notes.as_deref().filter(|n| !n.trim().is_empty()) {
        text.push_str(&format!("Notes: {notes}\n"));
    }
    if let Some(next) = review.next_steps.as_ref().filter(|v| !v.is_null()) {
        text.push_str(&format!("Next steps: {next}\n"));
    }
    text
}

fn review_document(
    b: &mut Builder,
    review: &SessionReview,
    session: &SessionRecord,
    related: Option<&Reference>,
) {
    let id = derived_id("review", &review.id.to_string());
    let author_id = review.physiotherapist_id.or(match review.origin {
        RecordOrigin::Local => b.signed_in,
        RecordOrigin::Pulled => None,
    });
    let author = author_id
        .and_then(|a| b.clinicians.get(&a).cloned())
        .into_iter()
        .collect();
    let text = review_text(review, session);
    let document = DocumentReference {
        id: id.to_string(),
        identifier: vec![uuid_identifier(review.id)],
        status: DocumentReferenceStatus::Current,
        doc_status: Some(DocumentStatus::Final),
        kind: Some(CodeableConcept::text("Physiotherapy session review")),
        subject: b.patient.clone(),
        date: Some(fhir_time(review.reviewed_at)),
        author,
        description: Some(format!(
            "Review of the {} session: {}",
            session.exercise_name, review.assessment
        )),
        content: vec![DocumentContent {
            attachment: Attachment {
                content_type: "text/plain; charset=utf-8".into(),
                data: base64::engine::general_purpose::STANDARD.encode(text.as_bytes()),
                title: Some(format!("Session review, {}", session.exercise_name)),
                creation: Some(fhir_time(review.reviewed_at)),
            },
        }],
        context: related.map(|r| DocumentContext {
            related: vec![r.clone()],
        }),
    };
    b.push(id, Resource::DocumentReference(document));
}

/// One side of a stored goniometer reading (the engine's `SideReading`, the fields read here).
#[derive(Debug, serde::Deserialize)]
pub struct GoniometerSide {
    /// `left` or `right`.
    pub side: Option<String>,
    /// The held angle, degrees; none when it could not be read.
    pub angle_deg: Option<f32>,
    /// Confidence in the reading, 0..1.
    pub confidence: Option<f32>,
}

/// The sides of a stored goniometer reading that have an angle.
pub fn goniometer_sides(reading: &serde_json::Value) -> Vec<GoniometerSide> {
    reading
        .get("sides")
        .and_then(|s| serde_json::from_value::<Vec<GoniometerSide>>(s.clone()).ok())
        .unwrap_or_default()
        .into_iter()
        .filter(|s| s.angle_deg.is_some())
        .collect()
}

fn side_of(text: Option<&str>) -> Option<Laterality> {
    match text {
        Some("left") => Some(Laterality::Left),
        Some("right") => Some(Laterality::Right),
        _ => None,
    }
}

/// A goniometer reading of a held position taken in clinic: an Observation per side read.
fn goniometer_observations(b: &mut Builder, reading: &physalign_store::GoniometerRecord) {
    let joint = Joint::of_angle(&reading.joint);
    for (i, side_reading) in goniometer_sides(&reading.reading).iter().enumerate() {
        let Some(angle) = side_reading.angle_deg else {
            continue;
        };
        let side = side_of(side_reading.side.as_deref());
        let id = derived_id("goniometer", &format!("{}/{i}", reading.id));
        let observation = Observation {
            id: id.to_string(),
            identifier: vec![uuid_identifier(reading.id)],
            status: ObservationStatus::Final,
            category: vec![ObservationCategory::Exam.concept()],
            code: CodeableConcept::coded(
                coding(SNOMED, SNOMED_RANGE_OF_JOINT_MOVEMENT),
                format!("{} angle in a held position", capitalised(&reading.joint)),
            ),
            subject: b.patient.clone(),
            effective_date_time: Some(fhir_time(reading.taken_at)),
            effective_period: None,
            performer: reading
                .taken_by
                .and_then(|t| b.clinicians.get(&t).cloned())
                .into_iter()
                .collect(),
            value_quantity: Some(degrees(decimal(angle))),
            value_integer: None,
            body_site: joint.map(|j| j.body_site(side)),
            method: Some(CodeableConcept::coded(
                coding(SNOMED, SNOMED_MEASURED),
                "Camera goniometry of a held position",
            )),
            note: side_reading
                .confidence
                .map(|c| Annotation {
                    text: format!("Measurement confidence {c:.2} (0 to 1)"),
                })
                .into_iter()
                .collect(),
            has_member: Vec::new(),
            derived_from: Vec::new(),
            component: side.map(laterality_component).into_iter().collect(),
        };
        b.push(id, Resource::Observation(Box::new(observation)));
    }
}

/// The form an outcome measure answers, as a URN naming the instrument.
pub fn questionnaire_urn(instrument: physalign_outcomes::Instrument) -> String {
    format!("urn:physalign:questionnaire:{}", instrument.as_str())
}

/// A completed outcome measure: the answers as a QuestionnaireResponse and, when its
/// missing-item rule lets it be scored, the score as an Observation derived from it.
fn outcome_resources(b: &mut Builder, outcome: &OutcomeRecord) {
    let instrument = outcome.responses.instrument;
    let id = derived_id("questionnaire-response", &outcome.id.to_string());
    let response = QuestionnaireResponse {
        id: id.to_string(),
        status: QuestionnaireResponseStatus::Completed,
        questionnaire: Some(questionnaire_urn(instrument)),
        subject: b.patient.clone(),
        authored: Some(fhir_time(outcome.authored)),
        item: outcome
            .responses
            .answers
            .iter()
            .enumerate()
            .map(|(i, answer)| QuestionnaireItem {
                link_id: (i + 1).to_string(),
                text: None,
                answer: answer
                    .map(|value| QuestionnaireAnswer {
                        value_integer: i64::from(value),
                    })
                    .into_iter()
                    .collect(),
            })
            .collect(),
    };
    let response_ref = b.push(id, Resource::QuestionnaireResponse(response));
    // Too many missing items: the answers are exported, no score is made up.
    let Ok(scored) = outcome.responses.score() else {
        return;
    };
    let score_id = derived_id("outcome-score", &outcome.id.to_string());
    let direction = match instrument.direction() {
        Direction::HigherIsBetter => "higher is better",
        Direction::LowerIsBetter => "lower is better",
    };
    let observation = Observation {
        id: score_id.to_string(),
        identifier: vec![uuid_identifier(outcome.id)],
        status: ObservationStatus::Final,
        category: vec![ObservationCategory::Survey.concept()],
        code: CodeableConcept {
            coding: PhysAlignMeasure::OutcomeScore.concept().coding,
            text: Some(format!("{} score", instrument.display_name())),
        },
        subject: b.patient.clone(),
        effective_date_time: Some(fhir_time(outcome.authored)),
        effective_period: None,
        performer: vec![b.patient.clone()],
        value_quantity: Some(score((scored.value * 1000.0).round() / 1000.0)),
        value_integer: None,
        body_site: None,
        method: None,
        note: vec![Annotation {
            text: format!(
                "{} of {} ({} of {} items answered); {direction}; a change of {} or more is clinically important",
                (scored.value * 1000.0).round() / 1000.0,
                scored.max,
                scored.answered,
                scored.items,
                instrument.mcid()
            ),
        }],
        has_member: Vec::new(),
        derived_from: vec![response_ref],
        component: Vec::new(),
    };
    b.push(score_id, Resource::Observation(Box::new(observation)));
}

fn order_details(item: &ProgramItem) -> Vec<CodeableConcept> {
    let mut out = Vec::new();
    if let Some(sets) = item.sets {
        out.push(CodeableConcept::text(format!("{sets} sets")));
    }
    if let Some(reps) = item.reps {
        out.push(CodeableConcept::text(format!("{reps} repetitions per set")));
    }
    if let Some(hold) = item.hold_seconds {
        out.push(CodeableConcept::text(format!("hold {hold} s")));
    }
    if let Some(angle) = item.target_angle {
        let tolerance = item
            .tolerance
            .map(|t| format!(" ± {t}°"))
            .unwrap_or_default();
        out.push(CodeableConcept::text(format!(
            "target angle {angle}°{tolerance}"
        )));
    }
    if let Some(side) = item.side.as_deref().filter(|s| !s.is_empty()) {
        out.push(CodeableConcept::text(format!("side: {side}")));
    }
    if let Some(per_week) = item.per_week {
        out.push(CodeableConcept::text(format!(
            "{per_week} sessions per week"
        )));
    }
    out
}

fn program_resources(
    b: &mut Builder,
    record: &PatientRecord,
    catalogue_joint: &dyn Fn(&str) -> Option<Joint>,
) {
    if record.program.is_empty() {
        return;
    }
    let mut activity = Vec::new();
    let mut first: Option<NaiveDate> = None;
    let mut last: Option<NaiveDate> = None;
    let mut open_ended = false;
    for (item, name) in &record.program {
        let id = derived_id("program-item", &item.id.to_string());
        let start = item
            .start_date
            .unwrap_or_else(|| item.created_at.date_naive());
        first = Some(first.map_or(start, |f| f.min(start)));
        match item.end_date {
            Some(end) => last = Some(last.map_or(end, |l| l.max(end))),
            None => open_ended = true,
        }
        let request = ServiceRequest {
            id: id.to_string(),
            identifier: vec![uuid_identifier(item.id)],
            status: match item.status {
                ProgramItemStatus::Active => RequestStatus::Active,
                ProgramItemStatus::Ended => RequestStatus::Completed,
            },
            intent: RequestIntent::Order,
            category: vec![CodeableConcept::coded(
                coding(SNOMED, SNOMED_EXERCISE_THERAPY),
                "Exercise therapy",
            )],
            code: Some(CodeableConcept::text(name.clone())),
            order_detail: order_details(item),
            subject: b.patient.clone(),
            occurrence_period: Some(Period {
                start: Some(fhir_date(start)),
                end: item.end_date.map(fhir_date),
            }),
            authored_on: Some(fhir_time(item.created_at)),
            body_site: catalogue_joint(&item.exercise_id)
                .map(|j| j.body_site(None))
                .into_iter()
                .collect(),
            patient_instruction: item.instructions.clone().filter(|i| !i.trim().is_empty()),
        };
        let reference = b.push(id, Resource::ServiceRequest(request));
        activity.push(CarePlanActivity {
            reference: Reference {
                display: Some(name.clone()),
                ..reference
            },
        });
    }
    let any_active = record
        .program
        .iter()
        .any(|(item, _)| item.status == ProgramItemStatus::Active);
    let key = record
        .subject
        .patient_id
        .or(record.subject.user_id)
        .map(|id| id.to_string())
        .unwrap_or_else(|| "this-device".into());
    let id = derived_id("care-plan", &key);
    let plan = CarePlan {
        id: id.to_string(),
        status: if any_active {
            RequestStatus::Active
        } else {
            RequestStatus::Completed
        },
        intent: CarePlanIntent::Plan,
        category: vec![CodeableConcept::coded(
            coding(SNOMED, SNOMED_EXERCISE_THERAPY),
            "Exercise therapy",
        )],
        title: Some("Home exercise program".into()),
        subject: b.patient.clone(),
        period: Some(Period {
            start: first.map(fhir_date),
            end: if open_ended {
                None
            } else {
                last.map(fhir_date)
            },
        }),
        activity,
    };
    b.push(id, Resource::CarePlan(plan));
}

/// The record as a FHIR R4 Bundle assembled at `now`. `joint_of_exercise` names the joint an
/// exercise works (for the program's body sites).
pub fn build_bundle(
    record: &PatientRecord,
    joint_of_exercise: &dyn Fn(&str) -> Option<Joint>,
    now: DateTime<Utc>,
) -> Bundle {
    let (patient_id, patient) = patient_resource(record);
    let mut b = Builder {
        entries: Vec::new(),
        patient: Reference {
            reference: urn(patient_id),
            display: patient.name.first().and_then(|n| n.text.clone()),
        },
        clinicians: BTreeMap::new(),
        signed_in: record.signed_in_clinician.as_ref().map(|c| c.user_id),
    };
    b.push(patient_id, Resource::Patient(patient));
    for clinician in record.clinicians() {
        let reference = b.push(
            clinician.user_id,
            Resource::Practitioner(practitioner_resource(&clinician)),
        );
        b.clinicians.insert(clinician.user_id, reference);
    }
    for session in &record.sessions {
        let grouping = session_observations(&mut b, session);
        for review in &session.reviews {
            review_document(&mut b, review, session, grouping.as_ref());
        }
    }
    for reading in &record.goniometer {
        goniometer_observations(&mut b, reading);
    }
    for outcome in &record.outcomes {
        outcome_resources(&mut b, outcome);
    }
    program_resources(&mut b, record, joint_of_exercise);
    Bundle {
        resource_type: "Bundle".into(),
        id: Uuid::new_v4().to_string(),
        kind: BundleType::Collection,
        timestamp: fhir_time(now),
        entry: b.entries,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_keep_the_stored_digits() {
        assert_eq!(decimal(99.7), 99.7);
        assert_eq!(decimal(60.0), 60.0);
        assert_eq!(decimal(0.1), 0.1);
        assert_eq!(decimal(0.1) as f32, 0.1f32);
    }

    #[test]
    fn a_range_of_motion_is_the_difference_of_the_stored_angles() {
        assert_eq!(range_of_motion(58.3, 156.9), 98.6);
        assert_eq!(range_of_motion(60.0, 60.0), 0.0);
    }

    #[test]
    fn derived_ids_are_stable() {
        assert_eq!(derived_id("rom", "a/1"), derived_id("rom", "a/1"));
        assert_ne!(derived_id("rom", "a/1"), derived_id("rom", "a/2"));
    }
}
