//! The subset of FHIR R4 (4.0.1) this export writes, as typed structures serialised to FHIR's
//! JSON form: a `collection` [`Bundle`] of [`Patient`], [`Practitioner`], [`Observation`],
//! [`QuestionnaireResponse`], [`CarePlan`], [`ServiceRequest`] and [`DocumentReference`].
//!
//! Every optional element is left out when empty (FHIR forbids empty arrays and objects); the
//! elements each resource requires in R4 are plain fields. Codes with a required binding in R4
//! are enums ([`crate::codes`]).

use crate::codes::{
    BundleType, CarePlanIntent, CarePlanStatus, ContactPointSystem, DocumentReferenceStatus,
    DocumentStatus, ObservationStatus, QuestionnaireResponseStatus, RequestIntent, RequestStatus,
};
use serde::{Deserialize, Serialize};

/// A code from a code system (FHIR `Coding`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Coding {
    /// The code system's canonical URI, e.g. `http://snomed.info/sct`.
    pub system: String,
    /// The code.
    pub code: String,
    /// The code system's display text for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
}

impl Coding {
    /// A coding with its display.
    pub fn new(system: &str, code: &str, display: &str) -> Self {
        Coding {
            system: system.into(),
            code: code.into(),
            display: Some(display.into()),
        }
    }
}

/// Codings with a text (FHIR `CodeableConcept`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CodeableConcept {
    /// Codes for the concept, in any code systems.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub coding: Vec<Coding>,
    /// The concept in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

impl CodeableConcept {
    /// One coding, with `text` in words.
    pub fn coded(coding: Coding, text: impl Into<String>) -> Self {
        CodeableConcept {
            coding: vec![coding],
            text: Some(text.into()),
        }
    }

    /// Words only (no code system has the concept).
    pub fn text(text: impl Into<String>) -> Self {
        CodeableConcept {
            coding: Vec::new(),
            text: Some(text.into()),
        }
    }
}

/// A measured amount (FHIR `Quantity`), with its UCUM unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Quantity {
    /// The amount.
    pub value: f64,
    /// The unit for people.
    pub unit: String,
    /// `http://unitsofmeasure.org` (UCUM).
    pub system: String,
    /// The UCUM code of the unit, e.g. `deg`, `s`, `{score}`.
    pub code: String,
}

/// A reference to another resource (FHIR `Reference`): inside the Bundle, `urn:uuid:…`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reference {
    /// The referenced entry's `fullUrl`.
    pub reference: String,
    /// The referenced resource in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
}

/// A business identifier (FHIR `Identifier`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Identifier {
    /// The namespace of the value; `urn:ietf:rfc:3986` when the value is itself a URI.
    pub system: String,
    /// The identifier.
    pub value: String,
}

/// A time range (FHIR `Period`), RFC 3339 date-times or dates.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Period {
    /// Start, inclusive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    /// End, inclusive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
}

/// A person's name (FHIR `HumanName`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HumanName {
    /// The whole name in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Family name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    /// Given names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub given: Vec<String>,
}

/// How to reach someone (FHIR `ContactPoint`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContactPoint {
    /// Kind of contact.
    pub system: ContactPointSystem,
    /// The address or number.
    pub value: String,
}

/// A note (FHIR `Annotation`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Annotation {
    /// The note.
    pub text: String,
}

/// Content carried inline (FHIR `Attachment`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Attachment {
    /// MIME type, e.g. `text/plain; charset=utf-8`.
    pub content_type: String,
    /// The content, base64.
    pub data: String,
    /// Title for people.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// When the content was made.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creation: Option<String>,
}

/// The patient (FHIR `Patient`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Patient {
    /// Logical id.
    pub id: String,
    /// Ids of the patient elsewhere (PhysAlign's patient and account ids).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifier: Vec<Identifier>,
    /// Names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub name: Vec<HumanName>,
    /// E-mail and phone.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub telecom: Vec<ContactPoint>,
    /// Date of birth (`YYYY-MM-DD`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
}

