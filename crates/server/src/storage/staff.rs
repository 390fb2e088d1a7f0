//! Staff accounts, sign-in sessions, and the work done at the door: roster, check-in,
//! no-shows. Every change staff make is written to the audit log in the same transaction.
//! Written once for both databases.

use super::audit::{audit, commit_audited};
use super::bookings::session_shared;
use super::columns::Name;
use super::db::Tx;
use super::rows::{count, party_size};
use super::{BookingError, Parts, StorageError};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDateTime, Utc};
use labday_domain::booking::BookingStatus;
use labday_domain::message::DeliveryStatus;
use labday_domain::organisation::OrgKind;
use labday_domain::staff::{
    check_in, from_session_day, AuditAction, Role, RosterEntry, StaffAccount, StaffView,
};
use labday_domain::{offline_check_in, ApiError, ErrorCode, SessionStatus};

/// A staff account to create (the password is already hashed).
#[derive(Debug, Clone)]
pub struct NewStaff {
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: Role,
    pub organisation_id: Option<i64>,
    /// The holder must choose a password of their own at the first sign-in: one typed by an
    /// organiser is known to two people (the operator's own, from the command line, is not).
    pub must_change_password: bool,
}

/// What became of a new account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaffAdded {
    /// Created, with this id.
    Added(i64),
    /// The username is taken.
    UsernameTaken,
    /// Its organisation is not (any longer) of a kind its role may belong to: lab staff
    /// of a bureau, an organiser of a lab or institute. The kind changed after the caller
    /// checked it, or there is no such organisation any more.
    KindNotAllowed,
}

impl StaffAdded {
    /// The new account's id, if it was created.
    pub fn id(self) -> Option<i64> {
        match self {
            StaffAdded::Added(id) => Some(id),
            StaffAdded::UsernameTaken | StaffAdded::KindNotAllowed => None,
        }
    }
}

/// What the sign-in check needs: the account, its password hash, and whether it is
/// disabled.
#[derive(Debug, Clone)]
pub struct StaffCredentials {
    pub staff: StaffView,
    pub password_hash: String,
    pub disabled: bool,
}

/// The outcome of a check-in at the door.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedIn {
    pub entry: RosterEntry,
    /// People let in by this check-in.
    pub people: u32,
    /// An offline check-in of a booking that was in already: `people` is 0.
    pub already_in: bool,
}

