//! Codes that verify a phone (`--verify-phones`, migration 0012), written once for both
//! databases. Only keyed hashes of the phone, the code and the token are stored; the text
//! message carrying a code goes through the outbox in the same transaction as its row, and
//! is erased there once the code has expired ([`PhoneCodes::purge_phone_codes`]).
//!
//! A try counts before it is checked, in one statement, so parallel tries cannot pass the
//! limit; only the newest code of a phone can be tried.

use super::outbox::{enqueue, Outgoing};
use super::{Parts, StorageError};
use async_trait::async_trait;
use chrono::{Duration, NaiveDateTime};
use labday_domain::message::Lang;
use labday_domain::phone_code::{code_message, PhoneCode, MOST_TRIES};
use labday_domain::Phone;

/// How a code that was tried fared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tried {
    /// Right: the phone is verified until the token's expiry.
    Verified,
    /// Wrong; this many tries are left.
    Wrong { tries_left: u32 },
    /// No code to try: none was sent, it expired, it was used, or its tries ran out.
    Expired,
}

const INSERT_CODE: &str = "INSERT INTO phone_codes (phone_hash, code_hash, tries, created_at, \
    expires_at) VALUES (?, ?, 0, ?, ?) RETURNING id";

/// Counts a try on the phone's newest code, if it can still be tried.
const COUNT_TRY: &str = "UPDATE phone_codes SET tries = tries + 1 \
    WHERE id = (SELECT MAX(id) FROM phone_codes WHERE phone_hash = ?) \
    AND tries < ? AND expires_at > ? AND token_hash IS NULL \
    RETURNING id, code_hash, tries";

const SET_TOKEN: &str = "UPDATE phone_codes SET token_hash = ?, token_expires_at = ? \
    WHERE id = ? AND token_hash IS NULL";

const TOKEN_GOOD: &str = "SELECT COUNT(*) FROM phone_codes \
    WHERE token_hash = ? AND phone_hash = ? AND token_expires_at > ?";

const PURGE_CODES: &str = "DELETE FROM phone_codes WHERE expires_at <= ? \
    AND (token_expires_at IS NULL OR token_expires_at <= ?)";

/// The texts of codes that can no longer be used: not worth keeping, and personal.
const ERASE_CODE_MESSAGES: &str = "UPDATE outbox SET phone = NULL, text = '', params = '[]', \
    status = CASE WHEN status = 'pending' THEN 'failed' ELSE status END, \
    last_error = CASE WHEN status = 'pending' THEN 'expired before delivery' ELSE last_error END \
    WHERE kind = 'verification_code' AND expires_at <= ? AND (phone IS NOT NULL OR text <> '')";

/// Bookings and samples a phone holds, newest first, the erased ones left out.
const BOOKINGS_OF: &str = "SELECT code FROM bookings WHERE phone_hash = ? AND phone = ? \
    ORDER BY id DESC LIMIT ?";
const SAMPLES_OF: &str = "SELECT code FROM samples WHERE phone_hash = ? AND phone = ? \
    ORDER BY id DESC LIMIT ?";

