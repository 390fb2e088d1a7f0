//! The console's own calls to the staff API (scheduling, accounts, audit log, media and
//! photos), written on `crate::http` like the citizen app's `crate::api`. They live in the
//! staff module so the citizen bundles never link them.

use crate::http::{delete, get, href, post, post_action, post_file, put, put_if_at};
use labday_domain::booking::MoveBooking;
use labday_domain::media::{MediaDraft, MediaItem};
use labday_domain::organisation::{OrganisationDetails, OrganisationDraft};
use labday_domain::photo::{PhotoEdit, PhotoItem};
use labday_domain::report::QualityReport;
use labday_domain::sample::SampleView;
use labday_domain::schedule::{
    ActivityDraft, CancelledSession, CreatedActivity, OrganisationChoice, ScheduledActivity,
    SessionChanged, SessionDraft,
};
use labday_domain::staff::{
    AuditEntry, CheckIn, CheckInResult, NewStaffAccount, PasswordChange, PasswordReset,
    SessionsEnded, StaffAccount, StaffView,
};
use labday_domain::walk_in::{WalkIn, WalkInResult, WalkInSamples};
use labday_domain::{ApiError, BookingView, SessionView};

/// Sends a check-in a desk made without network `at` (on the session's venue clock): the
/// whole party; one already in answers `already_in`, so sending it again is harmless.
pub async fn check_in_offline(
    session_id: i64,
    code: &str,
    at: chrono::NaiveDateTime,
) -> Result<CheckInResult, ApiError> {
    let body = CheckIn {
        session_id,
        code: code.into(),
        people: None,
        offline_at: Some(at),
    };
    crate::http::post_at_door("/staff/check-in", &body).await
}

/// Every activity in this account's scope with all its sessions and their counts.
pub async fn scheduled_activities() -> Result<Vec<ScheduledActivity>, ApiError> {
    get("/staff/activities").await
}

pub async fn organisations() -> Result<Vec<OrganisationChoice>, ApiError> {
    get("/staff/organisations").await
}

pub async fn create_activity(draft: &ActivityDraft) -> Result<CreatedActivity, ApiError> {
    post("/staff/activities", draft, None).await
}

/// Saves an activity's details over `revision`, the one the console showed: refused with
/// `edited_meanwhile` if someone saved it since.
pub async fn update_activity(
    id: i64,
    revision: u32,
    draft: &ActivityDraft,
) -> Result<CreatedActivity, ApiError> {
    put_if_at(&format!("/staff/activities/{id}"), draft, revision).await
}

pub async fn create_session(
    activity_id: i64,
    draft: &SessionDraft,
) -> Result<SessionView, ApiError> {
    post(
        &format!("/staff/activities/{activity_id}/sessions"),
        draft,
        None,
    )
    .await
}

/// Saves a session's details over `revision`, the one the console showed: refused with
/// `edited_meanwhile` if someone saved it since.
pub async fn update_session(
    id: i64,
    revision: u32,
    draft: &SessionDraft,
) -> Result<SessionChanged, ApiError> {
    put_if_at(&format!("/staff/sessions/{id}"), draft, revision).await
}

pub async fn cancel_session(id: i64) -> Result<CancelledSession, ApiError> {
    post_action(&format!("/staff/sessions/{id}/cancel")).await
}

/// Moves a holder from the roster's session to another session of the same activity.
pub async fn move_booking(request: &MoveBooking) -> Result<BookingView, ApiError> {
    post("/staff/bookings/move", request, None).await
}

/// Books a walk-in at the session's door, checked in at once; the same request again with
/// the same `key` books nothing more.
pub async fn book_walk_in(
    session_id: i64,
    walk_in: &WalkIn,
    key: &str,
) -> Result<WalkInResult, ApiError> {
    post(
        &format!("/staff/sessions/{session_id}/walk-ins"),
        walk_in,
        Some(key),
    )
    .await
}

