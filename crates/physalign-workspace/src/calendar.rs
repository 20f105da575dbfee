//! The clinic calendar (issue 18): the therapist's day or week of appointments with the
//! patients' names, each with its preparation notes and the patient's previous session one
//! click away, whether it still waits for sync, and the conflicts sync found (the same slot
//! changed on two devices) for the user to resolve. On a patient's device: their upcoming
//! appointments and their goals.
//!
//! Days are the clinic's calendar days in its time zone (the zone appointments are kept in).

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc};
use physalign_store::appointments::{clinic_instant, parse_zone};
use physalign_store::{
    Appointment, AppointmentConflict, NewAppointment, OutboxEntityKind, OutboxStatus,
    PreviousSession, Store, TherapyGoal,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::access::require_care_patient;
use crate::WorkspaceError;

/// The zone a calendar is shown in when neither the caller nor any appointment names one.
pub const DEFAULT_ZONE: &str = "UTC";

physalign_domain::wire_enum! {
    /// How much of the calendar to show.
    #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
    pub enum CalendarSpan {
        /// One day.
        Day = "day",
        /// Monday to Sunday of the day's week.
        Week = "week",
    }
}

/// One appointment as the calendar shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CalendarEntry {
    /// The appointment.
    pub appointment: Appointment,
    /// The patient's name (from the server, else the roster, else a short id).
    pub patient_name: String,
    /// The patient's latest session before this appointment, to look at while preparing.
    pub previous_session: Option<PreviousSession>,
    /// A change of this device waits to be delivered.
    pub pending_sync: bool,
    /// Sync found the appointment changed elsewhere too; see [`Calendar::conflicts`].
    pub conflicted: bool,
}

/// One clinic day of the calendar.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CalendarDay {
    /// The clinic's calendar date.
    pub date: NaiveDate,
    /// Its appointments by start time.
    pub entries: Vec<CalendarEntry>,
}

/// A day or week of the calendar, with the open conflicts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Calendar {
    /// Day or week.
    pub span: CalendarSpan,
    /// The IANA zone the days are cut in.
    pub time_zone: String,
    /// Each day of the span, empty ones included.
    pub days: Vec<CalendarDay>,
    /// Conflicts between this device's changes and the server's copies, oldest first.
    pub conflicts: Vec<AppointmentConflict>,
}

/// What a patient's Today shows of the clinic: upcoming appointments and their goals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PatientAgenda {
    /// Appointments from now on (scheduled ones, and any changed since), by start time.
    pub appointments: Vec<Appointment>,
    /// Goals, active first.
    pub goals: Vec<TherapyGoal>,
}

/// How far ahead a patient's agenda looks.
pub const AGENDA_DAYS: i64 = 60;

/// The zone the calendar is cut in: `requested`, else the zone of the appointment (starting
/// within a year either side of now) changed most recently on this device, else
/// [`DEFAULT_ZONE`].
pub fn clinic_zone(store: &Store, requested: Option<&str>) -> Result<String, WorkspaceError> {
    if let Some(name) = requested {
        return Ok(parse_zone(name)?.name().to_string());
    }
    let now = Utc::now();
    let recent =
        store.appointments_between(now - Duration::days(366), now + Duration::days(366), None)?;
    Ok(recent
        .iter()
        .max_by_key(|a| a.updated_at)
        .map_or(DEFAULT_ZONE.to_string(), |a| a.time_zone.clone()))
}

/// The calendar's day or week holding `date`, in the clinic zone `zone`.
pub fn calendar(
    store: &Store,
    span: CalendarSpan,
    date: NaiveDate,
    zone: &str,
) -> Result<Calendar, WorkspaceError> {
    let tz = parse_zone(zone)?;
    let first = match span {
        CalendarSpan::Day => date,
        CalendarSpan::Week => {
            date - Duration::days(i64::from(date.weekday().num_days_from_monday()))
        }
    };
    let count = match span {
        CalendarSpan::Day => 1,
        CalendarSpan::Week => 7,
    };
    let last = first + Duration::days(count);
    let from = clinic_instant(first.and_time(NaiveTime::MIN), tz);
    let to = clinic_instant(last.and_time(NaiveTime::MIN), tz);
    let names = crate::roster::names(store)?;
    let conflicts = store.appointment_conflicts()?;
    let mut days: Vec<CalendarDay> = (0..count)
        .map(|n| CalendarDay {
            date: first + Duration::days(n),
            entries: Vec::new(),
        })
        .collect();
    for appointment in store.appointments_between(from, to, None)? {
        let local_date = appointment.start_at.with_timezone(&tz).date_naive();
        let Some(day) = days.iter_mut().find(|d| d.date == local_date) else {
            continue;
        };
        let patient_name = appointment
            .client_name
            .clone()
            .or_else(|| {
                names
                    .get(&appointment.patient_id)
                    .map(|(first, last)| format!("{first} {last}").trim().to_string())
                    .filter(|n| !n.is_empty())
            })
            .unwrap_or_else(|| short_id(appointment.patient_id));
        let conflicted = conflicts.iter().any(|c| c.appointment_id == appointment.id);
        let pending_sync = !conflicted && has_pending_change(store, appointment.id)?;
        day.entries.push(CalendarEntry {
            previous_session: store
                .previous_session(appointment.patient_id, appointment.start_at)?,
            appointment,
            patient_name,
            pending_sync,
            conflicted,
        });
    }
    Ok(Calendar {
        span,
        time_zone: tz.name().to_string(),
        days,
        conflicts,
    })
}

