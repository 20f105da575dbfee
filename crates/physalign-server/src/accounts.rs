//! Who may see whom (issue 15): accounts created by administrators, patients registered by a
//! clinician with a single-use invitation code, the claim that binds a login to the registered
//! record and starts the care relationship, and the patient's care team.
//!
//! Nothing here looks a patient up by e-mail on behalf of a clinician: registration never
//! reveals whether an e-mail has an account, and a claim answers one error for every failure.

use chrono::{DateTime, Utc};
use physalign_api::auth::Role;
use physalign_api::patients::{CareTeamMember, RegisterPatientRequest, RegisteredPatient};
use rand::Rng;
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::auth::password::{HashBusy, HashGate};
use crate::auth::{password, AuthUser};
use crate::routes::auth::{insert_user, CreateUserError};
use crate::validate::normalise_email;
use crate::validate::MAX_EMAIL_LEN;

/// How long an invitation code can be claimed.
pub const INVITATION_TTL_DAYS: i64 = 14;

/// Crockford's base32 alphabet: no I, L, O or U, so a code read aloud or typed is unambiguous.
const CODE_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Characters of a code (16 × 5 = 80 random bits), shown in groups of four.
const CODE_LEN: usize = 16;

/// A new random invitation code, `XXXX-XXXX-XXXX-XXXX`.
pub fn new_invitation_code() -> String {
    let mut rng = rand::rngs::OsRng;
    let chars: Vec<char> = (0..CODE_LEN)
        .map(|_| char::from(CODE_ALPHABET[rng.gen_range(0..CODE_ALPHABET.len())]))
        .collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// The canonical form of a typed code (upper case, no separators, the letters Crockford maps
/// to digits mapped), or `None` when it cannot be a code.
pub fn normalise_invitation_code(typed: &str) -> Option<String> {
    let mut out = String::with_capacity(CODE_LEN);
    for c in typed.chars() {
        let c = match c.to_ascii_uppercase() {
            '-' | ' ' => continue,
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        };
        if !c.is_ascii() || !CODE_ALPHABET.contains(&(c as u8)) {
            return None;
        }
        out.push(c);
    }
    (out.len() == CODE_LEN).then_some(out)
}

/// SHA-256 (hex) of a normalised code: what `patient_invitations.code_hash` stores.
pub fn invitation_code_hash(normalised: &str) -> String {
    hex::encode(Sha256::digest(normalised.as_bytes()))
}

/// Why an account could not be created.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// A field is not acceptable; the field name and why.
    #[error("{field} {message}")]
    Invalid {
        /// The request field.
        field: &'static str,
        /// Why.
        message: String,
    },
    /// The e-mail has an account.
    #[error("an account with this e-mail already exists")]
    EmailTaken,
    /// Password hashing failed.
    #[error("password hashing failed: {0}")]
    Hash(String),
    /// No hashing slot came free in time.
    #[error("the server is busy checking passwords; retry shortly")]
    Busy,
    /// Database failure.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl From<CreateUserError> for AccountError {
    fn from(e: CreateUserError) -> Self {
        match e {
            CreateUserError::EmailTaken => AccountError::EmailTaken,
            CreateUserError::Database(db) => AccountError::Database(db),
        }
    }
}

/// An account to create (`physalign-server create-user`, `POST /api/admin/users`).
#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    /// Login e-mail.
    pub email: &'a str,
    /// Password, checked against the policy.
    pub password: &'a str,
    /// Given name.
    pub first_name: &'a str,
    /// Family name.
    pub last_name: &'a str,
    /// Role.
    pub role: Role,
}

fn check_name(field: &'static str, value: &str) -> Result<(), AccountError> {
    if value.chars().count() > 100 {
        return Err(AccountError::Invalid {
            field,
            message: "must be at most 100 characters".into(),
        });
    }
    Ok(())
}

/// Hashes on a blocking thread (Argon2 is CPU-heavy), in one of `gate`'s slots when given.
pub async fn hash_password(pw: String, gate: Option<&HashGate>) -> Result<String, AccountError> {
    match gate {
        Some(gate) => gate
            .hash(pw)
            .await
            .map_err(|_| AccountError::Busy)?
            .map_err(AccountError::Hash),
        None => tokio::task::spawn_blocking(move || password::hash(&pw))
            .await
            .map_err(|e| AccountError::Hash(e.to_string()))?
            .map_err(|e| AccountError::Hash(e.to_string())),
    }
}

