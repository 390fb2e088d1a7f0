//! Staff accounts run for a season. Organisers list the accounts within their reach,
//! disable and enable them (a disabled account's sessions end at once and it cannot sign
//! in), reset a password (the holder must change it at the next sign-in) and end all of an
//! account's sessions: a fellow organiser of their own bureau is managed from the bureau
//! above. Enabling an account and resetting its password both forget its failed sign-ins,
//! so its holder signs in at once. Every staff member changes their own password. Creating
//! accounts is `staff_admin.rs`. Every write is audited by storage, with no password in the
//! log.

use crate::auth::{self, AnySignedIn, SignedIn};
use crate::client::ClientAddr;
use crate::error::{AppError, Refusal};
use crate::extract::{AppJson, AppPath, Organiser};
use crate::state::AppState;
use crate::storage::AccountChange;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use labday_domain::staff::{
    check_password, PasswordChange, PasswordReset, SessionsEnded, StaffAccount, StaffView,
};
use labday_domain::{ApiError, ErrorCode, FieldCode};

/// An account named by the path (`{id}`) and the organiser who may manage it: 401, then
/// 403 for lab staff, 404 for no such account, 403 for one outside the organiser's reach
/// (an organiser without a bureau only for one who reaches everything) and for a fellow
/// organiser of the same bureau (`StaffAccount::managed_by`: managed from above).
pub struct ManagedAccount {
    pub signed_in: SignedIn,
    pub account: StaffAccount,
}

impl FromRequestParts<AppState> for ManagedAccount {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let Organiser(signed_in) = Organiser::from_request_parts(parts, state).await?;
        let AppPath(id) = AppPath::<i64>::from_request_parts(parts, state).await?;
        let account = account_now(state, id).await?;
        match account.organisation_id {
            Some(org) => signed_in.require(org)?,
            None => signed_in.require_everything()?,
        }
        let me = &signed_in.staff;
        if !account.managed_by(me.id, me.organisation_id) {
            return Err(AppError::new(
                ErrorCode::Forbidden,
                "A fellow organiser of your bureau is managed from the bureau above it",
            ));
        }
        Ok(ManagedAccount { signed_in, account })
    }
}

/// The account as it is now; 404 for none.
async fn account_now(state: &AppState, id: i64) -> Result<StaffAccount, AppError> {
    state
        .storage
        .staff_account(id)
        .await?
        .ok_or_else(|| AppError::not_found("account"))
}

impl ManagedAccount {
    /// Makes `change` to the account in one audited transaction; how many of its sessions
    /// ended.
    async fn apply(&self, state: &AppState, change: AccountChange<'_>) -> Result<u32, AppError> {
        let (by, id) = (self.signed_in.staff.id, self.account.id);
        state
            .storage
            .change_account(by, id, change, auth::now_local())
            .await?
            .ok_or_else(|| AppError::not_found("account"))
    }

    /// 409 `own_account` when the account is the organiser's own: they neither lock
    /// themselves out nor set its password without the current one (`/staff/me/password`
    /// asks for it), so a session left open on a shared desk cannot take the account over.
    fn not_own(&self, doing: &str) -> Result<(), AppError> {
        if self.account.id == self.signed_in.staff.id {
            return Err(AppError::new(
                ErrorCode::OwnAccount,
                format!("You cannot {doing} your own account"),
            ));
        }
        Ok(())
    }

    /// [`ManagedAccount::apply`], answering with the account after the change.
    async fn change(&self, state: &AppState, change: AccountChange<'_>) -> AccountAnswer {
        self.apply(state, change).await?;
        Ok(Json(account_now(state, self.account.id).await?))
    }

    /// [`ManagedAccount::change`] that lets the holder in again (enabling the account,
    /// resetting its password): its failed sign-ins are forgotten, from every address, so a
    /// holder paused for wrong passwords (theirs, or a guesser's) signs in at once.
    async fn let_in(&self, state: &AppState, change: AccountChange<'_>) -> AccountAnswer {
        let answer = self.change(state, change).await?;
        state.throttle.forget_account(&self.account.username).await;
        Ok(answer)
    }
}

/// What an account change answers: the account after it.
type AccountAnswer = Result<Json<StaffAccount>, AppError>;

/// 422 on `field` unless `password` is 10–128 characters (10 that show), without a control
/// character, a line separator or a direction override, and not among the first a guesser
/// tries for the account `username` ([`check_password`]).
fn acceptable(field: &str, password: &str, username: &str) -> Result<(), AppError> {
    check_password(password, username).map_err(|code| {
        AppError(
            ApiError::new(ErrorCode::Invalid, "Choose another password").with_field(field, code),
        )
    })
}

/// The accounts within the organiser's reach (every account for one who reaches
/// everything), by username.
#[utoipa::path(get, path = "/api/v1/staff/accounts", responses((status = 200, body = [StaffAccount])))]
pub async fn list_accounts(
    State(state): State<AppState>,
    Organiser(signed_in): Organiser,
) -> Result<Json<Vec<StaffAccount>>, AppError> {
    let scope = signed_in.scope(None)?;
    Ok(Json(state.storage.staff_accounts(scope).await?))
}

/// Disables an account: it cannot sign in, and every session of it ends at once.
#[utoipa::path(
    post,
    path = "/api/v1/staff/accounts/{id}/disable",
    responses(
        (status = 200, body = StaffAccount),
        (status = 409, body = ApiError, description = "`own_account`: an organiser cannot disable their own account")
    )
)]
pub async fn disable_account(
    State(state): State<AppState>,
    managed: ManagedAccount,
) -> AccountAnswer {
    managed.not_own("disable")?;
    managed.change(&state, AccountChange::Disable).await
}

