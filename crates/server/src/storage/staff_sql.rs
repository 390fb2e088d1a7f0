//! The staff queries, written once with `?` placeholders; PostgreSQL gets them numbered.

use super::rows::{count, party_size};
use labday_domain::booking::BookingStatus;
use labday_domain::staff::{Role, RosterEntry, StaffView};

pub(super) const INSERT_STAFF: &str = "INSERT INTO staff (username, display_name, password_hash, role, organisation_id, created_at) VALUES (?, ?, ?, ?, ?, ?)";
pub(super) const STAFF_BY_USERNAME: &str = "SELECT id, username, display_name, role, organisation_id, password_hash FROM staff WHERE username = ?";
pub(super) const OPEN_SESSION: &str =
    "INSERT INTO staff_sessions (token_digest, staff_id, expires_at) VALUES (?, ?, ?)";
pub(super) const STAFF_BY_SESSION: &str = "SELECT s.id, s.username, s.display_name, s.role, s.organisation_id, s.password_hash \
    FROM staff_sessions t JOIN staff s ON s.id = t.staff_id WHERE t.token_digest = ? AND t.expires_at > ?";
pub(super) const CLOSE_SESSION: &str = "DELETE FROM staff_sessions WHERE token_digest = ?";
pub(super) const SESSION_ORGANISATION: &str = "SELECT a.organisation_id FROM sessions s JOIN activities a ON a.id = s.activity_id WHERE s.id = ?";
pub(super) const ROSTER: &str = "SELECT code, COALESCE(name, ''), COALESCE(phone, ''), adults, children, checked_in, status \
    FROM bookings WHERE session_id = ? \
    ORDER BY CASE status WHEN 'checked_in' THEN 0 WHEN 'confirmed' THEN 1 WHEN 'no_show' THEN 2 WHEN 'waitlisted' THEN 3 ELSE 4 END, id";
pub(super) const BOOKING_FOR_CHECK_IN: &str = "SELECT id, session_id, code, COALESCE(name, ''), COALESCE(phone, ''), adults, children, checked_in, status FROM bookings WHERE code = ?";
pub(super) const RECORD_CHECK_IN: &str =
    "UPDATE bookings SET checked_in = checked_in + ?, status = 'checked_in' WHERE id = ?";
pub(super) const SESSION_ENDS_AT: &str = "SELECT ends_at FROM sessions WHERE id = ?";
pub(super) const MARK_NO_SHOWS: &str = "UPDATE bookings SET status = 'no_show' WHERE session_id = ? AND status = 'confirmed' AND checked_in = 0";
pub(super) const AUDIT: &str =
    "INSERT INTO audit_log (staff_id, action, subject, at) VALUES (?, ?, ?, ?)";

/// `?` placeholders numbered for PostgreSQL (`$1`, `$2`, …).
pub(super) fn numbered(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut n = 0;
    for c in sql.chars() {
        if c == '?' {
            n += 1;
            out.push('$');
            out.push_str(&n.to_string());
        } else {
            out.push(c);
        }
    }
    out
}

/// `(id, username, display_name, role, organisation_id, password_hash)`.
pub(super) type StaffRow = (i64, String, String, String, Option<i64>, String);

pub(super) fn staff_view(row: &StaffRow) -> StaffView {
    StaffView {
        id: row.0,
        username: row.1.clone(),
        display_name: row.2.clone(),
        role: Role::parse(&row.3).unwrap_or(Role::LabStaff),
        organisation_id: row.4,
    }
}

/// `(code, name, phone, adults, children, checked_in, status)`.
pub(super) type RosterRow = (String, String, String, i64, i64, i64, String);

pub(super) fn roster_entry(row: RosterRow) -> Result<RosterEntry, sqlx::Error> {
    party_size(row.3, row.4)?;
    Ok(RosterEntry {
        code: row.0,
        name: row.1,
        phone: row.2,
        adults: count(row.3)?,
        children: count(row.4)?,
        checked_in: count(row.5)?,
        status: BookingStatus::parse(&row.6).unwrap_or(BookingStatus::Cancelled),
    })
}

/// `(id, session_id, code, name, phone, adults, children, checked_in, status)`.
pub(super) type CheckInRow = (i64, i64, String, String, String, i64, i64, i64, String);

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_are_numbered_in_order() {
        assert_eq!(super::numbered("a = ? AND b = ?"), "a = $1 AND b = $2");
    }
}
