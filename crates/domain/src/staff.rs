//! Lab staff and organisers: who they are, what they may see, and the check-in rules they
//! apply at the door.

use crate::booking::{mask_name, BookingStatus};
use crate::error::{ApiError, ErrorCode, FieldCode};
use crate::organisation::OrgKind;
use crate::phone::Phone;
use crate::text::{self, Fault};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

/// What a staff account may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A bureau's organiser: the bureau and every organisation under it.
    Organiser,
    /// Staff of one lab: only their organisation.
    LabStaff,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Organiser => "organiser",
            Role::LabStaff => "lab_staff",
        }
    }

    pub fn parse(raw: &str) -> Option<Role> {
        match raw.replace('-', "_").as_str() {
            "organiser" | "organizer" => Some(Role::Organiser),
            "lab_staff" => Some(Role::LabStaff),
            _ => None,
        }
    }

    /// Whether an account of this role may belong to an organisation of `kind`: an
    /// organiser to a bureau (and acts for its subtree), lab staff to a lab or institute
    /// (on a bureau they would see its whole subtree through the lists).
    pub fn may_belong_to(self, kind: OrgKind) -> bool {
        (self == Role::Organiser) == kind.is_bureau()
    }
}

/// A signed-in staff member, as the console sees them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffView {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// The lab a lab-staff account belongs to; the bureau an organiser acts for (with
    /// everything under it). `None` for an organiser made on the command line without a
    /// bureau, who acts for every organisation.
    pub organisation_id: Option<i64>,
    /// Set after an organiser reset the password: nothing but `me`, `me/password` and
    /// `sign-out` answers until the holder has chosen a new one.
    #[serde(default)]
    pub must_change_password: bool,
}

/// Staff sign-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignIn {
    pub username: String,
    pub password: String,
}

/// Shortest password accepted for a staff account.
pub const PASSWORD_MIN_CHARS: usize = 10;

/// Usernames: 3–32 of `a-z 0-9 . _ -`, so they are easy to type on a phone.
pub fn parse_username(raw: &str) -> Result<String, FieldCode> {
    let name = raw.trim().to_ascii_lowercase();
    let ok = (3..=32).contains(&name.len())
        && name.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
        });
    if ok {
        Ok(name)
    } else {
        Err(FieldCode::UsernameInvalid)
    }
}

/// Longest password accepted (argon2 has no limit, but a pasted novel is a mistake).
pub const PASSWORD_MAX_CHARS: usize = 128;
/// Longest display name, in characters.
pub const DISPLAY_NAME_MAX_CHARS: usize = 40;

/// A password of [`PASSWORD_MIN_CHARS`]–[`PASSWORD_MAX_CHARS`] characters, at least
/// [`PASSWORD_MIN_CHARS`] of them characters that show (or white space), each one that may
/// stand in a one-line text (no control character, line separator, bidirectional override
/// or noncharacter), that is not among the first a guesser tries ([`is_guessable`]), or why
/// not.
/// `username` is the account's.
pub fn check_password(password: &str, username: &str) -> Result<(), FieldCode> {
    let chars = password.chars().count();
    // What a guesser has to type: zero-width and other invisible characters add nothing
    // a guesser would not add for free.
    let shown = password
        .chars()
        .filter(|c| c.is_whitespace() || !crate::text::is_invisible(*c))
        .count();
    if !password.chars().all(crate::text::fits_line) {
        // A line break, a tab or a line separator is a paste gone wrong, and no sign-in
        // form can type it; a bidirectional override hides what was typed.
        Err(FieldCode::TextInvalid)
    } else if shown < PASSWORD_MIN_CHARS {
        Err(FieldCode::PasswordTooShort)
    } else if chars > PASSWORD_MAX_CHARS {
        Err(FieldCode::PasswordTooLong)
    } else if is_guessable(password, username) {
        Err(FieldCode::PasswordWeak)
    } else {
        Ok(())
    }
}

/// Runs a guesser tries first: digits, the alphabet, the keyboard's rows, its columns
/// (down, and down and up in turn) and the keypad's (read forwards or backwards, from
/// anywhere in them).
const RUNS: [&str; 9] = [
    "012345678901234567890",
    "abcdefghijklmnopqrstuvwxyzabc",
    "qwertyuiopasdfghjklzxcvbnm",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
    "qazwsxedcrfvtgbyhnujmikolp",
    "zaq12wsxcde34rfvbgt56yhnmju78ik9ol0p",
    "!@#$%^&*()_+",
    "1472583690",
    "7894561230",
];

/// Words and passwords near the top of the published lists of leaked passwords, in
/// English and in Chinese (`woaini`, 我爱你; `5201314`, "I love you for ever"; 密码,
/// "password"), keyboard blocks, and this service's own name.
const WELL_KNOWN: [&str; 29] = [
    "password",
    "iloveyou",
    "letmein",
    "welcome",
    "woaini",
    "admin",
    "administrator",
    "root",
    "monkey",
    "dragon",
    "football",
    "baseball",
    "master",
    "shadow",
    "sunshine",
    "princess",
    "superman",
    "trustno",
    "1q2w3e4r5t",
    "1q2w3e4r5t6y",
    "qweasdzxc",
    "159753",
    "159357",
    "159753852456",
    "5201314",
    "5201314520",
    "1314520",
    "密码",
    "labday",
];

