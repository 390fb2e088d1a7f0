//! The console's own calls to the staff API (scheduling, accounts, audit log, media and
//! photos). They live in the staff bundle so the citizen app never carries them; the shared
//! plumbing (error decoding, the base path) is `crate::api`'s.

use crate::api::{answer, network, BASE};
use gloo_net::http::Request;
use labday_domain::media::{MediaDraft, MediaItem};
use labday_domain::photo::PhotoItem;
use labday_domain::schedule::{
    ActivityDraft, CancelledSession, CreatedActivity, OrganisationChoice, ScheduledActivity,
    SessionChanged, SessionDraft,
};
use labday_domain::staff::{AuditEntry, NewStaffAccount, StaffView};
use labday_domain::{ApiError, ErrorCode, SessionView};
use serde::de::DeserializeOwned;
use serde::Serialize;

async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    let response = Request::get(&format!("{BASE}{path}"))
        .send()
        .await
        .map_err(network)?;
    answer(response).await
}

async fn send<B: Serialize, T: DeserializeOwned>(
    method: &str,
    path: &str,
    body: &B,
) -> Result<T, ApiError> {
    let url = format!("{BASE}{path}");
    let builder = if method == "PUT" {
        Request::put(&url)
    } else {
        Request::post(&url)
    };
    let request = builder
        .json(body)
        .map_err(|_| ApiError::new(ErrorCode::BadRequest, "Could not encode the request"))?;
    answer(request.send().await.map_err(network)?).await
}

/// Every activity in this account's scope with all its sessions and their counts.
pub async fn scheduled_activities() -> Result<Vec<ScheduledActivity>, ApiError> {
    get("/staff/activities").await
}

pub async fn organisations() -> Result<Vec<OrganisationChoice>, ApiError> {
    get("/staff/organisations").await
}

pub async fn create_activity(draft: &ActivityDraft) -> Result<CreatedActivity, ApiError> {
    send("POST", "/staff/activities", draft).await
}

pub async fn update_activity(id: i64, draft: &ActivityDraft) -> Result<CreatedActivity, ApiError> {
    send("PUT", &format!("/staff/activities/{id}"), draft).await
}

pub async fn create_session(
    activity_id: i64,
    draft: &SessionDraft,
) -> Result<SessionView, ApiError> {
    send(
        "POST",
        &format!("/staff/activities/{activity_id}/sessions"),
        draft,
    )
    .await
}

pub async fn update_session(id: i64, draft: &SessionDraft) -> Result<SessionChanged, ApiError> {
    send("PUT", &format!("/staff/sessions/{id}"), draft).await
}

pub async fn cancel_session(id: i64) -> Result<CancelledSession, ApiError> {
    send(
        "POST",
        &format!("/staff/sessions/{id}/cancel"),
        &serde_json::json!({}),
    )
    .await
}

pub async fn create_account(account: &NewStaffAccount) -> Result<StaffView, ApiError> {
    send("POST", "/staff/accounts", account).await
}

pub async fn audit_log(limit: u32) -> Result<Vec<AuditEntry>, ApiError> {
    get(&format!("/staff/audit?limit={limit}")).await
}

pub async fn add_media(draft: &MediaDraft) -> Result<MediaItem, ApiError> {
    send("POST", "/staff/media", draft).await
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
    let url = format!(
        "{BASE}/staff/photos?activity_id={activity_id}&caption={}",
        js_sys::encode_uri_component(caption)
    );
    let request = Request::post(&url)
        .header("Content-Type", "application/octet-stream")
        .body(file)
        .map_err(|_| ApiError::new(ErrorCode::BadRequest, "Could not read the file"))?;
    answer(request.send().await.map_err(network)?).await
}

/// Where a photo's image is served (staff only; the browser sends the session cookie).
pub fn photo_src(id: i64) -> String {
    format!("{BASE}/staff/photos/{id}")
}