/// Why a check-in let nobody in.
#[derive(Debug, thiserror::Error)]
pub enum CheckInError {
    /// There is no such session.
    #[error("no such session")]
    NoSession,
    /// A check-in a desk made offline, refused by [`offline_check_in::check`] beside the
    /// field at fault (`offline_at`, `people`).
    #[error("offline check-in refused: {}", .0.message)]
    Offline(ApiError),
    /// Refused at the door before the session's day (`before_session_day`) or for the
    /// booking (`not_found`, `wrong_session`, ...), or storage failed.
    #[error(transparent)]
    Booking(#[from] BookingError),
}

impl From<sqlx::Error> for CheckInError {
    fn from(e: sqlx::Error) -> Self {
        CheckInError::Booking(e.into())
    }
}

/// The rows a statement changed, as a count; beyond `u32` is an error, never clamped.
pub(super) fn changed(rows: u64) -> Result<u32, sqlx::Error> {
    u32::try_from(rows)
        .map_err(|_| sqlx::Error::Decode(format!("rows changed out of range: {rows}").into()))
}

/// The kind of the organisation an account is created in; share-locked on PostgreSQL until
/// the account is in, so a kind change (which takes the row's update lock, then reads the
/// roles of its accounts) waits for it and sees it.
const ORGANISATION_KIND: &str = "SELECT kind FROM organisations WHERE id = ?";
const INSERT_STAFF: &str = "INSERT INTO staff (username, display_name, password_hash, role, \
    organisation_id, created_at, must_change_password) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id";
/// An account's columns, without its password hash: only [`CREDENTIALS_SELECT`] reads that.
macro_rules! staff_columns {
    () => {
        "SELECT s.id, s.username, s.display_name, s.role, s.organisation_id, \
         s.must_change_password, s.disabled_at"
    };
}
pub(super) use staff_columns;
pub(super) const STAFF_SELECT: &str = concat!(staff_columns!(), " FROM staff s");
const CREDENTIALS_SELECT: &str = concat!(staff_columns!(), ", s.password_hash FROM staff s");
/// Opens a session only while the account still has the password hash the sign-in checked
/// and is not disabled: a password changed or reset, or the account disabled, while the
/// sign-in was checking (argon2 takes a while, and waits its turn) ends that sign-in too.
/// The account's row is read under a share lock (`Dialect::for_share`, appended): on
/// PostgreSQL a reset or disable not yet committed holds the row, so the sign-in waits for
/// it and then reads the new hash, instead of slipping in between the reset's end of the
/// account's sessions and its commit.
const OPEN_SESSION: &str = "INSERT INTO staff_sessions (token_digest, staff_id, expires_at) \
    SELECT ?, id, ? FROM staff WHERE id = ? AND password_hash = ? AND disabled_at IS NULL";
const CLOSE_SESSION: &str = "DELETE FROM staff_sessions WHERE token_digest = ?";
const SESSION_ORGANISATION: &str = "SELECT a.organisation_id FROM sessions s \
    JOIN activities a ON a.id = s.activity_id WHERE s.id = ?";
/// What the desk of session `desk` is told of a code that belongs to session `code`
/// (`staff::scanned_elsewhere`): `wrong_session` naming `code` within one organisation, else
/// `not_found`.
pub(super) async fn scanned_elsewhere(
    tx: &mut Tx,
    desk: i64,
    code: i64,
) -> Result<BookingError, sqlx::Error> {
    let mut organisations = [None, None];
    for (organisation, session) in organisations.iter_mut().zip([desk, code]) {
        *organisation = tx
            .query(SESSION_ORGANISATION)
            .bind(session)
            .scalar_optional()
            .await?;
    }
    let [desk_organisation, code_organisation] = organisations;
    Ok(
        match labday_domain::staff::scanned_elsewhere(desk_organisation, code_organisation) {
            ErrorCode::WrongSession => BookingError::Elsewhere(code),
            told => BookingError::Refused(told),
        },
    )
}

/// A `RosterRow` select; the statement adds which bookings. An erased holder's messages say
/// nothing: one never sent was dropped, so the latest left would tell of an earlier one.
macro_rules! roster_select {
    () => {
        "SELECT code, COALESCE(name, ''), COALESCE(phone, ''), adults, children, checked_in, \
        status, walk_in, (SELECT m.status FROM outbox m WHERE m.booking_id = bookings.id \
        AND bookings.erased_at IS NULL ORDER BY m.id DESC LIMIT 1) FROM bookings "
    };
}
const ROSTER: &str = concat!(
    roster_select!(),
    "WHERE session_id = ? \
    ORDER BY CASE status WHEN 'checked_in' THEN 0 WHEN 'confirmed' THEN 1 WHEN 'no_show' THEN 2 \
    WHEN 'waitlisted' THEN 3 ELSE 4 END, id"
);
/// One booking's roster line.
const ROSTER_LINE: &str = concat!(roster_select!(), "WHERE id = ?");
/// `(id, session_id)` of the booking to check in; locked with the dialect's row lock until
/// the check-in commits.
const BOOKING_FOR_CHECK_IN: &str = "SELECT id, session_id FROM bookings WHERE code = ?";
const RECORD_CHECK_IN: &str =
    "UPDATE bookings SET checked_in = checked_in + ?, status = 'checked_in' WHERE id = ?";
/// The session whose no-shows are marked; locked like a booking's check-in.
const SESSION_ENDS_AT: &str = "SELECT ends_at FROM sessions WHERE id = ?";
/// Not on an online seat: no door tells who came, and a no-show pauses the phone.
const MARK_NO_SHOWS: &str = "UPDATE bookings SET status = 'no_show' \
    WHERE session_id = ? AND status = 'confirmed' AND checked_in = 0 AND session_id NOT IN \
    (SELECT id FROM sessions WHERE format = 'cloud_classroom')";

from_row! {
    pub(super) struct StaffRow {
        id: i64,
        username: String,
        display_name: String,
        role: Role,
        organisation_id: Option<i64>,
        must_change_password: bool,
        disabled_at: Option<NaiveDateTime>,
    }
}

/// An account with its password hash, for checking a password and nothing else.
struct CredentialsRow {
    staff: StaffRow,
    password_hash: String,
}

impl<'r, R: sqlx::Row> sqlx::FromRow<'r, R> for CredentialsRow
where
    StaffRow: sqlx::FromRow<'r, R>,
    String: super::columns::Field<'r, R>,
{
    fn from_row(row: &'r R) -> Result<Self, sqlx::Error> {
        use super::columns::Field;
        Ok(CredentialsRow {
            staff: StaffRow::from_row(row)?,
            password_hash: String::read(row, "password_hash")?,
        })
    }
}

impl StaffRow {
    fn view(&self) -> StaffView {
        StaffView {
            id: self.id,
            username: self.username.clone(),
            display_name: self.display_name.clone(),
            role: self.role,
            organisation_id: self.organisation_id,
            must_change_password: self.must_change_password,
        }
    }

