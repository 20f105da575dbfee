//! What the PDF reports say, gathered from the local store (offline): a patient's progress over
//! a period and one session's note, as `physalign_pdf`'s plain data. The numbers come from the
//! stored measurements through the same helpers the patient chart uses ([`crate::progress`],
//! [`crate::curve`]); the grades and plans are worded by `physalign_report::review`.
//!
//! Whose record: on a clinician's device a patient of the roster (`patient` given); on a
//! patient's own device their own record (`patient` omitted, or their own id).

use crate::curve::{curve_of, session_angle, stride_for};
use crate::progress::{progress_for_items, TargetBand};
use crate::WorkspaceError;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use physalign_analysis::{Catalogue, SessionReport};
use physalign_api::auth::Role;
use physalign_domain::review_words::{grade_words, plan_line};
use physalign_domain::SessionStatus;
use physalign_pdf::compose::{
    self, dose_words, mood_words, pain_remarks, risk_flags, strings_of, text_of, transcript_excerpt,
};
use physalign_pdf::{
    AdherenceSummary, NoteRepetition, PatientIdentity, ProgramLine, ProgressReport, Provenance,
    ReviewLine, RomPoint, RomSeries, SessionNote,
};
use physalign_store::sync_state::RemoteRecordKind;
use physalign_store::{
    ProgramItem, ProgramItemStatus, RecordOrigin, SessionOverview, SessionReview, Store,
};
use std::collections::BTreeSet;
use uuid::Uuid;

/// Days in the default period: the 30 days ending today (a payer's progress-report interval).
pub const DEFAULT_PERIOD_DAYS: i64 = 30;

/// Characters of the transcript printed in a session note.
pub use physalign_pdf::compose::TRANSCRIPT_EXCERPT_CHARS;

/// The record a report is about, with how it is identified.
struct Subject {
    identity: PatientIdentity,
    /// The patient id sessions and program items carry (none on a patient's own device, whose
    /// sessions carry none).
    store_patient: Option<Uuid>,
    conditions: Vec<String>,
    prepared_by: Option<String>,
    own_device: bool,
}

fn date_of(record: &serde_json::Value, key: &str) -> Option<NaiveDate> {
    text_of(record, key).and_then(|t| NaiveDate::parse_from_str(&t, "%Y-%m-%d").ok())
}

fn is_clinician(store: &Store) -> Result<bool, WorkspaceError> {
    Ok(store
        .sync_identity()?
        .and_then(|i| i.role)
        .and_then(|r| Role::parse(&r))
        .is_some_and(crate::access::may_open_workspace))
}