/// Whether a password is among the first a guesser tries, however long: NIST SP 800-63B
/// asks a service to refuse repeated and sequential characters, well-known passwords and
/// the username. Read without case, full-width characters as their ASCII ones and without
/// invisible characters ([`guess_form`]), it is guessable when it
/// - has at most four different characters (`aaaaaaaaaa`, `1212121212`, `abcabcabca`);
/// - is one half twice (`abcd1abcd1`);
/// - is built on the username, or on the username without its marks: without it, less than
///   [`PASSWORD_MIN_CHARS`] characters are left (`Food-Lab-2026`, `li.wei` in
///   `liwei.rocks9`; not `lab` in `labrador retriever dog`);
/// - is a [`WELL_KNOWN`] one, also in leetspeak, with digits and marks after it
///   (`P@ssw0rd2026!`, `pa55w0rd123`, `iloveyou❤️`);
/// - is made of at most three pieces (letters, digits, other characters) each of which is
///   [trivial](is_trivial) (`1234567890`, `abc1234567`, `password2026`, `Woaini1314!`), or
///   its letters and its digits, apart, are each trivial with at most two marks besides
///   (`a1b2c3d4e5f6`), or it is at most four [patterns](is_pattern) in a row
///   (`qwerasdfzxcv`);
/// - with the shifted marks of the number row read as their digits (`!QAZ2wsx#EDC`).
pub fn is_guessable(password: &str, username: &str) -> bool {
    let lower = guess_form(password);
    let username = guess_form(username);
    let bare_username: String = username
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    // Built on the username: what is left without it would be too short a password.
    let holds = |name: &str| {
        name.chars().count() >= 3
            && lower.contains(name)
            && lower.replace(name, "").chars().count() < PASSWORD_MIN_CHARS
    };
    holds(&username)
        || holds(&bare_username)
        || guessable_shape(&lower)
        || guessable_shape(&unshifted(&lower))
}

/// A password as [`is_guessable`] reads it.
fn guess_form(text: &str) -> String {
    text.chars()
        .filter(|c| !crate::text::is_invisible(*c) || *c == ' ')
        .map(|c| crate::text::half_width(c).to_ascii_lowercase())
        .collect()
}

/// The shifted marks of the number row as their digits (`!@#` as `123`).
fn unshifted(text: &str) -> String {
    let (marks, digits) = ("!@#$%^&*()", "1234567890");
    text.chars()
        .map(|c| {
            marks
                .find(c)
                .map_or(c, |i| char::from(digits.as_bytes()[i]))
        })
        .collect()
}

/// Letters written as digits and marks (`p@55w0rd`) as the letters.
fn unleet(text: &str) -> String {
    let (leet, plain) = ("4@0$5317", "aaosseit");
    text.chars()
        .map(|c| leet.find(c).map_or(c, |i| char::from(plain.as_bytes()[i])))
        .collect()
}

/// [`is_guessable`]'s rules but the username's.
fn guessable_shape(lower: &str) -> bool {
    let chars: Vec<char> = lower.chars().collect();
    let mut distinct = chars.clone();
    distinct.sort_unstable();
    distinct.dedup();
    let half = chars.len() / 2;
    let twice = chars.len().is_multiple_of(2) && chars[..half] == chars[half..];
    let pieces = pieces(lower);
    // The word before the digits, marks and symbols (an emoji) a password ends with.
    let stem = lower.trim_end_matches(|c: char| !c.is_alphabetic());
    let apart = |keep: fn(&char) -> bool| lower.chars().filter(keep).collect::<String>();
    let (letters, digits) = (
        apart(char::is_ascii_alphabetic),
        apart(char::is_ascii_digit),
    );
    let marks = chars.len() - letters.len() - digits.len();
    let trivial_or_none = |text: &str| text.is_empty() || is_trivial(text);
    distinct.len() <= 4
        || twice
        || WELL_KNOWN.contains(&stem)
        || WELL_KNOWN.contains(&unleet(stem).as_str())
        || is_trivial(lower)
        || (pieces.len() <= 3 && pieces.iter().all(|p| is_trivial(p)))
        || (marks <= 2 && trivial_or_none(&letters) && trivial_or_none(&digits))
        || few_trivial_parts(lower, 4)
}

/// Whether `text` is at most `parts` [patterns](is_pattern) one after the other, the last
/// of which may be any [trivial](is_trivial) piece such as a year (`qwerasdfzxcv`: three
/// rows of keys; `1qazxsw23edc`: three columns, down, up and down; `qwerasdf12`).
fn few_trivial_parts(text: &str, parts: usize) -> bool {
    if parts > 0 && is_trivial(text) {
        return true;
    }
    parts > 1
        && text
            .char_indices()
            .skip(1)
            .map(|(i, _)| i)
            .take(40)
            .any(|end| is_pattern(&text[..end]) && few_trivial_parts(&text[end..], parts - 1))
}