/// Books an appointment for a patient of the signed-in clinician's roster (the store books for
/// any id it is given; a clinician's calendar holds their own patients only, so an id from
/// elsewhere is refused here, before anything is queued for the server).
pub fn book_appointment(
    store: &Store,
    new: &NewAppointment,
) -> Result<Appointment, WorkspaceError> {
    require_care_patient(store, new.patient_id)?;
    Ok(store.book_appointment(new)?)
}

fn has_pending_change(store: &Store, id: Uuid) -> Result<bool, WorkspaceError> {
    Ok(store
        .outbox_entries(id)?
        .iter()
        .any(|e| e.entity_type == OutboxEntityKind::Appointment && e.status != OutboxStatus::Done))
}

fn short_id(id: Uuid) -> String {
    let text = id.to_string();
    format!("patient {}", &text[..8])
}

/// A patient's agenda as of `now`: appointments that started at most 12 hours ago (today's
/// stays on Today) up to [`AGENDA_DAYS`] ahead, and their goals.
pub fn patient_agenda(store: &Store, now: DateTime<Utc>) -> Result<PatientAgenda, WorkspaceError> {
    let from = now - Duration::hours(12);
    Ok(PatientAgenda {
        appointments: store.appointments_between(from, now + Duration::days(AGENDA_DAYS), None)?,
        goals: store.therapy_goals(None)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDateTime;
    use physalign_store::sync_state::SyncIdentity;
    use physalign_store::{AppointmentKind, CarePatient};
    use serde_json::json;

    fn signed_in_clinician(store: &Store) {
        store
            .set_sync_identity(&SyncIdentity {
                server_url: "http://127.0.0.1:9".into(),
                email: "pt@example.org".into(),
                user_id: Some(Uuid::new_v4()),
                role: Some("physiotherapist".into()),
                logged_in_at: Utc::now(),
                login_required_reason: None,
            })
            .expect("identity");
    }

    fn booking(patient: Uuid) -> NewAppointment {
        NewAppointment {
            id: Uuid::new_v4(),
            patient_id: patient,
            local_start: NaiveDateTime::parse_from_str("2026-03-30T09:00", "%Y-%m-%dT%H:%M")
                .expect("time"),
            time_zone: "Europe/Berlin".into(),
            duration_minutes: 45,
            kind: AppointmentKind::FollowUp,
            notes: None,
        }
    }

    #[test]
    fn booking_is_for_the_clinicians_roster_only() {
        let dir = tempfile::tempdir().expect("dir");
        let store = Store::open(&dir.path().join("clinic.sqlite")).expect("store");
        let ada = CarePatient {
            patient_id: Uuid::new_v4(),
            first_name: "Ada".into(),
            last_name: "Lovelace".into(),
            email: None,
        };
        store
            .replace_care_patients(&[(ada.clone(), json!({}))])
            .expect("roster");

        // Nobody signed in: refused before the roster is looked at.
        assert!(matches!(
            book_appointment(&store, &booking(ada.patient_id)),
            Err(WorkspaceError::NotSignedIn)
        ));
        signed_in_clinician(&store);

        let stranger = Uuid::new_v4();
        let refused = book_appointment(&store, &booking(stranger));
        assert!(
            matches!(refused, Err(WorkspaceError::PatientNotFound(id)) if id == stranger),
            "{refused:?}"
        );
        // Nothing was stored or queued for the stranger.
        let week = calendar(
            &store,
            CalendarSpan::Week,
            NaiveDate::from_ymd_opt(2026, 3, 30).expect("date"),
            "Europe/Berlin",
        )
        .expect("calendar");
        assert!(week.days.iter().all(|d| d.entries.is_empty()));

        let booked = book_appointment(&store, &booking(ada.patient_id)).expect("booked");
        assert_eq!(booked.client_name.as_deref(), Some("Ada Lovelace"));
        assert!(store
            .appointment_has_local_changes(booked.id)
            .expect("outbox"));
    }
}