/// Verifies on a blocking thread, in one of `gate`'s slots when given.
pub async fn verify_password(
    pw: String,
    hash: String,
    gate: Option<&HashGate>,
) -> Result<bool, HashBusy> {
    match gate {
        Some(gate) => gate.verify(pw, hash).await,
        None => Ok(
            tokio::task::spawn_blocking(move || password::verify(&pw, &hash))
                .await
                .unwrap_or(false),
        ),
    }
}

/// Creates an account of any role with its profile row (the administrator's way; clinicians
/// and admins have no other). The account counts as verified: an administrator vouched for it.
pub async fn create_user(pool: &PgPool, new: NewUser<'_>) -> Result<AuthUser, AccountError> {
    create_user_gated(pool, None, new).await
}

/// [`create_user`] with its hash in one of `gate`'s slots (the API's way).
pub async fn create_user_gated(
    pool: &PgPool,
    gate: Option<&HashGate>,
    new: NewUser<'_>,
) -> Result<AuthUser, AccountError> {
    if new.email.len() > MAX_EMAIL_LEN {
        return Err(AccountError::Invalid {
            field: "email",
            message: format!("must be at most {MAX_EMAIL_LEN} bytes"),
        });
    }
    let email = normalise_email(new.email).map_err(|e| AccountError::Invalid {
        field: "email",
        message: e.message,
    })?;
    if let Some(why) = password::policy_violation(new.password) {
        return Err(AccountError::Invalid {
            field: "password",
            message: why.to_string(),
        });
    }
    check_name("first_name", new.first_name)?;
    check_name("last_name", new.last_name)?;
    let hash = hash_password(new.password.to_string(), gate).await?;
    let mut tx = pool.begin().await?;
    let user = insert_user(
        &mut tx,
        &email,
        &hash,
        new.first_name.trim(),
        new.last_name.trim(),
        new.role,
    )
    .await?;
    sqlx::query("UPDATE users SET is_verified = TRUE WHERE id = $1")
        .bind(user.user_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(user)
}

/// Registers a patient for the clinician `physio_id`: a patient record without a login, the
/// (active) care relationship with that clinician, and a single-use invitation code. The
/// request must be validated; `email` is stored as given (lower-cased), never looked up.
pub async fn register_patient(
    pool: &PgPool,
    physio_id: Uuid,
    req: &RegisterPatientRequest,
    email: &str,
) -> Result<RegisteredPatient, sqlx::Error> {
    let code = new_invitation_code();
    let hash = normalise_invitation_code(&code)
        .map(|n| invitation_code_hash(&n))
        .unwrap_or_default();
    let expires_at = Utc::now() + chrono::Duration::days(INVITATION_TTL_DAYS);
    let mut tx = pool.begin().await?;
    let patient_id: Uuid = sqlx::query_scalar(
        "INSERT INTO patients (user_id, registered_first_name, registered_last_name,
            registered_email, registered_phone, registered_by, date_of_birth,
            medical_conditions, medications, emergency_contact)
         VALUES (NULL, $1, $2, $3, $4, $5, $6, COALESCE($7, '{}'), COALESCE($8, '{}'), $9)
         RETURNING id",
    )
    .bind(req.first_name.trim())
    .bind(req.last_name.trim())
    .bind(email)
    .bind(req.phone.as_deref())
    .bind(physio_id)
    .bind(req.date_of_birth)
    .bind(req.medical_conditions.as_deref())
    .bind(req.medications.as_deref())
    .bind(req.emergency_contact.as_ref())
    .fetch_one(&mut *tx)
    .await?;
    activate_assignment(&mut tx, patient_id, physio_id).await?;
    sqlx::query(
        "INSERT INTO patient_invitations (patient_id, physiotherapist_id, code_hash, expires_at)
         VALUES ($1, $2, $3, $4)",
    )
    .bind(patient_id)
    .bind(physio_id)
    .bind(&hash)
    .bind(expires_at)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(RegisteredPatient {
        patient_id,
        invitation_code: code,
        expires_at,
        first_name: req.first_name.trim().to_string(),
        last_name: req.last_name.trim().to_string(),
        email: email.to_string(),
        physiotherapist_id: physio_id,
    })
}