/// Whether a part of a password is a pattern a guesser tries: a [`WELL_KNOWN`] word, one
/// character two times or more, three or more of a run of [`RUNS`] either way.
fn is_pattern(part: &str) -> bool {
    WELL_KNOWN.contains(&part)
        || (part.chars().nth(1).is_some() && is_one_repeated(part))
        || (part.chars().nth(2).is_some() && in_a_run(part))
}

/// Whether `text` is one character over and over.
fn is_one_repeated(text: &str) -> bool {
    let first = text.chars().next();
    text.chars().all(|c| Some(c) == first)
}

/// Whether `text` stands in one of [`RUNS`], forwards or backwards.
fn in_a_run(text: &str) -> bool {
    let backwards: String = text.chars().rev().collect();
    RUNS.iter()
        .any(|run| run.contains(text) || run.contains(backwards.as_str()))
}

/// `text` cut where it turns from letters to digits to other characters and back.
fn pieces(text: &str) -> Vec<&str> {
    let class = |c: char| {
        if c.is_ascii_alphabetic() {
            0
        } else if c.is_ascii_digit() {
            1
        } else {
            2
        }
    };
    let mut pieces = Vec::new();
    let mut start = 0;
    let mut last = None;
    for (i, c) in text.char_indices() {
        if last.is_some_and(|l| l != class(c)) {
            pieces.push(&text[start..i]);
            start = i;
        }
        last = Some(class(c));
    }
    if start < text.len() {
        pieces.push(&text[start..]);
    }
    pieces
}

/// Whether a piece of a password adds next to nothing for a guesser ([`is_guessable`]): a
/// [`WELL_KNOWN`] word, one character repeated, a piece of [`RUNS`] either way, a trivial
/// half twice (`abcabc`), up to four digits (a year) or up to two marks.
fn is_trivial(piece: &str) -> bool {
    let half = piece.len() / 2;
    let twice = piece.is_ascii()
        && half > 0
        && piece.len().is_multiple_of(2)
        && piece[..half] == piece[half..]
        && is_trivial(&piece[..half]);
    twice
        || WELL_KNOWN.contains(&piece)
        || is_one_repeated(piece)
        || in_a_run(piece)
        || (piece.len() <= 4 && piece.bytes().all(|b| b.is_ascii_digit()))
        || (piece.len() <= 2 && piece.bytes().all(|b| b.is_ascii_punctuation() || b == b' '))
}

/// An organiser creating a staff account in the console.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewStaffAccount {
    pub username: String,
    #[serde(default)]
    pub display_name: String,
    pub password: String,
    pub role: Role,
    /// Required for lab staff (their lab). For organisers, the bureau they act for; only an
    /// organiser who reaches every organisation may leave it out.
    #[serde(default)]
    pub organisation_id: Option<i64>,
}

/// A staff account request that passed [`NewStaffAccount::validate`].
#[derive(Clone, PartialEq, Eq)]
pub struct ValidStaffAccount {
    pub username: String,
    pub display_name: String,
    pub password: String,
    pub role: Role,
    pub organisation_id: Option<i64>,
}

/// `{:?}` of an account request: who and what for, never the password (which must not
/// reach a log).
macro_rules! debug_without_password {
    ($($ty:ident),*) => {$(
        impl std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($ty))
                    .field("username", &self.username)
                    .field("role", &self.role)
                    .field("organisation_id", &self.organisation_id)
                    .finish_non_exhaustive()
            }
        }
    )*};
}

debug_without_password!(NewStaffAccount, ValidStaffAccount);

impl NewStaffAccount {
    /// Username rules of [`parse_username`], a password of 10–128 characters, a short display
    /// name (the username when empty), and an organisation for lab staff. Whether an
    /// organiser may be made without a bureau, and whether the organisation is one the
    /// creator reaches (and a bureau, for an organiser), is the server's to check.
    pub fn validate(&self) -> Result<ValidStaffAccount, ApiError> {
        let mut err = ApiError::new(ErrorCode::Invalid, "Some fields need attention");
        let username = parse_username(&self.username);
        if let Err(code) = &username {
            err = err.with_field("username", *code);
        }
        if let Err(code) = check_password(&self.password, &self.username) {
            err = err.with_field("password", code);
        }
        // Optional: the username stands in for a missing one.
        let display_name = match text::line(&self.display_name, DISPLAY_NAME_MAX_CHARS) {
            Ok(name) => name,
            Err(Fault::Missing) => "",
            Err(Fault::TooLong | Fault::Control) => {
                err = err.with_field("display_name", FieldCode::NameInvalid);
                ""
            }
        };
        if self.role == Role::LabStaff && self.organisation_id.is_none() {
            err = err.with_field("organisation_id", FieldCode::OrganisationRequired);
        }
        match username {
            Ok(username) if err.fields.is_empty() => Ok(ValidStaffAccount {
                display_name: if display_name.is_empty() {
                    username.clone()
                } else {
                    display_name.to_owned()
                },
                username,
                password: self.password.clone(),
                role: self.role,
                organisation_id: self.organisation_id,
            }),
            _ => Err(err),
        }
    }
}

