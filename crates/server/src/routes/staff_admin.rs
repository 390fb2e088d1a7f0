//! What only organisers do: create staff accounts in the console and read the audit log
//! (of the staff within their reach). Lab staff get 403.

use crate::auth;
use crate::error::AppError;
use crate::extract::{AppJson, AppQuery, Organiser};
use crate::state::AppState;
use crate::storage::staff::{NewStaff, StaffAdded};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use labday_domain::staff::{fellow_organiser, AuditEntry, NewStaffAccount, StaffView};
use labday_domain::{ApiError, ErrorCode, FieldCode};
use serde::Deserialize;

/// Creates a staff account: an organiser of a bureau within the creator's reach (of no
/// bureau, reaching everything, only when the creator reaches everything), or lab staff of
/// one organisation within it.
#[utoipa::path(
    post,
    path = "/api/v1/staff/accounts",
    request_body = NewStaffAccount,
    responses(
        (status = 201, body = StaffView),
        (status = 403, body = ApiError, description = "Only organisers create accounts, within their reach"),
        (status = 409, body = ApiError, description = "`username_taken`"),
        (status = 422, body = ApiError, description = "Field errors; `organisation_id`: `organisation_unknown`, `kind_not_allowed` when the role does not fit the organisation's kind (an organiser belongs to a bureau, lab staff to a lab or institute), checked again as the account is stored, or `fellow_organiser` for an organiser of the creator's own bureau (made, as it is managed, from the bureau above)")
    )
)]
pub async fn create_account(
    State(state): State<AppState>,
    Organiser(signed_in): Organiser,
    AppJson(request): AppJson<NewStaffAccount>,
) -> Result<(StatusCode, Json<StaffView>), AppError> {
    let account = request.validate()?;
    match account.organisation_id {
        Some(org) => {
            let Some(found) = state.storage.organisation(org).await? else {
                return Err(invalid_organisation(
                    FieldCode::OrganisationUnknown,
                    "No such organisation",
                ));
            };
            signed_in.require(org)?;
            if !account.role.may_belong_to(found.draft.kind) {
                return Err(kind_not_allowed());
            }
            let manager = signed_in.staff.organisation_id;
            if fellow_organiser(account.role, Some(org), manager) {
                return Err(invalid_organisation(
                    FieldCode::FellowOrganiser,
                    "Another organiser of your own bureau is created by the bureau above",
                ));
            }
        }
        None => signed_in.require_everything()?,
    }
    let password_hash = auth::hash_off_thread(account.password.clone()).await?;
    let staff = NewStaff {
        username: account.username.clone(),
        display_name: account.display_name.clone(),
        password_hash,
        role: account.role,
        organisation_id: account.organisation_id,
        // The organiser typed it: the holder chooses their own at the first sign-in.
        must_change_password: true,
    };
    let now = auth::now_local();
    // The kind is checked again as the account goes in: it may have changed while the
    // password was hashed.
    let by = Some(signed_in.staff.id);
    let id = match state.storage.add_staff_by(staff, now, by).await? {
        StaffAdded::Added(id) => id,
        StaffAdded::UsernameTaken => {
            return Err(AppError::new(
                ErrorCode::UsernameTaken,
                "That username is taken",
            ))
        }
        StaffAdded::KindNotAllowed => return Err(kind_not_allowed()),
    };
    Ok((
        StatusCode::CREATED,
        Json(StaffView {
            id,
            username: account.username,
            display_name: account.display_name,
            role: account.role,
            organisation_id: account.organisation_id,
            must_change_password: true,
        }),
    ))
}

/// The account's role does not fit its organisation's kind (`organisation_id` →
/// `kind_not_allowed`).
fn kind_not_allowed() -> AppError {
    invalid_organisation(
        FieldCode::KindNotAllowed,
        "An organiser belongs to a bureau, lab staff to a lab or institute",
    )
}

fn invalid_organisation(code: FieldCode, message: &str) -> AppError {
    AppError(ApiError::new(ErrorCode::Invalid, message).with_field("organisation_id", code))
}

/// Most audit entries one request returns.
pub const AUDIT_MAX: u32 = 1000;

/// How much of the audit log.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Newest entries to return (default 200, at most 1000).
    pub limit: Option<u32>,
}

/// The audit log, newest first: every staff write, and sign-ins and roster exports, by the
/// staff accounts within the organiser's reach (by every account, those of no organisation
/// too, for one who reaches everything). An organiser of a bureau does not see what an
/// account of no organisation did: such an account acts for every organisation.
#[utoipa::path(
    get,
    path = "/api/v1/staff/audit",
    params(AuditQuery),
    responses(
        (status = 200, body = [AuditEntry], description = "Entries by staff within the organiser's reach"),
        (status = 403, body = ApiError, description = "Only organisers read the audit log")
    )
)]
pub async fn audit_log(
    State(state): State<AppState>,
    Organiser(signed_in): Organiser,
    AppQuery(query): AppQuery<AuditQuery>,
) -> Result<Json<Vec<AuditEntry>>, AppError> {
    let limit = query.limit.unwrap_or(200).clamp(1, AUDIT_MAX);
    let scope = signed_in.scope(None)?;
    Ok(Json(state.storage.audit_entries(scope, limit).await?))
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/accounts", post(create_account))
        .route("/staff/audit", get(audit_log))
}