/// Who `patient` is on this device (see the module's rules).
fn subject(store: &Store, patient: Option<Uuid>) -> Result<Subject, WorkspaceError> {
    let identity = store.sync_identity()?;
    let prepared_by = identity.as_ref().map(|i| i.email.clone());
    let profile = store
        .remote_records(RemoteRecordKind::PatientProfile)?
        .into_iter()
        .next()
        .map(|r| r.record);
    let profile_id = profile
        .as_ref()
        .and_then(|p| text_of(p, "id"))
        .and_then(|t| Uuid::parse_str(&t).ok());
    let own = |profile: Option<serde_json::Value>| {
        let record = profile.unwrap_or(serde_json::Value::Null);
        let name = [
            text_of(&record, "first_name"),
            text_of(&record, "last_name"),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
        let email = text_of(&record, "email").or_else(|| prepared_by.clone());
        Subject {
            identity: PatientIdentity {
                name: if name.is_empty() {
                    email
                        .clone()
                        .unwrap_or_else(|| "Patient on this device".into())
                } else {
                    name
                },
                patient_id: profile_id,
                date_of_birth: date_of(&record, "date_of_birth"),
                email,
            },
            store_patient: None,
            conditions: strings_of(&record, "medical_conditions"),
            prepared_by: prepared_by.clone(),
            own_device: true,
        }
    };
    match patient {
        None if is_clinician(store)? => Err(WorkspaceError::Invalid {
            what: "patient",
            detail: "this device is a clinician's: name the patient (--patient ID)".into(),
        }),
        None => Ok(own(profile)),
        Some(id) if Some(id) == profile_id => Ok(own(profile)),
        Some(id) => {
            let roster = store
                .care_patients()?
                .into_iter()
                .find(|p| p.patient.patient_id == id)
                .ok_or(WorkspaceError::PatientNotFound(id))?;
            let record = store
                .remote_records(RemoteRecordKind::Patient)?
                .into_iter()
                .find(|r| r.id == id.to_string())
                .map(|r| r.record)
                .unwrap_or(serde_json::Value::Null);
            Ok(Subject {
                identity: PatientIdentity {
                    name: format!("{} {}", roster.patient.first_name, roster.patient.last_name)
                        .trim()
                        .to_string(),
                    patient_id: Some(id),
                    date_of_birth: date_of(&record, "date_of_birth"),
                    email: roster.patient.email,
                },
                store_patient: Some(id),
                conditions: strings_of(&record, "medical_conditions"),
                prepared_by,
                own_device: false,
            })
        }
    }
}

fn provenance(subject: &Subject, now: DateTime<Utc>) -> Provenance {
    Provenance {
        generated_at: now,
        prepared_by: subject.prepared_by.clone(),
        source: if subject.own_device {
            "the patient's own device (local record, offline)".into()
        } else {
            "the clinician's device (local record, offline)".into()
        },
    }
}

fn exercise_name(catalogue: &Catalogue, id: &str) -> String {
    catalogue
        .get(id)
        .map(|e| e.name.clone())
        .unwrap_or_else(|_| id.to_string())
}

fn band_of(item: &ProgramItem) -> Option<TargetBand> {
    crate::progress::band(std::slice::from_ref(item), &item.exercise_id)
}

fn dose(item: &ProgramItem) -> String {
    dose_words(item.sets, item.reps, item.hold_seconds)
}

fn band_words(band: TargetBand) -> String {
    compose::band_words((band.angle, band.low, band.high))
}

fn item_start(item: &ProgramItem) -> NaiveDate {
    item.start_date
        .unwrap_or_else(|| item.created_at.date_naive())
}

fn ended(status: SessionStatus) -> bool {
    !matches!(status, SessionStatus::Pending | SessionStatus::Recording)
}

fn review_line(
    review: &SessionReview,
    session_at: Option<DateTime<Utc>>,
    exercise: Option<String>,
) -> ReviewLine {
    ReviewLine {
        reviewed_at: review.reviewed_at,
        session_at,
        exercise,
        grade: grade_words(&review.assessment),
        notes: review.notes.clone().filter(|n| !n.trim().is_empty()),
        plan: review.next_steps.as_ref().and_then(plan_line),
    }
}

/// The progress report of `patient` (or of this device's own patient) from `from` to `to`
/// (default: the [`DEFAULT_PERIOD_DAYS`] days ending on `now`'s day).
pub fn progress_report(
    store: &Store,
    catalogue: &Catalogue,
    patient: Option<Uuid>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> Result<ProgressReport, WorkspaceError> {
    let to = to.unwrap_or_else(|| now.date_naive());
    let from = from.unwrap_or(to - Duration::days(DEFAULT_PERIOD_DAYS - 1));
    if to < from {
        return Err(WorkspaceError::Invalid {
            what: "period",
            detail: format!("it ends ({to}) before it starts ({from})"),
        });
    }
    let subject = subject(store, patient)?;
    let in_period = |at: DateTime<Utc>| {
        let day = at.date_naive();
        day >= from && day <= to
    };
    // Newest first, as the chart lists them.
    let sessions: Vec<SessionOverview> = store
        .session_overviews(subject.store_patient)?
        .into_iter()
        .filter(|s| in_period(s.started_at) && ended(s.status))
        .collect();
    let items: Vec<ProgramItem> = store
        .program_items(subject.store_patient)?
        .into_iter()
        .filter(|i| {
            item_start(i) <= to
                && i.end_date.is_none_or(|end| end >= from)
                && (i.status == ProgramItemStatus::Active || i.updated_at.date_naive() >= from)
        })
        .collect();

    let period_days = (to - from).num_days() + 1;
    let days: BTreeSet<NaiveDate> = sessions.iter().map(|s| s.started_at.date_naive()).collect();
    let adherence = AdherenceSummary {
        sessions: sessions.len() as i64,
        days_with_data: days.len() as i64,
        period_days,
        reviewed: sessions.iter().filter(|s| s.review.is_some()).count() as i64,
    };

    let program: Vec<ProgramLine> = items
        .iter()
        .map(|item| {
            let done = sessions
                .iter()
                .filter(|s| {
                    s.program_item_id == Some(item.id)
                        || (s.program_item_id.is_none() && s.exercise_id == item.exercise_id)
                })
                .count() as i64;
            let start = item_start(item).max(from);
            let end = item.end_date.unwrap_or(to).min(to).min(now.date_naive());
            let current_days = ((end - start).num_days() + 1).max(0);
            ProgramLine {
                exercise: exercise_name(catalogue, &item.exercise_id),
                dose: dose(item),
                target: band_of(item).map(band_words),
                per_week: item.per_week,
                sessions_done: done,
                sessions_expected: item
                    .per_week
                    .map(|n| compose::expected_sessions(n, current_days)),
                active: item.status == ProgramItemStatus::Active,
                instructions: item.instructions.clone().filter(|t| !t.trim().is_empty()),
            }
        })
        .collect();

    let goals: Vec<String> = items
        .iter()
        .filter(|i| i.status == ProgramItemStatus::Active)
        .filter_map(|item| {
            let band = band_of(item)?;
            let joint = crate::curve::exercise_angle(catalogue, &item.exercise_id)
                .map(|(joint, _)| joint.replace('_', " "))
                .unwrap_or_else(|| "joint".into());
            let side = item
                .side
                .as_deref()
                .map(|s| format!(", {s} side"))
                .unwrap_or_default();
            Some(format!(
                "{}: {joint} angle of {} at the working position{side}, {} per session{}.",
                exercise_name(catalogue, &item.exercise_id),
                band_words(band),
                dose(item),
                item.end_date
                    .map(|d| format!(", by {d}"))
                    .unwrap_or_default()
            ))
        })
        .collect();

    let rom = progress_for_items(store, catalogue, &items, &sessions)?
        .into_iter()
        .map(|series| RomSeries {
            exercise: series.exercise_name,
            joint: series.joint,
            side: series.side.map(|s| s.as_str().to_string()),
            target: series.target.map(|b| (b.angle, b.low, b.high)),
            points: series
                .points
                .into_iter()
                .map(|p| RomPoint {
                    session_id: p.session_id,
                    started_at: p.started_at,
                    reached_deg: p.reached_deg,
                    rom_deg: p.rom_deg,
                    reps: p.reps,
                    in_band: p.in_band,
                })
                .collect(),
        })
        .collect();

    let mut pain = Vec::new();
    let mut remarks = Vec::new();
    let mut action_items = Vec::new();
    let mut flags = Vec::new();
    let mut reviews = Vec::new();
    for s in sessions.iter().rev() {
        if let Some(score) = s.pain {
            pain.push((s.started_at, score));
        }
        if let (_, Some(notes)) = store.session_transcript_and_notes(s.session_id)? {
            remarks.extend(pain_remarks(&notes, s.started_at));
            for item in strings_of(&notes, "action_items") {
                if !action_items.contains(&item) {
                    action_items.push(item);
                }
            }
            flags.extend(risk_flags(&notes));
        }
        if let Some(review) = &s.review {
            reviews.push(review_line(
                review,
                Some(s.started_at),
                Some(exercise_name(catalogue, &s.exercise_id)),
            ));
        }
    }
    reviews.sort_by_key(|r| r.reviewed_at);

    let plan = compose::plan_lines(&reviews, &program);
    let outcomes = match subject.identity.patient_id {
        Some(patient) => crate::outcomes::period_trends(store, patient, from, to)?,
        None => Vec::new(),
    };

    Ok(ProgressReport {
        provenance: provenance(&subject, now),
        patient: subject.identity,
        from,
        to,
        conditions: subject.conditions,
        goals,
        program,
        adherence,
        rom,
        outcomes,
        pain,
        pain_remarks: remarks,
        reviews,
        action_items,
        risk_flags: flags,
        plan,
    })
}

/// The note of one session on this device.
pub fn session_note(
    store: &Store,
    catalogue: &Catalogue,
    session_id: Uuid,
    now: DateTime<Utc>,
) -> Result<SessionNote, WorkspaceError> {
    let overview = store
        .session_overview(session_id)?
        .ok_or(WorkspaceError::SessionNotFound(session_id))?;
    let detail = store
        .get_session(session_id)?
        .ok_or(WorkspaceError::SessionNotFound(session_id))?;
    let subject = match overview.patient_id {
        // A session of someone no longer on the roster is still named by its id.
        Some(id) => match subject(store, Some(id)) {
            Err(WorkspaceError::PatientNotFound(_)) => Subject {
                identity: PatientIdentity {
                    name: format!("Patient {id}"),
                    patient_id: Some(id),
                    date_of_birth: None,
                    email: None,
                },
                store_patient: Some(id),
                conditions: Vec::new(),
                prepared_by: store.sync_identity()?.map(|i| i.email),
                own_device: false,
            },
            other => other?,
        },
        None => {
            // A clinician's recording without a patient: the device's, not a person's.
            let mut own = subject(store, None).or_else(|_| {
                Ok::<Subject, WorkspaceError>(Subject {
                    identity: PatientIdentity {
                        name: "Patient not named".into(),
                        patient_id: None,
                        date_of_birth: None,
                        email: None,
                    },
                    store_patient: None,
                    conditions: Vec::new(),
                    prepared_by: None,
                    own_device: false,
                })
            })?;
            own.own_device = !is_clinician(store)?;
            own
        }
    };
    let item = overview
        .program_item_id
        .map(|id| store.program_item(id))
        .transpose()?
        .flatten();
    let band = item.as_ref().and_then(band_of);
    let joint = session_angle(store, catalogue, session_id, &overview.exercise_id)?;
    let frames = store.frames(session_id)?;
    let curve = curve_of(
        &frames,
        joint.as_deref(),
        stride_for(frames.len(), crate::compare::COMPARE_CURVE_POINTS),
    );
    let reliability = detail
        .session
        .report
        .clone()
        .and_then(|r| serde_json::from_value::<SessionReport>(r).ok())
        .and_then(|r| physalign_report::measurement::trust(&r));
    let (transcript, notes) = store.session_transcript_and_notes(session_id)?;
    let (excerpt, truncated) = transcript_excerpt(transcript.as_deref());
    let notes = notes.unwrap_or(serde_json::Value::Null);
    let mood = mood_words(&notes);
    let review = store
        .session_reviews(session_id)?
        .into_iter()
        .next()
        .map(|r| review_line(&r, Some(overview.started_at), None));
    Ok(SessionNote {
        provenance: provenance(&subject, now),
        patient: subject.identity,
        session_id,
        exercise: exercise_name(catalogue, &overview.exercise_id),
        started_at: overview.started_at,
        duration_s: detail.session.duration_seconds,
        origin: match overview.origin {
            RecordOrigin::Local => "on this device".into(),
            RecordOrigin::Pulled => "at home, received from the clinic server".into(),
        },
        status: overview.status.as_str().replace('_', " "),
        prescription: item.as_ref().map(|i| {
            let mut words = dose(i);
            if let Some(n) = i.per_week {
                words.push_str(&format!(", {n} sessions a week"));
            }
            if let Some(b) = band_of(i) {
                words.push_str(&format!(", target {}", band_words(b)));
            }
            words
        }),
        target: band.map(|b| (b.angle, b.low, b.high)),
        joint,
        reliability,
        repetitions: detail
            .repetitions
            .iter()
            .map(|r| NoteRepetition {
                number: r.index + 1,
                side: r.side.map(|s| s.as_str().to_string()),
                start_s: r.start_ms as f64 / 1000.0,
                end_s: r.end_ms as f64 / 1000.0,
                min_deg: f64::from(r.min_angle),
                max_deg: f64::from(r.max_angle),
                eccentric_s: r.eccentric_ms as f64 / 1000.0,
                concentric_s: r.concentric_ms as f64 / 1000.0,
                confidence: r.confidence.map(f64::from),
                partial: r.partial,
                form_issues: r.form_issues.iter().map(|f| f.message.clone()).collect(),
            })
            .collect(),
        form_issues: detail
            .form_issues
            .iter()
            .map(|e| compose::note_form_issue(e.timestamp_ms, &e.issue))
            .collect(),
        curve: curve
            .t_s
            .iter()
            .zip(&curve.degrees)
            .map(|(t, d)| (*t, d.map(f64::from)))
            .collect(),
        pain_remarks: pain_remarks(&notes, overview.started_at),
        mood,
        action_items: strings_of(&notes, "action_items"),
        risk_flags: risk_flags(&notes),
        transcript_excerpt: excerpt,
        transcript_truncated: truncated,
        review,
    })
}