wire_enum! {
    /// What an audit-log line records. Sign-ins, new accounts and exports are written
    /// by their handlers (`routes/staff.rs`, `routes/staff_admin.rs`, `routes/summary.rs`,
    /// through `writes::audit`); every other action in the same transaction as the change itself.
    pub enum AuditAction {
        SignIn = "sign_in",
        CreateStaff = "create_staff",
        CreateActivity = "create_activity",
        UpdateActivity = "update_activity",
        CreateSessions = "create_sessions",
        UpdateSession = "update_session",
        CancelSession = "cancel_session",
        CheckIn = "check_in",
        MarkNoShows = "mark_no_shows",
        ExportRoster = "export_roster",
        ExportSummary = "export_summary",
        ExportReport = "export_report",
        AddMedia = "add_media",
        AddPhoto = "add_photo",
        UpdateMedia = "update_media",
        DeleteMedia = "delete_media",
        UpdatePhoto = "update_photo",
        DeletePhoto = "delete_photo",
        ReceiveSample = "receive_sample",
        RecordTest = "record_test",
        CreateOrganisation = "create_organisation",
        UpdateOrganisation = "update_organisation",
        DisableStaff = "disable_staff",
        EnableStaff = "enable_staff",
        ResetPassword = "reset_password",
        EndSessions = "end_sessions",
        ChangePassword = "change_password",
        BookWalkIn = "book_walk_in",
        RegisterWalkInSamples = "register_walk_in_samples",
        MoveBooking = "move_booking",
    }
}

/// A staff account as the organiser's account list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffAccount {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub organisation_id: Option<i64>,
    /// Disabled accounts sign nobody in.
    pub disabled: bool,
    /// The password was reset and the holder has not chosen a new one yet.
    pub must_change_password: bool,
}

impl StaffAccount {
    /// Whether an organiser acting for `manager` (`None`: every organisation) may disable,
    /// enable, reset the password of or sign out this account, already within their reach:
    /// their own (but neither disabling it nor resetting its password, which take the
    /// current one: `own_account`), lab staff, and organisers of the bureaus below theirs,
    /// but not a fellow organiser of their own bureau, who is managed from the bureau above
    /// (or by an organiser of every organisation, made on the command line). So no
    /// organiser can lock a fellow out, or set their password and act as them.
    pub fn managed_by(&self, manager_id: i64, manager: Option<i64>) -> bool {
        let fellow = fellow_organiser(self.role, self.organisation_id, manager);
        !fellow || self.id == manager_id
    }
}

/// Whether an account of `role` on `organisation` would be a fellow organiser of an organiser
/// acting for `manager` (`None`: every organisation, who has no fellows): an organiser of
/// the same bureau. Such an account is made, as it is managed, from the bureau above (or by
/// an organiser of every organisation): the one who makes it types its first password and
/// could sign in as it before its holder does.
pub fn fellow_organiser(role: Role, organisation: Option<i64>, manager: Option<i64>) -> bool {
    manager.is_some() && role == Role::Organiser && organisation == manager
}

/// An organiser setting a new password for an account; the holder must change it at the
/// next sign-in.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordReset {
    pub password: String,
}

/// A signed-in staff member choosing a new password.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordChange {
    /// The password the account has now (a wrong one: 422, `current` → `password_wrong`).
    pub current: String,
    pub password: String,
}

impl PasswordChange {
    /// Whether the change changes the password: a new password equal to the current one is
    /// refused (`password_unchanged`), since after a reset the current one is the password
    /// an organiser chose and passed on, and it must not outlive the forced change.
    pub fn check_changed(&self) -> Result<(), FieldCode> {
        if self.password == self.current {
            Err(FieldCode::PasswordUnchanged)
        } else {
            Ok(())
        }
    }
}

// Passwords never reach a log through `{:?}`.
impl std::fmt::Debug for PasswordReset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordReset").finish_non_exhaustive()
    }
}

impl std::fmt::Debug for PasswordChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordChange").finish_non_exhaustive()
    }
}

/// How many sign-in sessions of an account were ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionsEnded {
    pub ended: u32,
}

/// One line of the audit log: who did what, to what, when (venue-local).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    pub id: i64,
    pub staff_id: i64,
    pub username: String,
    pub action: AuditAction,
    pub subject: String,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::time::VenueDateTime))]
    pub at: chrono::NaiveDateTime,
}

/// How much of a holder's name and phone number a staff account is shown. In full only to
/// the staff of the organisation that runs the session: its lab's staff, or a bureau's
/// organisers when the bureau runs the activity itself. Every account that reaches the
/// session only from above (an organiser of a bureau over it, an organiser of no bureau)
/// sees them masked as every other view shows them (`张**`, `138****8000`); the booking's
/// code is all the door needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disclosure {
    /// As the holder typed them.
    Full,
    /// The name's first character and a `*` for each other one; the phone's first three
    /// and last four digits.
    Masked,
}

impl Disclosure {
    /// What an account that belongs to `own` (`None`: to no organisation) is shown of the
    /// holders of a session (or sample) that organisation `running` runs.
    pub fn of(own: Option<i64>, running: i64) -> Disclosure {
        if own == Some(running) {
            Disclosure::Full
        } else {
            Disclosure::Masked
        }
    }

