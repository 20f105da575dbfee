//! Compact binary encoding of a landmark list, and decoding of either that or seed-003 JSON.
//!
//! Format 1: `[1u8, count u8]` then per landmark `kind u8, x f32, y f32, z f32, visibility f32,
//! presence f32`, little-endian: 21 bytes per landmark, 695 bytes for a full BlazePose skeleton
//! against roughly 2.7 kB as JSON (see the store benchmark). Values round-trip bit for bit.

use crate::StoreError;
use physalign_domain::{Landmark, LandmarkType};
use rusqlite::types::ValueRef;

const FORMAT_V1: u8 = 1;
const HEADER_BYTES: usize = 2;
const LANDMARK_BYTES: usize = 1 + 5 * 4;

/// How the frame writer stores landmark lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LandmarkEncoding {
    /// The compact binary format above (the default).
    #[default]
    Blob,
    /// Seed-003 JSON text, about four times larger; kept for comparison and debugging.
    Json,
}

/// Encodes `landmarks` in binary format 1.
pub fn encode_landmarks(landmarks: &[Landmark]) -> Result<Vec<u8>, StoreError> {
    let count = u8::try_from(landmarks.len()).map_err(|_| StoreError::Invalid {
        what: "landmark list",
        detail: format!("{} landmarks, at most 255 fit a frame", landmarks.len()),
    })?;
    let mut out = Vec::with_capacity(HEADER_BYTES + landmarks.len() * LANDMARK_BYTES);
    out.push(FORMAT_V1);
    out.push(count);
    for lm in landmarks {
        // The model has 33 landmarks, so the index always fits a byte.
        out.push(lm.kind.index() as u8);
        for v in [lm.x, lm.y, lm.z, lm.visibility, lm.presence] {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
    Ok(out)
}

/// Decodes binary format 1.
pub fn decode_landmarks(bytes: &[u8]) -> Result<Vec<Landmark>, StoreError> {
    let (header, body) = bytes
        .split_at_checked(HEADER_BYTES)
        .ok_or_else(|| StoreError::corrupt("landmark blob", "shorter than its header"))?;
    if header[0] != FORMAT_V1 {
        return Err(StoreError::corrupt(
            "landmark blob",
            format!("unknown format {}", header[0]),
        ));
    }
    let count = usize::from(header[1]);
    if body.len() != count * LANDMARK_BYTES {
        return Err(StoreError::corrupt(
            "landmark blob",
            format!(
                "{} body bytes for {count} landmarks, expected {}",
                body.len(),
                count * LANDMARK_BYTES
            ),
        ));
    }
    body.chunks_exact(LANDMARK_BYTES)
        .map(|chunk| {
            let kind = LandmarkType::from_index(usize::from(chunk[0])).ok_or_else(|| {
                StoreError::corrupt("landmark blob", format!("landmark index {}", chunk[0]))
            })?;
            let f = |i: usize| {
                let start = 1 + i * 4;
                f32::from_le_bytes([
                    chunk[start],
                    chunk[start + 1],
                    chunk[start + 2],
                    chunk[start + 3],
                ])
            };
            Ok(Landmark {
                kind,
                x: f(0),
                y: f(1),
                z: f(2),
                visibility: f(3),
                presence: f(4),
            })
        })
        .collect()
}

/// Reads a landmark column that holds either a format-1 BLOB or seed-003 JSON TEXT.
pub(crate) fn landmarks_from_sql(value: ValueRef<'_>) -> Result<Vec<Landmark>, StoreError> {
    match value {
        ValueRef::Blob(bytes) => decode_landmarks(bytes),
        ValueRef::Text(text) => {
            serde_json::from_slice(text).map_err(|e| StoreError::corrupt("landmark json", e))
        }
        other => Err(StoreError::corrupt(
            "landmark column",
            format!("unexpected {:?} value", other.data_type()),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skeleton() -> Vec<Landmark> {
        LandmarkType::ALL
            .iter()
            .enumerate()
            .map(|(i, &kind)| Landmark {
                kind,
                x: 0.1 + i as f32 * 0.017,
                y: -0.25 + i as f32 * 0.031,
                z: f32::MIN_POSITIVE * i as f32,
                visibility: 0.999_999,
                presence: if i % 2 == 0 { 1.0 } else { 0.5 },
            })
            .collect()
    }

    #[test]
    fn blob_round_trips_bit_for_bit() {
        let lms = skeleton();
        let bytes = encode_landmarks(&lms).unwrap();
        assert_eq!(bytes.len(), 2 + 33 * 21);
        assert_eq!(decode_landmarks(&bytes).unwrap(), lms);
        assert_eq!(
            decode_landmarks(&encode_landmarks(&[]).unwrap()).unwrap(),
            vec![]
        );
    }

    #[test]
    fn json_text_is_read_too() {
        let lms = skeleton();
        let json = serde_json::to_vec(&lms).unwrap();
        assert_eq!(landmarks_from_sql(ValueRef::Text(&json)).unwrap(), lms);
    }

    #[test]
    fn damaged_blobs_are_errors_not_panics() {
        let bytes = encode_landmarks(&skeleton()).unwrap();
        for bad in [&bytes[..0], &bytes[..1], &bytes[..bytes.len() - 1]] {
            assert!(decode_landmarks(bad).is_err());
        }
        let mut wrong_kind = bytes.clone();
        wrong_kind[2] = 200;
        assert!(decode_landmarks(&wrong_kind).is_err());
        let mut wrong_format = bytes;
        wrong_format[0] = 9;
        assert!(decode_landmarks(&wrong_format).is_err());
        assert!(landmarks_from_sql(ValueRef::Integer(3)).is_err());
    }
}
