//! Staff authentication: argon2 password hashes, random session tokens kept only as SHA-256
//! digests, an HttpOnly SameSite=Strict cookie, and slowing down repeated failed sign-ins.
//! Staff writes are CSRF-safe: the cookie is never sent cross-site, and every write must be
//! JSON (a cross-site form cannot send that without a CORS preflight we do not grant).

use crate::error::AppError;
use crate::headers::list_items;
use crate::state::AppState;
use argon2::password_hash::{
    rand_core::OsRng, Output, ParamsString, PasswordHash, PasswordHasher, PasswordVerifier,
    SaltString,
};
use argon2::Argon2;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use chrono::{Duration, NaiveDateTime, Utc};
use labday_domain::organisation::Reach;
use labday_domain::staff::{Disclosure, Role, StaffView};
use labday_domain::time::{venue_local, SHANGHAI_OFFSET_MINUTES};
use labday_domain::ErrorCode;
use rand::RngCore;
use sha2::{Digest, Sha256};

pub const COOKIE: &str = "labday_staff";
/// How long a staff session lasts without signing in again.
pub const SESSION_HOURS: i64 = 12;

pub fn hash_password(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// [`hash_password`] on a blocking thread, as handlers hash (argon2 holds a core for a
/// while); a failure is the server's, logged and answered 500.
pub async fn hash_off_thread(password: String) -> Result<String, AppError> {
    let hashed = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(crate::storage::StorageError::new)?;
    Ok(hashed.map_err(crate::storage::StorageError::new)?)
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash in the form and with the cost of [`hash_password`]'s, of no password: a random
/// salt and a random output. Checking a password against it costs what checking a real
/// hash costs, and never matches.
fn stand_in_hash() -> Result<String, String> {
    let argon2 = Argon2::default();
    let params = argon2.params();
    let salt = SaltString::generate(&mut OsRng);
    let mut output = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut output);
    let output = Output::new(&output).map_err(|e| e.to_string())?;
    Ok(format!(
        "${}$v={}${}${}${output}",
        argon2::Algorithm::default(),
        u32::from(argon2::Version::default()),
        ParamsString::try_from(params).map_err(|e| e.to_string())?,
        salt.as_str(),
    ))
}

/// Password checks for sign-in. Each argon2 check holds 19 MiB and a core for a while, so
/// at most `parallelism` run at once and the rest wait their turn; a username with no
/// account is checked against a stand-in hash, so it takes as long as one with an account.
pub struct PasswordChecks {
    permits: tokio::sync::Semaphore,
    stand_in: String,
}

impl PasswordChecks {
    pub fn new(parallelism: usize) -> Result<PasswordChecks, String> {
        Ok(PasswordChecks {
            permits: tokio::sync::Semaphore::new(parallelism.max(1)),
            stand_in: stand_in_hash()?,
        })
    }

    /// Whether `password` matches `hash`, the account's hash (`None`: no such account,
    /// which never matches but costs the same).
    pub async fn verify(&self, password: String, hash: Option<String>) -> bool {
        let Ok(_permit) = self.permits.acquire().await else {
            return false;
        };
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| self.stand_in.clone());
        let matched = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
            .await
            .unwrap_or(false);
        matched && known
    }
}

/// A fresh session token (what the cookie holds) and its digest (what the database holds).
pub fn new_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let digest = token_digest(&token);
    (token, digest)
}

pub fn token_digest(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Now in China Standard Time: the clock of staff records that belong to no one venue
/// (sign-ins, accounts, organisations). A rule about a session or an activity reads its
/// venue's clock instead ([`crate::venue_clock`]).
pub fn now_local() -> NaiveDateTime {
    venue_local(Utc::now(), SHANGHAI_OFFSET_MINUTES)
}

pub fn session_expiry() -> NaiveDateTime {
    now_local() + Duration::hours(SESSION_HOURS)
}

/// The `Set-Cookie` value for a new session (`Secure` when served over https).
pub fn session_cookie(token: &str, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
        SESSION_HOURS * 3600
    )
}

pub fn clear_cookie(secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}")
}

/// Whether the request reached us over https, as a proxy says: the last `X-Forwarded-Proto`
/// (the nearest proxy's), or the `proto=` the nearest proxy put last in the standard
/// `Forwarded` header; both reach
/// handlers only from a peer in `--trusted-proxies` (`client::resolve` removes them
/// otherwise).
pub fn is_https(headers: &HeaderMap) -> bool {
    // Of several (on one line or on several), the last: the nearest proxy's.
    let proto = match crate::headers::list_items(headers, "x-forwarded-proto", ',').last() {
        Some(value) => Some(value),
        None => crate::client::forwarded_param(headers, "proto")
            .last()
            .flatten(),
    };
    proto.is_some_and(|p| p.eq_ignore_ascii_case("https"))
}