    /// A holder's name, as this account is shown it.
    pub fn name(self, name: String) -> String {
        match self {
            Disclosure::Full => name,
            Disclosure::Masked => mask_name(&name),
        }
    }

    /// A holder's phone (empty when none was given), as this account is shown it. Masked,
    /// a stored phone that does not read as a mobile number is shown as none rather than
    /// whole.
    pub fn phone(self, phone: String) -> String {
        match self {
            Disclosure::Full => phone,
            Disclosure::Masked => Phone::parse(&phone).map(|p| p.masked()).unwrap_or_default(),
        }
    }
}

/// An answer that names holders, as an account with a given [`Disclosure`] is shown it.
pub trait Disclose {
    /// This answer with its holders' names and phones as `to` shows them.
    fn disclosed(self, to: Disclosure) -> Self;
}

impl<T: Disclose> Disclose for Vec<T> {
    fn disclosed(self, to: Disclosure) -> Self {
        self.into_iter().map(|item| item.disclosed(to)).collect()
    }
}

/// One line of a session's roster: the staff of the organisation running the session see
/// the holder's name and phone here in full; everyone else reaching it sees them masked
/// (see [`Disclosure`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RosterEntry {
    pub code: String,
    pub name: String,
    pub phone: String,
    pub adults: u32,
    pub children: u32,
    pub checked_in: u32,
    pub status: BookingStatus,
    /// Booked by staff at the door rather than online.
    #[serde(default)]
    pub walk_in: bool,
    /// How the holder's latest text message stands; `None` when none was written (no
    /// phone, or nothing to tell yet) or the holder's details are erased.
    #[serde(default)]
    pub message: Option<crate::message::DeliveryStatus>,
    /// `name` and `phone` are masked (`张**`, `138****8000`): the account reading them
    /// reaches the session only from above, not as staff of the organisation running it.
    #[serde(default)]
    pub masked: bool,
}

impl Disclose for RosterEntry {
    fn disclosed(self, to: Disclosure) -> Self {
        if self.masked || to == Disclosure::Full {
            return self;
        }
        RosterEntry {
            name: to.name(self.name),
            phone: to.phone(self.phone),
            masked: true,
            ..self
        }
    }
}

/// Checking a visitor in by booking code, at a session's door.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckIn {
    pub session_id: i64,
    pub code: String,
    /// How many of the party arrived now; the rest of the party when omitted.
    #[serde(default)]
    pub people: Option<u32>,
    /// When a desk without network checked the visitor in (UTC+8), sent when the desk syncs
    /// its queue: the whole party, and a booking already in answers `already_in` (so a
    /// replay, or the same visitor checked in on two phones, counts once). See
    /// [`crate::offline_check_in`].
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::time::VenueDateTime>))]
    pub offline_at: Option<chrono::NaiveDateTime>,
}

/// The people a check-in names, when it names them: at least one (`people` →
/// `people_required` otherwise; none named is the rest of the party).
pub fn check_in_people(people: Option<u32>) -> Result<(), ApiError> {
    if people == Some(0) {
        return Err(ApiError::new(
            ErrorCode::Invalid,
            "At least one person is checked in at a time",
        )
        .with_field("people", FieldCode::PeopleRequired));
    }
    Ok(())
}

/// Whether staff may do a session's work at its door and bench `now` (the venue's clock),
/// for a session that starts `session_starts`: check a visitor in, book a walk-in (checked in
/// at once), register a walk-in's vegetables (received at once) or receive a sample. All from
/// the session's day on, as an offline check-in's time must be
/// (`crate::offline_check_in::check`); `before_session_day` before it, so nobody takes a place
/// at the door, nor has a vegetable received and tested, days ahead. The day being over
/// refuses nothing here: a late check-in or receipt is recorded; walk-ins end with the
/// session by a rule of their own (`window_closed`).
pub fn from_session_day(
    now: NaiveDateTime,
    session_starts: NaiveDateTime,
) -> Result<(), ErrorCode> {
    if now.date() < session_starts.date() {
        return Err(ErrorCode::BeforeSessionDay);
    }
    Ok(())
}

/// What the desk of one session is told of a code that belongs to another session: the
/// organisations running the desk's session and the code's (`None` for a session that is
/// gone). `wrong_session` when they are the same (the visitor came to the wrong door of
/// this lab), else `not_found`, as for a code nobody has: a desk learns nothing of other
/// organisations' codes.
pub fn scanned_elsewhere(desk: Option<i64>, code: Option<i64>) -> ErrorCode {
    match (desk, code) {
        (Some(desk), Some(code)) if desk == code => ErrorCode::WrongSession,
        _ => ErrorCode::NotFound,
    }
}