    pub(super) fn account(&self) -> StaffAccount {
        StaffAccount {
            id: self.id,
            username: self.username.clone(),
            display_name: self.display_name.clone(),
            role: self.role,
            organisation_id: self.organisation_id,
            disabled: self.disabled_at.is_some(),
            must_change_password: self.must_change_password,
        }
    }
}

/// `(code, name, phone, adults, children, checked_in, status, walk_in)`.
type RosterRow = (
    String,
    String,
    String,
    i64,
    i64,
    i64,
    Name<BookingStatus>,
    bool,
    Option<Name<DeliveryStatus>>,
);

fn roster_entry(row: RosterRow) -> Result<RosterEntry, sqlx::Error> {
    party_size(row.3, row.4)?;
    Ok(RosterEntry {
        code: row.0,
        name: row.1,
        phone: row.2,
        adults: count(row.3)?,
        children: count(row.4)?,
        checked_in: count(row.5)?,
        status: row.6 .0,
        walk_in: row.7,
        message: row.8.map(|m| m.0),
        masked: false,
    })
}

#[async_trait]
pub trait Staff: Parts {
    /// Creates an account, of its organisation's kind as it is when the account goes in:
    /// the kind is read under its row lock in the same transaction (a kind change takes that
    /// lock, then checks the accounts), so no account is ever left in an organisation whose
    /// kind its role does not fit, however a kind change and the creation interleave.
    async fn add_staff(&self, s: NewStaff, now: NaiveDateTime) -> Result<StaffAdded, StorageError> {
        self.add_staff_by(s, now, None).await
    }