/// A clinician (FHIR `Practitioner`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Practitioner {
    /// Logical id.
    pub id: String,
    /// PhysAlign's user id of the clinician.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifier: Vec<Identifier>,
    /// Names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub name: Vec<HumanName>,
    /// E-mail.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub telecom: Vec<ContactPoint>,
}

/// One part of a compound observation (FHIR `Observation.component`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObservationComponent {
    /// What the part is.
    pub code: CodeableConcept,
    /// Its amount.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_quantity: Option<Quantity>,
    /// Its coded value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_codeable_concept: Option<CodeableConcept>,
    /// Its count.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_integer: Option<i64>,
    /// Its yes or no.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_boolean: Option<bool>,
}

impl ObservationComponent {
    /// A component holding an amount.
    pub fn quantity(code: CodeableConcept, value: Quantity) -> Self {
        ObservationComponent {
            code,
            value_quantity: Some(value),
            value_codeable_concept: None,
            value_integer: None,
            value_boolean: None,
        }
    }

    /// A component holding a coded value.
    pub fn coded(code: CodeableConcept, value: CodeableConcept) -> Self {
        ObservationComponent {
            code,
            value_quantity: None,
            value_codeable_concept: Some(value),
            value_integer: None,
            value_boolean: None,
        }
    }

    /// A component holding a yes or no.
    pub fn boolean(code: CodeableConcept, value: bool) -> Self {
        ObservationComponent {
            code,
            value_quantity: None,
            value_codeable_concept: None,
            value_integer: None,
            value_boolean: Some(value),
        }
    }
}

/// A measurement or statement about the patient (FHIR `Observation`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Observation {
    /// Logical id.
    pub id: String,
    /// Where the value came from in PhysAlign (session and repetition).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifier: Vec<Identifier>,
    /// Final, or preliminary for a session still being recorded.
    pub status: ObservationStatus,
    /// Exam, survey, activity.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub category: Vec<CodeableConcept>,
    /// What was observed.
    pub code: CodeableConcept,
    /// The patient.
    pub subject: Reference,
    /// When (a moment).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effective_date_time: Option<String>,
    /// When (a stretch of time).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effective_period: Option<Period>,
    /// Who made it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub performer: Vec<Reference>,
    /// The amount observed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_quantity: Option<Quantity>,
    /// A count observed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_integer: Option<i64>,
    /// Where on the body.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body_site: Option<CodeableConcept>,
    /// How it was measured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<CodeableConcept>,
    /// Notes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub note: Vec<Annotation>,
    /// Observations this one groups (a session's repetitions).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub has_member: Vec<Reference>,
    /// What it was derived from (a questionnaire's answers).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub derived_from: Vec<Reference>,
    /// Parts (angle limits, side, exercise).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub component: Vec<ObservationComponent>,
}

/// One answer of a questionnaire item (FHIR `QuestionnaireResponse.item.answer`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QuestionnaireAnswer {
    /// The answer as a whole number.
    pub value_integer: i64,
}

/// One item of a completed questionnaire (FHIR `QuestionnaireResponse.item`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QuestionnaireItem {
    /// The item's position in the form (`1`, `2`, …).
    pub link_id: String,
    /// The question in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// The answer; none for a missing item.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub answer: Vec<QuestionnaireAnswer>,
}

/// A completed outcome measure (FHIR `QuestionnaireResponse`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QuestionnaireResponse {
    /// Logical id.
    pub id: String,
    /// Completed.
    pub status: QuestionnaireResponseStatus,
    /// The form answered, as a canonical URL or URN.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub questionnaire: Option<String>,
    /// The patient.
    pub subject: Reference,
    /// When it was answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authored: Option<String>,
    /// The answers in form order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub item: Vec<QuestionnaireItem>,
}

/// One planned activity of a care plan (FHIR `CarePlan.activity`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CarePlanActivity {
    /// The request that details it.
    pub reference: Reference,
}

/// The patient's exercise program (FHIR `CarePlan`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CarePlan {
    /// Logical id.
    pub id: String,
    /// Active while an item is.
    pub status: CarePlanStatus,
    /// A plan.
    pub intent: CarePlanIntent,
    /// Physiotherapy.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub category: Vec<CodeableConcept>,
    /// Title for people.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The patient.
    pub subject: Reference,
    /// First to last day of the items.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
    /// The program's items.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub activity: Vec<CarePlanActivity>,
}