/// Enables a disabled account again, and forgets its failed sign-ins: its holder signs in at
/// once.
#[utoipa::path(
    post,
    path = "/api/v1/staff/accounts/{id}/enable",
    responses((status = 200, body = StaffAccount, description = "Enabled; the account's failed sign-ins are forgotten, so its holder is not refused with 429"))
)]
pub async fn enable_account(
    State(state): State<AppState>,
    managed: ManagedAccount,
) -> AccountAnswer {
    managed.let_in(&state, AccountChange::Enable).await
}

/// Sets a new password for an account, ends its sessions and forgets its failed sign-ins;
/// the holder signs in with it at once and must choose another then.
#[utoipa::path(
    post,
    path = "/api/v1/staff/accounts/{id}/password",
    request_body = PasswordReset,
    responses(
        (status = 200, body = StaffAccount, description = "Reset; the account's failed sign-ins are forgotten, so its holder is not refused with 429"),
        (status = 409, body = ApiError, description = "`own_account`: an organiser changes their own password with the current one (`PUT /api/v1/staff/me/password`), not here"),
        (status = 422, body = ApiError, description = "`password`: `password_too_short`, `password_too_long`, `text_invalid` (a control character such as a tab or a line break, a line separator, a direction override), or `password_weak` (repeated or consecutive characters, a well-known password, or one built on the username)")
    )
)]
pub async fn reset_password(
    State(state): State<AppState>,
    managed: ManagedAccount,
    AppJson(reset): AppJson<PasswordReset>,
) -> AccountAnswer {
    managed.not_own("reset the password of")?;
    acceptable("password", &reset.password, &managed.account.username)?;
    let hash = auth::hash_off_thread(reset.password).await?;
    managed
        .let_in(&state, AccountChange::ResetPassword(&hash))
        .await
}

/// Ends every sign-in session of an account (its holder must sign in again).
#[utoipa::path(post, path = "/api/v1/staff/accounts/{id}/sign-out", responses((status = 200, body = SessionsEnded)))]
pub async fn end_sessions(
    State(state): State<AppState>,
    managed: ManagedAccount,
) -> Result<Json<SessionsEnded>, AppError> {
    let ended = managed.apply(&state, AccountChange::EndSessions).await?;
    Ok(Json(SessionsEnded { ended }))
}

/// Changes the signed-in staff member's own password (also while a reset one waits to be
/// changed): a wrong current password is 422 with `current` → `password_wrong`, counted as
/// a failed sign-in from this address (`Throttle::password`); a new password equal to the
/// current one is 422 with `password` → `password_unchanged` (a reset password must really
/// change). Every other session of the account ends; this one stays.
#[utoipa::path(
    put,
    path = "/api/v1/staff/me/password",
    request_body = PasswordChange,
    responses(
        (status = 200, body = StaffView),
        (status = 422, body = ApiError, description = "`current` → `password_wrong`; `password` too short, too long, `text_invalid` or `password_weak`, or `password_unchanged` when it is the current password (after a right `current`), and nothing changes"),
        (status = 401, body = ApiError, description = "`unauthorized`: not signed in, or an organiser reset the password (or the session ended) while the change was checked: nothing changed"),
        (status = 429, body = ApiError, description = "Too many wrong passwords, counted as failed sign-ins (for this account from this address, from this address, or for this account over all addresses); `Retry-After` says when to try again")
    )
)]
pub async fn change_own_password(
    State(state): State<AppState>,
    client: ClientAddr,
    AnySignedIn(signed_in): AnySignedIn,
    AppJson(change): AppJson<PasswordChange>,
) -> Result<Json<StaffView>, Refusal> {
    acceptable("password", &change.password, &signed_in.staff.username)?;
    let changed = change.check_changed();
    let staff = signed_in.staff;
    let attempt = state
        .throttle
        .password(
            &staff.username,
            &client,
            "Too many wrong passwords; wait a while before trying again",
        )
        .await?;
    let hash = state
        .storage
        .staff_credentials(&staff.username)
        .await?
        .map(|c| c.password_hash);
    let verified = hash.clone().unwrap_or_default();
    if !state.passwords.verify(change.current, hash).await {
        attempt.failed();
        return Err(AppError(
            ApiError::new(ErrorCode::Invalid, "The current password is not right")
                .with_field("current", FieldCode::PasswordWrong),
        )
        .into());
    }
    attempt.succeeded().await;
    // Only once the current password is known right: then equal means "the same password".
    changed.map_err(|code| {
        AppError(
            ApiError::new(
                ErrorCode::Invalid,
                "Choose a password other than the current one",
            )
            .with_field("password", code),
        )
    })?;
    let hash = auth::hash_off_thread(change.password).await?;
    let changed = state
        .storage
        .change_own_password(staff.id, (&verified, &hash), &signed_in.token_digest)
        .await?;
    if !changed {
        // An organiser reset the password, or this session ended, while it was checked.
        let ended = "The password changed or this sign-in ended meanwhile; sign in again";
        return Err(AppError::new(ErrorCode::Unauthorized, ended).into());
    }
    Ok(Json(StaffView {
        must_change_password: false,
        ..staff
    }))
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/accounts", get(list_accounts))
        .route("/staff/accounts/{id}/disable", post(disable_account))
        .route("/staff/accounts/{id}/enable", post(enable_account))
        .route("/staff/accounts/{id}/password", post(reset_password))
        .route("/staff/accounts/{id}/sign-out", post(end_sessions))
        .route("/staff/me/password", put(change_own_password))
}