/// Decides a check-in of a booking of the desk's session (else [`scanned_elsewhere`]): how
/// many people it adds, or why not.
pub fn check_in(
    status: BookingStatus,
    party: u32,
    already: u32,
    people: Option<u32>,
) -> Result<u32, ErrorCode> {
    match status {
        BookingStatus::Cancelled => return Err(ErrorCode::AlreadyCancelled),
        BookingStatus::Waitlisted => return Err(ErrorCode::NotConfirmed),
        BookingStatus::NoShow | BookingStatus::Confirmed | BookingStatus::CheckedIn => {}
    }
    let remaining = party.saturating_sub(already);
    if remaining == 0 {
        return Err(ErrorCode::AlreadyCheckedIn);
    }
    let now = people.unwrap_or(remaining);
    if now == 0 || now > remaining {
        return Err(ErrorCode::PartyTooLarge);
    }
    Ok(now)
}

/// What a check-in answers: the updated roster line and how many came in now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckInResult {
    pub entry: RosterEntry,
    /// People let in by this check-in.
    pub people: u32,
    /// An offline check-in whose booking was in already (a replay, another phone): nobody
    /// more was let in (`people` is 0).
    #[serde(default)]
    pub already_in: bool,
}

impl Disclose for CheckInResult {
    fn disclosed(self, to: Disclosure) -> Self {
        CheckInResult {
            entry: self.entry.disclosed(to),
            ..self
        }
    }
}