/// Registers a walk-in's vegetables at the session's bench, received at once; the same
/// request again with the same `key` registers nothing more.
pub async fn register_walk_in_samples(
    session_id: i64,
    samples: &WalkInSamples,
    key: &str,
) -> Result<Vec<SampleView>, ApiError> {
    let path = format!("/staff/sessions/{session_id}/walk-in-samples");
    post(&path, samples, Some(key)).await
}

pub async fn create_account(account: &NewStaffAccount) -> Result<StaffView, ApiError> {
    post("/staff/accounts", account, None).await
}

pub async fn organisation(id: i64) -> Result<OrganisationDetails, ApiError> {
    get(&format!("/staff/organisations/{id}")).await
}

pub async fn create_organisation(
    draft: &OrganisationDraft,
) -> Result<OrganisationDetails, ApiError> {
    post("/staff/organisations", draft, None).await
}

pub async fn update_organisation(
    id: i64,
    draft: &OrganisationDraft,
) -> Result<OrganisationDetails, ApiError> {
    put(&format!("/staff/organisations/{id}"), draft).await
}

/// The accounts within the organiser's reach.
pub async fn accounts() -> Result<Vec<StaffAccount>, ApiError> {
    get("/staff/accounts").await
}

/// `disable` or `enable` an account; the account after it.
pub async fn switch_account(id: i64, action: &str) -> Result<StaffAccount, ApiError> {
    post_action(&format!("/staff/accounts/{id}/{action}")).await
}

pub async fn reset_password(id: i64, reset: &PasswordReset) -> Result<StaffAccount, ApiError> {
    post(&format!("/staff/accounts/{id}/password"), reset, None).await
}

pub async fn end_sessions(id: i64) -> Result<SessionsEnded, ApiError> {
    post_action(&format!("/staff/accounts/{id}/sign-out")).await
}

pub async fn change_own_password(change: &PasswordChange) -> Result<StaffView, ApiError> {
    put("/staff/me/password", change).await
}

pub async fn audit_log(limit: u32) -> Result<Vec<AuditEntry>, ApiError> {
    get(&format!("/staff/audit?limit={limit}")).await
}

pub async fn add_media(draft: &MediaDraft) -> Result<MediaItem, ApiError> {
    post("/staff/media", draft, None).await
}

pub async fn update_media(id: i64, draft: &MediaDraft) -> Result<MediaItem, ApiError> {
    put(&format!("/staff/media/{id}"), draft).await
}

pub async fn delete_media(id: i64) -> Result<(), ApiError> {
    delete(&format!("/staff/media/{id}")).await
}

pub async fn update_photo(id: i64, edit: &PhotoEdit) -> Result<PhotoItem, ApiError> {
    put(&format!("/staff/photos/{id}"), edit).await
}

pub async fn delete_photo(id: i64) -> Result<(), ApiError> {
    delete(&format!("/staff/photos/{id}")).await
}

/// The Quality Month report of this account's reach, rolled up the organisation tree.
pub async fn quality_report() -> Result<QualityReport, ApiError> {
    get("/staff/report").await
}

/// The same report as a Word document, to download.
pub fn report_docx_href() -> String {
    href("/staff/report.docx")
}

pub async fn media() -> Result<Vec<MediaItem>, ApiError> {
    get("/staff/media").await
}

pub async fn photos() -> Result<Vec<PhotoItem>, ApiError> {
    get("/staff/photos").await
}

/// Uploads the chosen file as it is; the server reads its type from its first bytes.
pub async fn upload_photo(
    activity_id: i64,
    caption: &str,
    file: web_sys::File,
) -> Result<PhotoItem, ApiError> {
    let path = format!(
        "/staff/photos?activity_id={activity_id}&caption={}",
        js_sys::encode_uri_component(caption)
    );
    post_file(&path, file).await
}

/// Where a photo's image is served (staff only; the browser sends the session cookie).
pub fn photo_src(id: i64) -> String {
    href(&format!("/staff/photos/{id}"))
}