/// Whether two digests are equal, in time that does not depend on where they differ.
fn same_digest(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[async_trait]
pub trait PhoneCodes: Parts {
    /// Stores a new code for `phone` (its hash) and writes its text message to the outbox,
    /// due now and given up at its expiry (UTC), in one transaction.
    async fn issue_phone_code(
        &self,
        phone: &Phone,
        code: &PhoneCode,
        lang: Lang,
        now: NaiveDateTime,
        lifetime: Duration,
    ) -> Result<(), StorageError> {
        let expires_at = now + lifetime;
        let keys = self.keys();
        let mut tx = self.db().begin().await?;
        let id: i64 = tx
            .query(INSERT_CODE)
            .bind(keys.phone(phone.as_str()))
            .bind(keys.phone_code(phone.as_str(), code.as_str()))
            .bind(now)
            .bind(expires_at)
            .scalar()
            .await?;
        let minutes = u32::try_from((lifetime.num_seconds() + 59) / 60).unwrap_or(u32::MAX);
        let message = Outgoing {
            key: format!("verification_code:{id}"),
            booking_id: None,
            sample_id: None,
            phone: phone.as_str().to_owned(),
            message: code_message(lang, code, minutes.max(1)),
            send_at: now,
            expires_at,
        };
        enqueue(&mut tx, &message).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Tries `code` on `phone`'s newest code; when right, the phone gets `token` (stored as
    /// its hash) until `token_expires_at` (UTC).
    async fn try_phone_code(
        &self,
        phone: &Phone,
        code: &PhoneCode,
        token: &str,
        now: NaiveDateTime,
        token_expires_at: NaiveDateTime,
    ) -> Result<Tried, StorageError> {
        let keys = self.keys();
        let counted: Option<(i64, String, i64)> = self
            .db()
            .write(COUNT_TRY)
            .bind(keys.phone(phone.as_str()))
            .bind(i64::from(MOST_TRIES))
            .bind(now)
            .fetch_optional()
            .await?;
        let Some((id, stored, tries)) = counted else {
            return Ok(Tried::Expired);
        };
        if !same_digest(&stored, &keys.phone_code(phone.as_str(), code.as_str())) {
            let left = i64::from(MOST_TRIES).saturating_sub(tries).max(0);
            return Ok(Tried::Wrong {
                tries_left: u32::try_from(left).unwrap_or(0),
            });
        }
        let set = self
            .db()
            .write(SET_TOKEN)
            .bind(keys.phone_token(token))
            .bind(token_expires_at)
            .bind(id)
            .execute()
            .await?;
        // Zero: a parallel try with the same right code was first; this one is too late.
        Ok(if set == 1 {
            Tried::Verified
        } else {
            Tried::Expired
        })
    }

    /// Whether `token` verifies `phone` at `now` (UTC).
    async fn phone_token_good(
        &self,
        phone: &Phone,
        token: &str,
        now: NaiveDateTime,
    ) -> Result<bool, StorageError> {
        let keys = self.keys();
        let n: i64 = self
            .db()
            .read(TOKEN_GOOD)
            .bind(keys.phone_token(token))
            .bind(keys.phone(phone.as_str()))
            .bind(now)
            .scalar()
            .await?;
        Ok(n > 0)
    }

    /// Deletes codes whose code and token have both expired by `now` (UTC), and erases the
    /// text messages of expired codes from the outbox; how many rows.
    async fn purge_phone_codes(&self, now: NaiveDateTime) -> Result<u64, StorageError> {
        let codes = self
            .db()
            .write(PURGE_CODES)
            .bind(now)
            .bind(now)
            .execute()
            .await?;
        let texts = self
            .db()
            .write(ERASE_CODE_MESSAGES)
            .bind(now)
            .execute()
            .await?;
        Ok(codes + texts)
    }

    /// The codes of the bookings and of the samples `phone` holds (not erased), newest
    /// first, at most `most` of each.
    async fn holdings_of(
        &self,
        phone: &Phone,
        most: i64,
    ) -> Result<(Vec<String>, Vec<String>), StorageError> {
        let hash = self.keys().phone(phone.as_str());
        let db = self.db();
        let held = |sql| {
            db.read(sql)
                .bind(hash.as_str())
                .bind(phone.as_str())
                .bind(most)
        };
        let bookings: Vec<String> = held(BOOKINGS_OF).scalars().await?;
        let samples: Vec<String> = held(SAMPLES_OF).scalars().await?;
        Ok((bookings, samples))
    }
}

impl<S: Parts> PhoneCodes for S {}

#[cfg(test)]
mod tests {
    use super::same_digest;

    #[test]
    fn digests_compare_whole() {
        assert!(same_digest("abc", "abc"));
        assert!(!same_digest("abc", "abd"));
        assert!(!same_digest("abc", "abcd"));
    }
}