/// How many bookings marking no-shows marked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NoShows {
    pub marked: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn organisers_belong_to_bureaus_and_lab_staff_to_labs_and_institutes() {
        use OrgKind::*;
        for bureau in [ProvinceBureau, CityBureau, CountyBureau] {
            assert!(Role::Organiser.may_belong_to(bureau));
            assert!(!Role::LabStaff.may_belong_to(bureau));
        }
        for unit in [Lab, Institute] {
            assert!(Role::LabStaff.may_belong_to(unit));
            assert!(!Role::Organiser.may_belong_to(unit));
        }
    }

    #[test]
    fn the_door_and_the_bench_open_on_the_sessions_day() {
        let at = |d: u32, h: u32, m: u32| {
            chrono::NaiveDate::from_ymd_opt(2026, 9, d)
                .unwrap()
                .and_hms_opt(h, m, 0)
                .unwrap()
        };
        let starts = at(20, 9, 30);
        assert_eq!(
            from_session_day(at(20, 0, 0), starts),
            Ok(()),
            "early that day"
        );
        assert_eq!(
            from_session_day(at(20, 18, 0), starts),
            Ok(()),
            "late that day"
        );
        assert_eq!(from_session_day(at(23, 9, 0), starts), Ok(()), "days later");
        assert_eq!(
            from_session_day(at(19, 23, 59), starts),
            Err(ErrorCode::BeforeSessionDay)
        );
        assert_eq!(
            from_session_day(at(18, 9, 30), starts),
            Err(ErrorCode::BeforeSessionDay)
        );
    }

    #[test]
    fn a_check_in_names_at_least_one_person_or_none() {
        assert_eq!(check_in_people(None), Ok(()));
        assert_eq!(check_in_people(Some(1)), Ok(()));
        let e = check_in_people(Some(0)).unwrap_err();
        assert_eq!(e.code, ErrorCode::Invalid);
        assert_eq!(e.fields["people"], FieldCode::PeopleRequired);
    }

    #[test]
    fn a_fellow_organiser_is_managed_from_above() {
        let account = |id, role, organisation_id| StaffAccount {
            id,
            username: format!("u{id}"),
            display_name: String::new(),
            role,
            organisation_id,
            disabled: false,
            must_change_password: false,
        };
        let fellow = account(2, Role::Organiser, Some(10));
        assert!(
            !fellow.managed_by(1, Some(10)),
            "a fellow of the same bureau"
        );
        assert!(fellow.managed_by(2, Some(10)), "one's own account");
        assert!(fellow.managed_by(7, Some(3)), "from the bureau above");
        assert!(fellow.managed_by(9, None), "by an organiser of everything");
        assert!(account(4, Role::LabStaff, Some(10)).managed_by(1, Some(10)));
        assert!(account(5, Role::Organiser, Some(11)).managed_by(1, Some(10)));
        assert!(account(6, Role::Organiser, None).managed_by(9, None));
    }

    #[test]
    fn another_sessions_code_is_named_only_within_its_own_organisation() {
        assert_eq!(scanned_elsewhere(Some(4), Some(4)), ErrorCode::WrongSession);
        assert_eq!(scanned_elsewhere(Some(4), Some(5)), ErrorCode::NotFound);
        assert_eq!(scanned_elsewhere(Some(4), None), ErrorCode::NotFound);
        assert_eq!(scanned_elsewhere(None, Some(4)), ErrorCode::NotFound);
    }

    #[test]
    fn a_party_can_arrive_in_parts_but_not_beyond_its_size() {
        use BookingStatus::*;
        assert_eq!(check_in(Confirmed, 3, 0, None), Ok(3));
        assert_eq!(check_in(Confirmed, 3, 0, Some(2)), Ok(2));
        assert_eq!(check_in(CheckedIn, 3, 2, None), Ok(1));
        assert_eq!(
            check_in(CheckedIn, 3, 3, None),
            Err(ErrorCode::AlreadyCheckedIn)
        );
        assert_eq!(
            check_in(CheckedIn, 3, 2, Some(2)),
            Err(ErrorCode::PartyTooLarge)
        );
        assert_eq!(
            check_in(Cancelled, 3, 0, None),
            Err(ErrorCode::AlreadyCancelled)
        );
        assert_eq!(
            check_in(Waitlisted, 3, 0, None),
            Err(ErrorCode::NotConfirmed)
        );
        // A late arrival marked as a no-show can still be let in.
        assert_eq!(check_in(NoShow, 1, 0, None), Ok(1));
    }

    #[test]
    fn a_password_is_measured_by_what_shows_and_refuses_hidden_marks() {
        // Nine characters that show, padded with invisible ones to ten or more.
        for padded in [
            "kx7-vq2mp\u{200B}",
            "\u{FEFF}kx7-vq2mp",
            "kx7\u{2060}-vq2mp\u{00AD}\u{200D}",
        ] {
            assert_eq!(
                check_password(padded, "lab"),
                Err(FieldCode::PasswordTooShort),
                "{padded:?}"
            );
        }
        // Ten that show: long enough, and spaces count.
        assert_eq!(check_password("kx7-vq2mpz", "lab"), Ok(()));
        assert_eq!(check_password("kx7 vq2 mpz", "lab"), Ok(()));
        // Line separators and bidirectional overrides are a paste gone wrong or a disguise.
        for hidden in [
            "kx7-vq2mpz-wr\u{2028}",
            "kx7-vq2\u{2029}mpz-wr",
            "kx7-vq2mpz-\u{202E}rw",
            "kx7-vq2mpz-\u{2066}wr",
            "kx7-vq2mpz-wr\u{FFFF}",
        ] {
            assert_eq!(
                check_password(hidden, "lab"),
                Err(FieldCode::TextInvalid),
                "{hidden:?}"
            );
        }
    }

    #[test]
    fn a_password_a_guesser_tries_first_is_refused_however_long() {
        for weak in [
            "aaaaaaaaaa",
            "1212121212",
            "abcabcabca",
            "1234567890",
            "0987654321",
            "9876543210",
            "qwertyuiop",
            "QWERTYUIOP",
            "asdfghjkl;",
            "zxcvbnm123",
            "1qaz2wsx3edc",
            "1q2w3e4r5t",
            "abc1234567",
            "a123456789",
            "aa12345678",
            "qq123456789",
            "password2026",
            "Password123456",
            "P@ssw0rd2026",
            "Woaini1314!",
            "5201314520",
            "admin12345",
            "labday-2026",
            "abcd1abcd1",
            "xyz.xyz.xyz.",
            "food-lab-first",
            "My Food-Lab",
            "   \u{3000}   \u{3000}   ",
            "我爱你我爱你我爱你我",
            // A hostile review's: common words, keyboard blocks, leetspeak, full width,
            // invisible characters, emoji after a word.
            "monkey123456",
            "dragon12345",
            "root12345678",
            "1314520abc",
            "qazwsxedc123",
            "zaq12wsxcde",
            "123qweasdzxc",
            "!QAZ2wsx#EDC",
            "1472583690",
            "159753852456",
            "a1b2c3d4e5f6",
            "abcabc123123",
            "p4ssw0rd123",
            "pa55w0rd123",
            "Pa$$w0rd2024",
            "iloveyou❤️❤️",
            "pass\u{200B}word123",
            "ｐａｓｓｗｏｒｄ１２３",
            "ｑｗｅｒｔｙｕｉｏｐ",
            "１２３４５６７８９０",
            "密码123456789",
            "trustno1trustno1",
            // A second review's: keyboard runs joined.
            "qwerasdfzxcv",
            "qwerasdf12",
            "1234qwerasdf",
            "1234qwerasdfzxcv",
            "qwertasdfg",
            "zaq12wsx!!",
            "zaq12wsx11",
            "zaq1xsw2cde3",
            "1qazxsw23edc",
            "qweqweqwe123",
            "abcabcabc123",
        ] {
            assert_eq!(
                check_password(weak, "food-lab"),
                Err(FieldCode::PasswordWeak),
                "{weak}"
            );
        }
        for fine in [
            "long enough!",
            "open-day-2026",
            "season-two-2026",
            "a long password",
            "not-the-password",
            "my own password 2026",
            "correct horse battery staple",
            "x7k-9p2-q4r",
            "ab84729150",
            "豫章故郡，洪都新府。",
            "first-sample-day",
        ] {
            assert_eq!(check_password(fine, "food-lab"), Ok(()), "{fine}");
        }
        // A password built on the username (looked for without case) is refused; a long
        // passphrase that happens to hold a short one is not.
        assert_eq!(
            check_password("Chief-2026-nc", "chief"),
            Err(FieldCode::PasswordWeak)
        );
        assert_eq!(check_password("labrador retriever dog", "lab"), Ok(()));
        assert_eq!(check_password("tomorrow never dies 007", "tom"), Ok(()));
        assert_eq!(check_password("my way to the lab", "my"), Ok(()));
        assert_eq!(
            check_password("liwei.rocks9X#", "li.wei"),
            Err(FieldCode::PasswordWeak)
        );
        assert_eq!(
            check_password("Kq9!ＡＢＣxyzw", "abc"),
            Err(FieldCode::PasswordWeak)
        );
        // A line break or a tab is no part of a password anyone can type at sign-in.
        for pasted in ["Kp9mQ2vL7xZ\r", "Kp9mQ2vL7xZ\n", "Kp9m\tQ2vL7xZ"] {
            assert_eq!(check_password(pasted, "x"), Err(FieldCode::TextInvalid));
        }
    }

    #[test]
    fn new_accounts_need_a_good_username_a_long_password_and_the_right_organisation() {
        let lab = NewStaffAccount {
            username: " Lab.Two ".into(),
            display_name: " ".into(),
            password: "long enough!".into(),
            role: Role::LabStaff,
            organisation_id: Some(3),
        };
        let valid = lab.validate().unwrap();
        assert_eq!(
            (valid.username.as_str(), valid.display_name.as_str()),
            ("lab.two", "lab.two")
        );
        assert!(!format!("{lab:?}{valid:?}").contains("long enough"));
        let e = NewStaffAccount {
            username: "x".into(),
            password: "short".into(),
            organisation_id: None,
            ..lab.clone()
        }
        .validate()
        .unwrap_err();
        assert_eq!(e.fields["username"], FieldCode::UsernameInvalid);
        assert_eq!(e.fields["password"], FieldCode::PasswordTooShort);
        assert_eq!(e.fields["organisation_id"], FieldCode::OrganisationRequired);
        // An organiser belongs to a bureau now (whether it is one is the server's check),
        // or to none when the creator reaches everything.
        let organiser = NewStaffAccount {
            role: Role::Organiser,
            ..lab.clone()
        };
        assert_eq!(organiser.validate().unwrap().organisation_id, Some(3));
        let at_large = NewStaffAccount {
            organisation_id: None,
            ..organiser
        };
        assert_eq!(at_large.validate().unwrap().organisation_id, None);
        let long = NewStaffAccount {
            password: "x".repeat(PASSWORD_MAX_CHARS + 1),
            ..lab
        };
        assert_eq!(
            long.validate().unwrap_err().fields["password"],
            FieldCode::PasswordTooLong
        );
        assert_eq!(check_password("long enough!", "lab.two"), Ok(()));
        let reset = PasswordReset {
            password: "secret-words".into(),
        };
        assert!(!format!("{reset:?}").contains("secret"));
    }

    fn roster_line(name: &str, phone: &str) -> RosterEntry {
        RosterEntry {
            code: "K7QM4XPB".into(),
            name: name.into(),
            phone: phone.into(),
            adults: 1,
            children: 0,
            checked_in: 0,
            status: BookingStatus::Confirmed,
            walk_in: false,
            message: None,
            masked: false,
        }
    }

    #[test]
    fn only_staff_of_the_organisation_running_a_session_see_its_holders_in_full() {
        // Lab 7 runs the session: its own staff (or a bureau's organisers when the bureau
        // runs it itself, the same rule) see holders in full.
        assert_eq!(Disclosure::of(Some(7), 7), Disclosure::Full);
        // A bureau above it, and an account of no organisation, reach it only from above.
        assert_eq!(Disclosure::of(Some(3), 7), Disclosure::Masked);
        assert_eq!(Disclosure::of(None, 7), Disclosure::Masked);

        let line = roster_line("张三丰", "13800138000");
        assert_eq!(line.clone().disclosed(Disclosure::Full), line);
        let masked = line.disclosed(Disclosure::Masked);
        assert_eq!(
            (masked.name.as_str(), masked.phone.as_str(), masked.masked),
            ("张**", "138****8000", true)
        );
        assert_eq!(masked.code, "K7QM4XPB", "the door checks in by code");
        // Masking what is masked already changes nothing.
        assert_eq!(masked.clone().disclosed(Disclosure::Masked), masked);
        // A walk-in without a phone has none to show; a stored phone that no longer reads
        // as one is not shown whole.
        let walk_in = roster_line("", "").disclosed(Disclosure::Masked);
        assert_eq!((walk_in.name.as_str(), walk_in.phone.as_str()), ("", ""));
        let odd = roster_line("Li", "12345678901").disclosed(Disclosure::Masked);
        assert_eq!((odd.name.as_str(), odd.phone.as_str()), ("L*", ""));
        let answer = CheckInResult {
            entry: roster_line("王芳", "13900139000"),
            people: 1,
            already_in: false,
        }
        .disclosed(Disclosure::Masked);
        assert_eq!(answer.entry.phone, "139****9000");
    }

    #[test]
    fn usernames_are_simple() {
        assert_eq!(parse_username(" Wang.Li ").unwrap(), "wang.li");
        assert!(parse_username("ab").is_err());
        assert!(parse_username("王力").is_err());
        assert!(parse_username("a b c").is_err());
    }

    #[test]
    fn a_password_change_must_change_the_password() {
        let change = |current: &str, password: &str| PasswordChange {
            current: current.into(),
            password: password.into(),
        };
        assert_eq!(
            change("temporary-2026", "temporary-2026").check_changed(),
            Err(FieldCode::PasswordUnchanged)
        );
        assert_eq!(
            change("temporary-2026", "my-own-one-2026").check_changed(),
            Ok(())
        );
    }
}