fn cookie_token(headers: &HeaderMap) -> Option<String> {
    list_items(headers, header::COOKIE, ';')
        .find_map(|pair| {
            pair.strip_prefix(COOKIE)
                .and_then(|rest| rest.strip_prefix('='))
        })
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

/// The signed-in staff member of a request, with the organisations they act for: 401
/// without a valid session (or for a disabled account), 403 `password_change_required`
/// while a reset password waits to be changed (see [`AnySignedIn`] for the routes that
/// answer anyway).
pub struct SignedIn {
    pub staff: StaffView,
    pub token_digest: String,
    pub reach: Reach,
}

impl SignedIn {
    /// 403 unless this account may act for `organisation_id` (it is within the reach).
    pub fn require(&self, organisation_id: i64) -> Result<(), AppError> {
        if self.reach.contains(organisation_id) {
            Ok(())
        } else {
            Err(AppError::new(
                ErrorCode::Forbidden,
                "This belongs to another organisation",
            ))
        }
    }

    /// [`SignedIn::require`] for the organisation a form names, where none named (0) is let
    /// through: the form's own check then says one is required, beside its other fields,
    /// rather than a 403 for a choice not yet made.
    pub fn require_named(&self, organisation_id: i64) -> Result<(), AppError> {
        match organisation_id {
            0 => Ok(()),
            id => self.require(id),
        }
    }

    /// How much of the holders' names and phones of something `organisation_id` runs this
    /// account is shown: in full only when it belongs to that organisation itself, masked
    /// when it reaches it from above.
    pub fn disclosure(&self, organisation_id: i64) -> Disclosure {
        Disclosure::of(self.staff.organisation_id, organisation_id)
    }

    /// 403 unless this account reaches every organisation (an organiser without a bureau).
    pub fn require_everything(&self) -> Result<(), AppError> {
        if self.reach == Reach::Everything {
            Ok(())
        } else {
            Err(AppError::new(
                ErrorCode::Forbidden,
                "Only an organiser of every organisation may do this",
            ))
        }
    }
}

impl SignedIn {
    /// 403 unless this account is an organiser.
    pub fn require_organiser(&self) -> Result<(), AppError> {
        if self.staff.role == Role::Organiser {
            Ok(())
        } else {
            Err(AppError::new(
                ErrorCode::Forbidden,
                "Only organisers may do this",
            ))
        }
    }

    /// The organisation whose data (with everything under it) this account may see: its own
    /// for lab staff; for organisers `asked` when it is within their reach (403 otherwise),
    /// else their bureau (everything when they have none). 403 when lab staff ask for
    /// another.
    pub fn scope(&self, asked: Option<i64>) -> Result<Option<i64>, AppError> {
        match (self.staff.role, asked) {
            (_, Some(org)) => self.require(org).map(|()| Some(org)),
            (Role::Organiser, None) => Ok(self.staff.organisation_id),
            // A lab-staff account without a lab sees nothing rather than everything.
            (Role::LabStaff, None) => Ok(Some(self.staff.organisation_id.unwrap_or(-1))),
        }
    }
}

/// What an account acts for: an organiser their bureau and everything under it (everything
/// without a bureau), lab staff their one organisation (nothing without one).
async fn load_reach(state: &AppState, staff: &StaffView) -> Result<Reach, AppError> {
    Ok(match (staff.role, staff.organisation_id) {
        (Role::Organiser, Some(bureau)) => Reach::only(state.storage.reach(bureau).await?),
        (Role::Organiser, None) => Reach::Everything,
        (Role::LabStaff, own) => Reach::only(own.into_iter().collect()),
    })
}

/// A signed-in staff member whose reset password may still wait to be changed: only who
/// is signed in (`me`), changing the password and signing out take this.
pub struct AnySignedIn(pub SignedIn);

impl FromRequestParts<AppState> for AnySignedIn {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let unauthorized = || AppError::new(ErrorCode::Unauthorized, "Sign in as staff first");
        let token = cookie_token(&parts.headers).ok_or_else(unauthorized)?;
        let digest = token_digest(&token);
        let staff = state
            .storage
            .staff_by_session(&digest, now_local())
            .await?
            .ok_or_else(unauthorized)?;
        let reach = load_reach(state, &staff).await?;
        Ok(AnySignedIn(SignedIn {
            staff,
            token_digest: digest,
            reach,
        }))
    }
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let AnySignedIn(signed_in) = AnySignedIn::from_request_parts(parts, state).await?;
        if signed_in.staff.must_change_password {
            return Err(AppError::new(
                ErrorCode::PasswordChangeRequired,
                "Choose a new password first",
            ));
        }
        Ok(signed_in)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_against_their_own_hash() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2"));
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("correct horse batterY", &hash));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn the_stand_in_hash_costs_what_a_real_one_does() {
        let real = hash_password("correct horse battery").unwrap();
        let stand_in = stand_in_hash().unwrap();
        let (real, parsed) = (
            PasswordHash::new(&real).unwrap(),
            PasswordHash::new(&stand_in).unwrap(),
        );
        assert_eq!(parsed.algorithm, real.algorithm);
        assert_eq!(parsed.version, real.version);
        assert_eq!(parsed.params, real.params, "same memory, time and lanes");
        assert_eq!(parsed.hash.map(|h| h.len()), real.hash.map(|h| h.len()));
        assert_ne!(stand_in_hash().unwrap(), stand_in, "random per start");
    }

    #[tokio::test]
    async fn an_unknown_account_never_matches() {
        let checks = PasswordChecks::new(1).unwrap();
        let hash = hash_password("pw-1234567").unwrap();
        assert!(checks.verify("pw-1234567".into(), Some(hash)).await);
        assert!(!checks.verify("pw-1234567".into(), None).await);
    }

    fn signed_in(role: Role, organisation_id: Option<i64>, reach: Reach) -> SignedIn {
        SignedIn {
            staff: StaffView {
                id: 1,
                username: "someone".into(),
                display_name: "".into(),
                role,
                organisation_id,
                must_change_password: false,
            },
            token_digest: String::new(),
            reach,
        }
    }

    #[test]
    fn lab_staff_act_only_for_their_own_lab() {
        let staff = signed_in(Role::LabStaff, Some(7), Reach::only(vec![7]));
        assert!(staff.require(7).is_ok());
        assert!(staff.require(8).is_err());
        assert_eq!(staff.scope(None).unwrap(), Some(7));
        assert!(staff.scope(Some(8)).is_err());
        let nowhere = signed_in(Role::LabStaff, None, Reach::only(vec![]));
        assert_eq!(nowhere.scope(None).unwrap(), Some(-1));
        let organiser = signed_in(Role::Organiser, None, Reach::Everything);
        assert!(organiser.require(8).is_ok());
        assert!(organiser.require_everything().is_ok());
        assert_eq!(organiser.scope(None).unwrap(), None);
        assert_eq!(organiser.scope(Some(8)).unwrap(), Some(8));
    }

    #[test]
    fn a_bureau_organiser_acts_within_its_subtree_only() {
        let county = signed_in(Role::Organiser, Some(4), Reach::only(vec![9, 4, 12]));
        assert!(county.require(12).is_ok() && county.require(4).is_ok());
        assert!(county.require(5).is_err());
        assert!(county.require_everything().is_err());
        assert_eq!(county.scope(None).unwrap(), Some(4));
        assert_eq!(county.scope(Some(9)).unwrap(), Some(9));
        assert!(county.scope(Some(5)).is_err());
    }

    #[test]
    fn the_cookie_is_http_only_strict_and_secure_over_https() {
        let c = session_cookie("abc", true);
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Strict") && c.contains("Secure"));
        assert!(!session_cookie("abc", false).contains("Secure"));
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            "a=1; labday_staff=tok123; b=2".parse().unwrap(),
        );
        assert_eq!(cookie_token(&headers).as_deref(), Some("tok123"));
    }

    #[test]
    fn a_proxy_says_https_in_either_header() {
        let said = |name: &str, value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(
                header::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                value.parse().unwrap(),
            );
            is_https(&headers)
        };
        assert!(said("x-forwarded-proto", "HTTPS"));
        assert!(!said("x-forwarded-proto", "http"));
        assert!(said("forwarded", "for=203.0.113.9;proto=https"));
        // The nearest proxy's element is the last; one the client sent first decides nothing.
        assert!(!said(
            "forwarded",
            "proto=https, for=203.0.113.9;proto=http"
        ));
        assert!(!said("forwarded", "for=203.0.113.9"));
        assert!(!said("forwarded", "for=1.2.3.4;proto=https, for=5.6.7.8"));
        assert!(!said("forwarded", "for=\"1.2.3.4;proto=https\""));
        assert!(!said("forwarded", "for=1.2.3.4;proto=https;proto=http"));
        assert!(said("forwarded", "for=1.2.3.4;proto=\"https\""));
        assert!(!said("forwarded", "for=1.2.3.4;proto=https;for=1.1.1.1"));
        assert!(!said("x-forwarded-proto", "https, http"));
        let mut two_lines = HeaderMap::new();
        two_lines.append("x-forwarded-proto", "https".parse().unwrap());
        two_lines.append("x-forwarded-proto", "http".parse().unwrap());
        assert!(
            !is_https(&two_lines),
            "the proxy's own line, the last, says http"
        );
        assert!(!is_https(&HeaderMap::new()));
    }
}
