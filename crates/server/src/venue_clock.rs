//! The venue's wall clock. Session times are stored as the venue's wall-clock time, each
//! organisation saying how far east of UTC its venues are (`utc_offset_minutes`), so a staff
//! rule that compares a session's times with now (no-shows only after the end, walk-ins
//! from the session's day until its end, a new session not in the past, an offline check-in
//! not in the future, a vegetable not bought tomorrow, at the bench or by its holder) reads the clock of the venue the
//! session or activity belongs to, as the citizen's booking window does. Records that belong
//! to no venue (staff sign-ins) keep [`crate::auth::now_local`].

use crate::error::{AppError, OrNotFound};
use crate::state::AppState;
use chrono::{NaiveDateTime, Utc};
use labday_domain::time::{venue_local, SHANGHAI_OFFSET_MINUTES};

/// Now, on the wall clock of the venue holding session `id`.
pub async fn at_session(state: &AppState, id: i64) -> Result<NaiveDateTime, AppError> {
    let now = Utc::now();
    let session = state
        .storage
        .session(id, now)
        .await?
        .or_not_found("session")?;
    Ok(venue_local(now, session.utc_offset_minutes))
}

/// [`at_session`] for a citizen's write, which refuses a missing session itself (after its
/// fields are checked): without session `id`, China's clock.
pub async fn at_session_or_china(state: &AppState, id: i64) -> Result<NaiveDateTime, AppError> {
    let now = Utc::now();
    let session = state.storage.session(id, now).await?;
    let offset = session.map_or(SHANGHAI_OFFSET_MINUTES, |s| s.utc_offset_minutes);
    Ok(venue_local(now, offset))
}

/// Now, on the wall clock of the organisation running activity `id`.
pub async fn at_activity(state: &AppState, id: i64) -> Result<NaiveDateTime, AppError> {
    let organisation = state
        .storage
        .activity_organisation(id)
        .await?
        .or_not_found("activity")?;
    at_organisation(state, organisation)
        .await?
        .or_not_found("organisation")
}

/// Now, on the wall clock of organisation `id`'s venues (`None` without the organisation).
pub async fn at_organisation(state: &AppState, id: i64) -> Result<Option<NaiveDateTime>, AppError> {
    let now = Utc::now();
    let details = state.storage.organisation(id).await?;
    Ok(details.map(|d| venue_local(now, d.draft.utc_offset_minutes)))
}