    /// [`Staff::add_staff`], audited as `by`'s in the same transaction when given: an
    /// account never exists without its line in the audit log.
    async fn add_staff_by(
        &self,
        s: NewStaff,
        now: NaiveDateTime,
        by: Option<i64>,
    ) -> Result<StaffAdded, StorageError> {
        let mut tx = self.db().begin().await?;
        if let Some(organisation) = s.organisation_id {
            let sql = format!("{ORGANISATION_KIND}{}", tx.dialect().for_share());
            let kind: Option<(Name<OrgKind>,)> =
                tx.query(&sql).bind(organisation).fetch_optional().await?;
            if !kind.is_some_and(|(Name(kind),)| s.role.may_belong_to(kind)) {
                return Ok(StaffAdded::KindNotAllowed);
            }
        }
        let added = tx
            .query(INSERT_STAFF)
            .bind(&s.username)
            .bind(&s.display_name)
            .bind(&s.password_hash)
            .bind(s.role.as_str())
            .bind(s.organisation_id)
            .bind(now)
            .bind(s.must_change_password)
            .scalar()
            .await;
        match added {
            Ok(id) => {
                match by {
                    Some(by) => {
                        let subject = format!("staff {id}: {} ({})", s.username, s.role.as_str());
                        commit_audited(tx, by, AuditAction::CreateStaff, &subject).await?;
                    }
                    None => tx.commit().await?,
                }
                Ok(StaffAdded::Added(id))
            }
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                Ok(StaffAdded::UsernameTaken)
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn staff_credentials(
        &self,
        username: &str,
    ) -> Result<Option<StaffCredentials>, StorageError> {
        let sql = format!("{CREDENTIALS_SELECT} WHERE s.username = ?");
        let row: Option<CredentialsRow> =
            self.db().read(&sql).bind(username).fetch_optional().await?;
        Ok(row.map(|r| StaffCredentials {
            staff: r.staff.view(),
            disabled: r.staff.disabled_at.is_some(),
            password_hash: r.password_hash,
        }))
    }

    /// Opens a session for the account, if it still has the password hash the sign-in
    /// checked and is not disabled ([`OPEN_SESSION`]); whether it did.
    async fn open_staff_session(
        &self,
        (staff_id, password_hash): (i64, &str),
        token_digest: &str,
        expires_at: NaiveDateTime,
    ) -> Result<bool, StorageError> {
        let sql = format!("{OPEN_SESSION}{}", self.db().dialect().for_share());
        let opened = self
            .db()
            .write(&sql)
            .bind(token_digest)
            .bind(expires_at)
            .bind(staff_id)
            .bind(password_hash)
            .execute()
            .await?;
        Ok(opened == 1)
    }

    /// The staff member holding an unexpired session with this token digest, unless the
    /// account is disabled.
    async fn staff_by_session(
        &self,
        token_digest: &str,
        now: NaiveDateTime,
    ) -> Result<Option<StaffView>, StorageError> {
        let sql = format!(
            "{STAFF_SELECT} JOIN staff_sessions t ON t.staff_id = s.id \
             WHERE t.token_digest = ? AND t.expires_at > ? AND s.disabled_at IS NULL"
        );
        let row: Option<StaffRow> = self
            .db()
            .read(&sql)
            .bind(token_digest)
            .bind(now)
            .fetch_optional()
            .await?;
        Ok(row.as_ref().map(StaffRow::view))
    }

    async fn close_staff_session(&self, token_digest: &str) -> Result<(), StorageError> {
        self.db()
            .write(CLOSE_SESSION)
            .bind(token_digest)
            .execute()
            .await?;
        Ok(())
    }

    /// The organisation running a session, or `None` if there is no such session.
    async fn session_organisation(&self, session_id: i64) -> Result<Option<i64>, StorageError> {
        Ok(self
            .db()
            .read(SESSION_ORGANISATION)
            .bind(session_id)
            .scalar_optional()
            .await?)
    }

    /// Everyone booked on a session, confirmed first, with full names and phone numbers (the
    /// API masks them for staff reaching the session from above:
    /// `extract::Authorised::disclose`).
    async fn roster(&self, session_id: i64) -> Result<Vec<RosterEntry>, StorageError> {
        let rows: Vec<RosterRow> = self.db().read(ROSTER).bind(session_id).fetch_all().await?;
        Ok(rows
            .into_iter()
            .map(roster_entry)
            .collect::<Result<_, _>>()?)
    }

    /// Checks `people` of a booking in (all that remain when `None`) at `session_id`'s door
    /// at `now`, from the session's day on as it is when the check-in is written: the
    /// session is read in this transaction under its share lock (`session_shared`), against
    /// the update lock a move of the session takes, so a session moved to a later day at the
    /// same moment is either seen here or moved after the check-in. A cancelled session
    /// takes no check-in (`session_cancelled`). The rule is the domain's, on the venue's
    /// clock: `from_session_day` at the door (as for walk-ins and
    /// sample receipt), or
    /// [`offline_check_in::check`] for a check-in a desk made offline at `offline_at`. Such a
    /// check-in of a booking that is in already answers the booking as it stands, nobody
    /// more let in: it counts once.
    async fn check_in(
        &self,
        staff_id: i64,
        session_id: i64,
        code: &str,
        people: Option<u32>,
        offline_at: Option<NaiveDateTime>,
        now: DateTime<Utc>,
    ) -> Result<CheckedIn, CheckInError> {
        let mut tx = self.db().begin().await?;
        let session = session_shared(&mut tx, session_id)
            .await?
            .ok_or(CheckInError::NoSession)?;
        // The organiser cancelled it: that is the answer for every code, not each booking's
        // cancellation (as for walk-ins and sample receipt).
        if session.status == SessionStatus::Cancelled {
            return Err(BookingError::Refused(ErrorCode::SessionCancelled).into());
        }
        let local_now = session.local_now(now);
        let offline_at = match offline_at {
            Some(at) => Some(
                offline_check_in::check(at, local_now, session.starts_at, people)
                    .map_err(CheckInError::Offline)?,
            ),
            None => {
                from_session_day(local_now, session.starts_at).map_err(BookingError::Refused)?;
                None
            }
        };
        let sql = format!("{BOOKING_FOR_CHECK_IN}{}", tx.dialect().for_update());
        let (id, booking_session): (i64, i64) =
            tx.query(&sql)
                .bind(code)
                .fetch_optional()
                .await?
                .ok_or(BookingError::Refused(ErrorCode::NotFound))?;
        if booking_session != session_id {
            return Err(scanned_elsewhere(&mut tx, session_id, booking_session)
                .await?
                .into());
        }
        let before: RosterRow = tx.query(ROSTER_LINE).bind(id).fetch_one().await?;
        let (_, _, _, adults, children, already, Name(status), _, _) = &before;
        let decided = check_in(
            *status,
            party_size(*adults, *children)?,
            count(*already)?,
            people,
        );
        let n = match decided {
            Err(ErrorCode::AlreadyCheckedIn) if offline_at.is_some() => {
                let entry = roster_entry(before)?;
                return Ok(CheckedIn {
                    entry,
                    people: 0,
                    already_in: true,
                });
            }
            other => other.map_err(BookingError::Refused)?,
        };
        // A no-show's phone may have walked in meanwhile: it holds its one place on the
        // session already, so the phone's unique index refuses a second one checked in.
        BookingError::unless_phone_held(
            tx.query(RECORD_CHECK_IN)
                .bind(i64::from(n))
                .bind(id)
                .execute()
                .await,
        )?;
        let after: RosterRow = tx.query(ROSTER_LINE).bind(id).fetch_one().await?;
        let subject = match offline_at {
            Some(at) => format!("booking {}: {n}, offline at {at}", after.0),
            None => format!("booking {}: {n}", after.0),
        };
        commit_audited(tx, staff_id, AuditAction::CheckIn, &subject).await?;
        let entry = roster_entry(after)?;
        Ok(CheckedIn {
            entry,
            people: n,
            already_in: false,
        })
    }

    /// After the session: every confirmed booking nobody checked in for becomes a no-show
    /// (none on an online seat).
    async fn mark_no_shows(
        &self,
        staff_id: i64,
        session_id: i64,
        now: NaiveDateTime,
    ) -> Result<u32, BookingError> {
        let mut tx = self.db().begin().await?;
        let sql = format!("{SESSION_ENDS_AT}{}", tx.dialect().for_update());
        let ends: NaiveDateTime = tx
            .query(&sql)
            .bind(session_id)
            .scalar_optional()
            .await?
            .ok_or(BookingError::Refused(ErrorCode::NotFound))?;
        if now < ends {
            return Err(BookingError::Refused(ErrorCode::SessionNotOver));
        }
        let marked = changed(tx.query(MARK_NO_SHOWS).bind(session_id).execute().await?)?;
        let subject = format!("session {session_id}: {marked}");
        commit_audited(tx, staff_id, AuditAction::MarkNoShows, &subject).await?;
        Ok(marked)
    }

    /// Appends to the audit log.
    async fn audit(
        &self,
        staff_id: i64,
        action: AuditAction,
        subject: &str,
    ) -> Result<(), StorageError> {
        Ok(audit(self.db(), staff_id, action, subject).await?)
    }
}

impl<S: Parts> Staff for S {}
