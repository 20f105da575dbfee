//! Assessments taken in clinic and kept in the patient's chart: camera goniometer readings of a
//! held position (measurement mode of the therapist's workspace).
//!
//! The store keeps the engine's reading as a JSON document; the workspace crate types it. The
//! schema is `migrations/sqlite/0800_goniometer_readings.sql`. A reading saved on this device is
//! queued for upload in the same transaction; readings of other devices of the care team come
//! back through the pull. Readings never change once saved, so a pulled copy never conflicts.

use crate::outbox::{enqueue, OutboxEntityKind, OutboxOperation};
use crate::sql_values::{parse_json, parse_opt_uuid, parse_time, parse_uuid, time_text, uuid_text};
use crate::{Store, StoreError};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};
use uuid::Uuid;

/// A goniometer reading saved in a patient's chart.
#[derive(Debug, Clone, PartialEq)]
pub struct GoniometerRecord {
    /// Reading id.
    pub id: Uuid,
    /// The patient measured.
    pub patient_id: Uuid,
    /// The recording it was read from, when it came from one.
    pub session_id: Option<Uuid>,
    /// The joint measured, as the engine names it (e.g. `knee`).
    pub joint: String,
    /// The engine's reading (both sides, confidence, warnings).
    pub reading: serde_json::Value,
    /// The clinician's user id, when signed in.
    pub taken_by: Option<Uuid>,
    /// When it was saved.
    pub taken_at: DateTime<Utc>,
}

/// Inserts a reading; `false` when one with its id is already kept.
fn insert_reading(conn: &Connection, record: &GoniometerRecord) -> Result<bool, StoreError> {
    let inserted = conn.execute(
        "INSERT INTO goniometer_readings (id, patient_id, session_id, joint, reading, taken_by,
             taken_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (id) DO NOTHING",
        params![
            uuid_text(record.id),
            uuid_text(record.patient_id),
            record.session_id.map(uuid_text),
            record.joint,
            record.reading.to_string(),
            record.taken_by.map(uuid_text),
            time_text(record.taken_at),
        ],
    )?;
    Ok(inserted == 1)
}

/// What an upload of a reading carries (the outbox payload): the row without the clinician,
/// whom the server takes from the signed-in identity.
fn upload_payload(record: &GoniometerRecord) -> serde_json::Value {
    serde_json::json!({
        "id": record.id,
        "patient_id": record.patient_id,
        "session_id": record.session_id,
        "reading": record.reading,
        "taken_at": time_text(record.taken_at),
    })
}

impl Store {
    /// Saves a goniometer reading in the patient's chart and queues its upload, in one
    /// transaction. Saving the same reading twice is refused by its primary key.
    pub fn save_goniometer_reading(&self, record: &GoniometerRecord) -> Result<(), StoreError> {
        let tx = self.write_transaction()?;
        if !insert_reading(&tx, record)? {
            return Err(StoreError::Invalid {
                what: "goniometer reading",
                detail: format!("{} is already saved", record.id),
            });
        }
        enqueue(
            &tx,
            OutboxEntityKind::GoniometerReading,
            record.id,
            OutboxOperation::Create,
            &upload_payload(record),
            Utc::now(),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Keeps a reading pulled from the server (saved on another device of the care team);
    /// `false` when it was already here.
    pub fn upsert_pulled_goniometer_reading(
        &self,
        record: &GoniometerRecord,
    ) -> Result<bool, StoreError> {
        insert_reading(&self.conn, record)
    }

    /// A patient's goniometer readings, newest first.
    pub fn goniometer_readings(
        &self,
        patient_id: Uuid,
    ) -> Result<Vec<GoniometerRecord>, StoreError> {
        let mut statement = self.conn.prepare(
            "SELECT id, patient_id, session_id, joint, reading, taken_by, taken_at
             FROM goniometer_readings WHERE patient_id = ?1 ORDER BY taken_at DESC, id",
        )?;
        let rows = statement.query_map([uuid_text(patient_id)], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, Option<String>>(2)?,
                row.get::<_, String>(3)?,
                row.get::<_, String>(4)?,
                row.get::<_, Option<String>>(5)?,
                row.get::<_, String>(6)?,
            ))
        })?;
        rows.map(|row| {
            let (id, patient, session, joint, reading, taken_by, taken_at) = row?;
            Ok(GoniometerRecord {
                id: parse_uuid("goniometer_readings.id", &id)?,
                patient_id: parse_uuid("goniometer_readings.patient_id", &patient)?,
                session_id: parse_opt_uuid("goniometer_readings.session_id", session)?,
                joint,
                reading: parse_json("goniometer_readings.reading", Some(reading))?
                    .unwrap_or_default(),
                taken_by: parse_opt_uuid("goniometer_readings.taken_by", taken_by)?,
                taken_at: parse_time("goniometer_readings.taken_at", &taken_at)?,
            })
        })
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DatabaseKey;

    #[test]
    fn a_reading_is_kept_in_its_patients_chart_newest_first() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("chart.sqlite");
        let store = Store::open_with_key(&path, DatabaseKey::from_raw([7; 32])).unwrap();
        let patient = Uuid::new_v4();
        let older = GoniometerRecord {
            id: Uuid::new_v4(),
            patient_id: patient,
            session_id: Some(Uuid::new_v4()),
            joint: "knee".into(),
            reading: serde_json::json!({"joint": "knee", "sides": []}),
            taken_by: Some(Uuid::new_v4()),
            taken_at: "2026-12-01T10:00:00Z".parse().unwrap(),
        };
        let newer = GoniometerRecord {
            id: Uuid::new_v4(),
            joint: "elbow".into(),
            session_id: None,
            taken_at: "2026-12-02T10:00:00Z".parse().unwrap(),
            ..older.clone()
        };
        let someone_else = GoniometerRecord {
            id: Uuid::new_v4(),
            patient_id: Uuid::new_v4(),
            ..older.clone()
        };
        for record in [&older, &newer, &someone_else] {
            store.save_goniometer_reading(record).unwrap();
        }
        assert_eq!(
            store.goniometer_readings(patient).unwrap(),
            vec![newer.clone(), older.clone()]
        );

        // Each saved reading waits for upload, without the clinician (the server takes the
        // signed-in identity); saving one twice is refused and queues nothing more.
        let queued = store.outbox_entries(older.id).unwrap();
        assert_eq!(queued.len(), 1);
        assert_eq!(queued[0].entity_type, OutboxEntityKind::GoniometerReading);
        assert_eq!(queued[0].operation, OutboxOperation::Create);
        assert_eq!(queued[0].payload["patient_id"], patient.to_string());
        assert_eq!(queued[0].payload["reading"], older.reading);
        assert!(queued[0].payload.get("taken_by").is_none());
        assert!(store.save_goniometer_reading(&older).is_err());
        assert_eq!(store.outbox_entries(older.id).unwrap().len(), 1);

        // A reading pulled from another device is kept once and queues nothing.
        let pulled = GoniometerRecord {
            id: Uuid::new_v4(),
            ..older.clone()
        };
        assert!(store.upsert_pulled_goniometer_reading(&pulled).unwrap());
        assert!(!store.upsert_pulled_goniometer_reading(&pulled).unwrap());
        assert!(store.outbox_entries(pulled.id).unwrap().is_empty());
        assert_eq!(store.goniometer_readings(patient).unwrap().len(), 3);
    }
}