/// One prescribed exercise (FHIR `ServiceRequest`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceRequest {
    /// Logical id.
    pub id: String,
    /// PhysAlign's program item id.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifier: Vec<Identifier>,
    /// Active, or completed once ended.
    pub status: RequestStatus,
    /// An order.
    pub intent: RequestIntent,
    /// Physiotherapy.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub category: Vec<CodeableConcept>,
    /// The exercise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<CodeableConcept>,
    /// The dose in words: sets, repetitions, hold, target angle, sessions per week.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub order_detail: Vec<CodeableConcept>,
    /// The patient.
    pub subject: Reference,
    /// First to last day.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub occurrence_period: Option<Period>,
    /// When it was prescribed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authored_on: Option<String>,
    /// The joint it works.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub body_site: Vec<CodeableConcept>,
    /// Instructions for the patient.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patient_instruction: Option<String>,
}

/// The content of a document (FHIR `DocumentReference.content`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentContent {
    /// The document itself.
    pub attachment: Attachment,
}

/// What a document is about (FHIR `DocumentReference.context`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentContext {
    /// The observations of the session it reviews.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<Reference>,
}

/// A signed clinical document: a clinician's review of a session (FHIR `DocumentReference`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DocumentReference {
    /// Logical id.
    pub id: String,
    /// PhysAlign's review id.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifier: Vec<Identifier>,
    /// Current.
    pub status: DocumentReferenceStatus,
    /// Final: signed and unchangeable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub doc_status: Option<DocumentStatus>,
    /// What kind of document.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(rename = "type")]
    pub kind: Option<CodeableConcept>,
    /// The patient.
    pub subject: Reference,
    /// When it was written (an instant).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// Who wrote it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub author: Vec<Reference>,
    /// A line about it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The text.
    pub content: Vec<DocumentContent>,
    /// What it refers to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<DocumentContext>,
}

/// Any resource this export writes, tagged with its `resourceType`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "resourceType")]
pub enum Resource {
    /// The patient.
    Patient(Patient),
    /// A clinician.
    Practitioner(Practitioner),
    /// A measurement.
    Observation(Box<Observation>),
    /// A completed outcome measure.
    QuestionnaireResponse(QuestionnaireResponse),
    /// The program.
    CarePlan(CarePlan),
    /// A program item.
    ServiceRequest(ServiceRequest),
    /// A signed note or review.
    DocumentReference(DocumentReference),
}

impl Resource {
    /// The resource's `resourceType`.
    pub fn type_name(&self) -> &'static str {
        match self {
            Resource::Patient(_) => "Patient",
            Resource::Practitioner(_) => "Practitioner",
            Resource::Observation(_) => "Observation",
            Resource::QuestionnaireResponse(_) => "QuestionnaireResponse",
            Resource::CarePlan(_) => "CarePlan",
            Resource::ServiceRequest(_) => "ServiceRequest",
            Resource::DocumentReference(_) => "DocumentReference",
        }
    }
}

/// One entry of a Bundle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BundleEntry {
    /// `urn:uuid:<id>`: what references inside the Bundle point to.
    pub full_url: String,
    /// The resource.
    pub resource: Resource,
}

/// The exported record (FHIR `Bundle` of type `collection`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bundle {
    /// Always `Bundle`.
    #[serde(rename = "resourceType")]
    pub resource_type: String,
    /// Logical id.
    pub id: String,
    /// A collection.
    #[serde(rename = "type")]
    pub kind: BundleType,
    /// When it was assembled (an instant).
    pub timestamp: String,
    /// The resources.
    #[serde(default)]
    pub entry: Vec<BundleEntry>,
}

impl Bundle {
    /// The resources of one type, e.g. every `Observation`.
    pub fn resources_of<'a>(&'a self, type_name: &'a str) -> impl Iterator<Item = &'a Resource> {
        self.entry
            .iter()
            .map(|e| &e.resource)
            .filter(move |r| r.type_name() == type_name)
    }
}