/// Starts (or restarts) the care relationship: active, `since` now, no end.
async fn activate_assignment(
    tx: &mut PgConnection,
    patient_id: Uuid,
    physio_id: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO patient_physio_assignments (patient_id, physiotherapist_id) VALUES ($1, $2)
         ON CONFLICT (patient_id, physiotherapist_id) DO UPDATE
         SET status = 'active', ended_at = NULL,
             assigned_at = CASE WHEN patient_physio_assignments.status = 'active'
                                THEN patient_physio_assignments.assigned_at ELSE NOW() END",
    )
    .bind(patient_id)
    .bind(physio_id)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Why a claim failed. Every variant but `WeakPassword` and `Database` is answered with the
/// same error, so that a caller cannot tell a wrong code from a known e-mail.
#[derive(Debug, thiserror::Error)]
pub enum ClaimError {
    /// The code is unknown, used, expired or malformed; or the e-mail's account is not a
    /// patient, is disabled, or the password does not match it.
    #[error("invalid invitation code, e-mail or password")]
    Refused,
    /// The e-mail is not an address.
    #[error("email {0}")]
    InvalidEmail(String),
    /// The password does not meet the policy (checked before anything is looked up, so the
    /// answer says nothing about the code or the e-mail).
    #[error("password {0}")]
    WeakPassword(&'static str),
    /// Hashing failed.
    #[error("password hashing failed: {0}")]
    Hash(String),
    /// No hashing slot came free in time.
    #[error("the server is busy checking passwords; retry shortly")]
    Busy,
    /// Database failure.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl From<HashBusy> for ClaimError {
    fn from(_: HashBusy) -> Self {
        ClaimError::Busy
    }
}

#[derive(sqlx::FromRow)]
struct InvitationRow {
    id: Uuid,
    patient_id: Uuid,
    physiotherapist_id: Uuid,
}

#[derive(sqlx::FromRow)]
struct AccountRow {
    id: Uuid,
    password_hash: String,
    role: String,
    is_active: bool,
    patient_id: Option<Uuid>,
}

/// Claims an invitation: creates the patient account bound to the registered record, or signs
/// into the existing patient account with this e-mail and merges the registered record into
/// its own; either way the relationship with the inviting clinician becomes active and the code
/// is used up. Runs in `tx`; returns the identity to issue tokens for.
pub async fn claim(
    tx: &mut PgConnection,
    gate: Option<&HashGate>,
    code: &str,
    email: &str,
    password_text: &str,
) -> Result<AuthUser, ClaimError> {
    if let Some(why) = password::policy_violation(password_text) {
        return Err(ClaimError::WeakPassword(why));
    }
    let email = normalise_email(email).map_err(|e| ClaimError::InvalidEmail(e.message))?;
    let invitation: Option<InvitationRow> = match normalise_invitation_code(code) {
        Some(n) => {
            sqlx::query_as(
                "SELECT id, patient_id, physiotherapist_id FROM patient_invitations
             WHERE code_hash = $1 AND claimed_at IS NULL AND expires_at > NOW() FOR UPDATE",
            )
            .bind(invitation_code_hash(&n))
            .fetch_optional(&mut *tx)
            .await?
        }
        None => None,
    };
    let account: Option<AccountRow> = sqlx::query_as(
        "SELECT u.id, u.password_hash, u.role, u.is_active, p.id AS patient_id
         FROM users u LEFT JOIN patients p ON p.user_id = u.id WHERE u.email = $1 FOR UPDATE OF u",
    )
    .bind(&email)
    .fetch_optional(&mut *tx)
    .await?;
    // Exactly one Argon2 operation on every path, so timing tells nothing either.
    let Some(account) = account else {
        let Some(invitation) = invitation else {
            verify_password(
                password_text.to_string(),
                password::dummy_hash().to_string(),
                gate,
            )
            .await?;
            return Err(ClaimError::Refused);
        };
        let hash = hash_password(password_text.to_string(), gate)
            .await
            .map_err(|e| match e {
                AccountError::Busy => ClaimError::Busy,
                e => ClaimError::Hash(e.to_string()),
            })?;
        return bind_new_account(tx, &invitation, &email, &hash).await;
    };
    let matches = verify_password(
        password_text.to_string(),
        account.password_hash.clone(),
        gate,
    )
    .await?;
    let (Some(invitation), true, true, Some(Role::Patient), Some(own_patient)) = (
        invitation,
        matches,
        account.is_active,
        Role::parse(&account.role),
        account.patient_id,
    ) else {
        return Err(ClaimError::Refused);
    };
    if own_patient != invitation.patient_id {
        merge_patient(tx, invitation.patient_id, own_patient).await?;
    }
    activate_assignment(tx, own_patient, invitation.physiotherapist_id).await?;
    mark_claimed(tx, invitation.id, account.id).await?;
    Ok(AuthUser {
        user_id: account.id,
        role: Role::Patient,
        profile_id: Some(own_patient),
    })
}

async fn bind_new_account(
    tx: &mut PgConnection,
    invitation: &InvitationRow,
    email: &str,
    hash: &str,
) -> Result<AuthUser, ClaimError> {
    // The registered record must still be waiting for its login.
    let registered: Option<(Option<String>, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT registered_first_name, registered_last_name, registered_phone FROM patients
         WHERE id = $1 AND user_id IS NULL FOR UPDATE",
    )
    .bind(invitation.patient_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((first, last, phone)) = registered else {
        return Err(ClaimError::Refused);
    };
    // Claiming proves the patient holds the code the clinician handed over: verified.
    let user_id: Uuid = sqlx::query_scalar(
        "INSERT INTO users (email, password_hash, role, first_name, last_name, phone, is_verified)
         VALUES ($1, $2, 'patient', $3, $4, $5, TRUE) RETURNING id",
    )
    .bind(email)
    .bind(hash)
    .bind(first.unwrap_or_default())
    .bind(last.unwrap_or_default())
    .bind(phone)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query("UPDATE patients SET user_id = $2, version = version + 1 WHERE id = $1")
        .bind(invitation.patient_id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    activate_assignment(tx, invitation.patient_id, invitation.physiotherapist_id).await?;
    mark_claimed(tx, invitation.id, user_id).await?;
    Ok(AuthUser {
        user_id,
        role: Role::Patient,
        profile_id: Some(invitation.patient_id),
    })
}

async fn mark_claimed(
    tx: &mut PgConnection,
    invitation_id: Uuid,
    user_id: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE patient_invitations SET claimed_at = NOW(), claimed_by = $2 WHERE id = $1")
        .bind(invitation_id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// Moves everything that refers to the registered patient `from` to the account's patient
/// `into`, then deletes `from` and remembers the move in `patient_merges`. The referring
/// columns are read from the catalogue, so tables added by later migrations move too.
/// Relationships are not moved: the claim starts the inviting clinician's on `into`, and
/// nobody else could see the registered record.
pub async fn merge_patient(
    tx: &mut PgConnection,
    from: Uuid,
    into: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM patient_physio_assignments WHERE patient_id = $1")
        .bind(from)
        .execute(&mut *tx)
        .await?;
    // One outcome plan per patient: of two, the later edit stays (the account's on a tie), as
    // between two devices, so that moving the other cannot collide with it.
    sqlx::query(
        "DELETE FROM outcome_plans o USING outcome_plans k
         WHERE o.patient_id IN ($1, $2) AND k.patient_id IN ($1, $2)
           AND o.patient_id <> k.patient_id
           AND (o.updated_at, o.patient_id = $2) < (k.updated_at, k.patient_id = $2)",
    )
    .bind(from)
    .bind(into)
    .execute(&mut *tx)
    .await?;
    // One current medical history per patient: of two, the later change stays (the account's
    // on a tie); every change of both is kept in medical_history_changes, which moves below.
    sqlx::query(
        "DELETE FROM medical_histories o USING medical_histories k
         WHERE o.patient_id IN ($1, $2) AND k.patient_id IN ($1, $2)
           AND o.patient_id <> k.patient_id
           AND (o.updated_at, o.patient_id = $2) < (k.updated_at, k.patient_id = $2)",
    )
    .bind(from)
    .bind(into)
    .execute(&mut *tx)
    .await?;
    // Weekly snapshots are one per patient and week: where both records have one, the
    // account's stays.
    sqlx::query(
        "DELETE FROM analytics_patient_weeks f USING analytics_patient_weeks k
         WHERE f.patient_id = $1 AND k.patient_id = $2 AND f.week_start = k.week_start",
    )
    .bind(from)
    .bind(into)
    .execute(&mut *tx)
    .await?;
    let statements: Vec<String> = sqlx::query_scalar(
        "SELECT format('UPDATE %s SET %I = $1 WHERE %I = $2', c.conrelid::regclass, a.attname, a.attname)
         FROM pg_constraint c
         JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
         WHERE c.contype = 'f' AND c.confrelid = 'patients'::regclass
           AND array_length(c.conkey, 1) = 1
           AND c.conrelid <> 'patient_physio_assignments'::regclass",
    )
    .fetch_all(&mut *tx)
    .await?;
    for statement in statements {
        sqlx::query(&statement)
            .bind(into)
            .bind(from)
            .execute(&mut *tx)
            .await?;
    }
    // The account's own profile wins; what the clinician registered fills its gaps.
    sqlx::query(
        "UPDATE patients p SET
            date_of_birth = COALESCE(p.date_of_birth, f.date_of_birth),
            medical_conditions = CASE WHEN cardinality(p.medical_conditions) = 0
                                      THEN f.medical_conditions ELSE p.medical_conditions END,
            medications = CASE WHEN cardinality(p.medications) = 0
                               THEN f.medications ELSE p.medications END,
            emergency_contact = COALESCE(p.emergency_contact, f.emergency_contact)
         FROM patients f WHERE p.id = $1 AND f.id = $2",
    )
    .bind(into)
    .bind(from)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM patients WHERE id = $1")
        .bind(from)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE patient_merges SET into_patient_id = $2 WHERE into_patient_id = $1;")
        .bind(from)
        .bind(into)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO patient_merges (from_patient_id, into_patient_id) VALUES ($1, $2)
         ON CONFLICT (from_patient_id) DO UPDATE SET into_patient_id = EXCLUDED.into_patient_id",
    )
    .bind(from)
    .bind(into)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct CareTeamRow {
    total: i64,
    physiotherapist_id: Uuid,
    first_name: Option<String>,
    last_name: Option<String>,
    since: DateTime<Utc>,
}

/// The clinicians with an active relationship to `patient_id`, longest first.
pub async fn care_team(
    pool: &PgPool,
    patient_id: Uuid,
    (per_page, offset): (u32, i64),
) -> Result<(Vec<CareTeamMember>, i64), sqlx::Error> {
    let rows: Vec<CareTeamRow> = sqlx::query_as(
        "SELECT COUNT(*) OVER () AS total, a.physiotherapist_id, u.first_name, u.last_name, a.assigned_at AS since
         FROM patient_physio_assignments a
         JOIN physiotherapists ph ON ph.id = a.physiotherapist_id
         JOIN users u ON u.id = ph.user_id
         WHERE a.patient_id = $1 AND a.status = 'active'
         ORDER BY a.assigned_at, a.physiotherapist_id LIMIT $2 OFFSET $3",
    )
    .bind(patient_id)
    .bind(i64::from(per_page))
    .bind(offset)
    .fetch_all(pool)
    .await?;
    let total = crate::validate::total_of(&rows, |r| r.total);
    let members = rows
        .into_iter()
        .map(|r| CareTeamMember {
            physiotherapist_id: r.physiotherapist_id,
            first_name: r.first_name,
            last_name: r.last_name,
            since: r.since,
        })
        .collect();
    Ok((members, total))
}

/// Ends the active relationship between the patient and the clinician; `false` if there was
/// none. From then on the clinician's access checks fail for this patient.
pub async fn end_care(
    pool: &PgPool,
    patient_id: Uuid,
    physio_id: Uuid,
) -> Result<bool, sqlx::Error> {
    let ended = sqlx::query(
        "UPDATE patient_physio_assignments SET status = 'inactive', ended_at = NOW()
         WHERE patient_id = $1 AND physiotherapist_id = $2 AND status = 'active'",
    )
    .bind(patient_id)
    .bind(physio_id)
    .execute(pool)
    .await?;
    Ok(ended.rows_affected() > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_grouped_base32_and_normalise_back() {
        let code = new_invitation_code();
        assert_eq!(code.len(), 19);
        assert_eq!(code.matches('-').count(), 3);
        let n = normalise_invitation_code(&code).expect("valid");
        assert_eq!(n.len(), 16);
        assert_eq!(
            normalise_invitation_code(&code.to_lowercase().replace('-', " ")),
            Some(n)
        );
        assert_ne!(new_invitation_code(), code);
    }

    #[test]
    fn malformed_codes_are_refused_and_look_alikes_mapped() {
        assert_eq!(normalise_invitation_code("ABCD-EFGH"), None);
        assert_eq!(normalise_invitation_code("ABCD-EFGH-JKMN-PQRU"), None);
        assert_eq!(normalise_invitation_code("ÄBCD-EFGH-JKMN-PQRS"), None);
        assert_eq!(
            normalise_invitation_code("oooo-iiii-llll-0000"),
            Some("0000111111110000".into())
        );
    }
}
