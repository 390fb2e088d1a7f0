//! Photos for the written summary: staff upload an image with its caption for one of their
//! activities, list them, correct a caption or delete a photo, and fetch each image (staff only; lab staff their own
//! organisation's). The image is the raw request body; its type is read from its first
//! bytes, never from the declared `Content-Type`.

use crate::auth::{self, SignedIn};
use crate::error::{AppError, OrNotFound};
use crate::extract::{
    authorise, ActivityId, AppJson, AppPath, AppQuery, Authorised, Owned, PhotoId,
};
use crate::routes::media::CoverageQuery;
use crate::routes::NoSuchActivity;
use crate::state::AppState;
use crate::upright::{upright, Unkept};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use labday_domain::photo::{validate_photo, PhotoEdit, PhotoItem, PHOTO_MAX_BYTES};
use labday_domain::{ApiError, ErrorCode, FieldCode};
use serde::Deserialize;

/// The photo to upload: which activity, and its caption.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    pub activity_id: i64,
    /// What the photo shows (1–200 characters).
    #[serde(default)]
    pub caption: String,
}

fn too_large() -> AppError {
    AppError(
        ApiError::new(
            ErrorCode::Invalid,
            format!(
                "A photo may be at most {} MB",
                PHOTO_MAX_BYTES / (1024 * 1024)
            ),
        )
        .with_field("photo", FieldCode::PhotoTooLarge),
    )
}

/// Stored on its side, and over the limit once turned upright in every encoding it may be
/// kept in ([`Unkept::TooLarge`]): it was within the limit as sent, so the words say why.
fn too_large_upright() -> AppError {
    AppError(
        ApiError::new(
            ErrorCode::Invalid,
            format!(
                "The photo is stored on its side; turned upright it would be over {} MB",
                PHOTO_MAX_BYTES / (1024 * 1024)
            ),
        )
        .with_field("photo", FieldCode::PhotoTooLargeUpright),
    )
}

fn damaged() -> AppError {
    AppError(
        ApiError::new(ErrorCode::Invalid, "The photo does not decode")
            .with_field("photo", FieldCode::PhotoDamaged),
    )
}

/// Keeps a photo of an activity: the request body is the image (JPEG, PNG or WebP, at most
/// 5 MiB and, by its header, 50 megapixels and 20,000 pixels a side), whole to its end. It
/// is kept without its metadata (Exif, XMP, text), its pixels turned upright first when its
/// Exif orientation said they were stored turned or mirrored, then encoded again within the
/// same 5 MiB: a JPEG at quality 92, or lower down to 50 until it fits; a lossy WebP as a
/// JPEG the same way (its `content_type` then `image/jpeg`); a PNG or lossless WebP
/// losslessly in its own format, or, when that is over 5 MiB and it has no transparency, as
/// a JPEG.
#[utoipa::path(
    post,
    path = "/api/v1/staff/photos",
    params(UploadQuery),
    request_body(content = Vec<u8>, content_type = "image/jpeg", description = "The image: JPEG, PNG or WebP, at most 5 MiB, 50 megapixels and 20,000 pixels a side"),
    responses(
        (status = 201, body = PhotoItem),
        NoSuchActivity,
        (status = 422, body = ApiError, description = "`caption`: caption_required / text_too_long; `photo`: photo_required / photo_type / photo_too_large / photo_damaged (the file is cut short: its data stops before the end its format marks; or, stored turned by its Exif orientation, it does not decode) / photo_too_large_upright (stored turned by its Exif orientation, and over 5 MiB once turned upright in every encoding it may be kept in: a JPEG at quality 50 and above, or, with transparency, losslessly)")
    )
)]
pub async fn upload_photo(
    State(state): State<AppState>,
    signed_in: SignedIn,
    AppQuery(query): AppQuery<UploadQuery>,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<PhotoItem>), AppError> {
    authorise(&state, &signed_in, ActivityId(query.activity_id)).await?;
    let bytes = match body {
        Ok(bytes) => bytes,
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large()),
        Err(e) => {
            return Err(AppError::new(
                ErrorCode::BadRequest,
                format!("Request body is not valid: {}", e.body_text()),
            ))
        }
    };
    let valid = validate_photo(query.activity_id, &query.caption, bytes.to_vec())?;
    // A photo stored on its side (its Exif said how to turn it, and the Exif is gone) is
    // turned upright: decoding, off the async workers, and only for those.
    let valid = if valid.orientation() == 1 {
        valid
    } else {
        tokio::task::spawn_blocking(move || upright(valid))
            .await
            .map_err(|e| AppError::internal(format!("photo task: {e}")))?
            .map_err(|unkept| match unkept {
                Unkept::Damaged => damaged(),
                Unkept::TooLarge => too_large_upright(),
            })?
    };
    let item = state
        .storage
        .add_photo(signed_in.staff.id, &valid, auth::now_local())
        .await?;
    tracing::info!(
        photo = item.id,
        activity = item.activity_id,
        size = item.size_bytes,
        "photo kept"
    );
    Ok((StatusCode::CREATED, Json(item)))
}

/// Photos (without their bytes), by activity then in the order they were added.
#[utoipa::path(
    get,
    path = "/api/v1/staff/photos",
    params(CoverageQuery),
    responses((status = 200, body = [PhotoItem]), (status = 404, body = ApiError))
)]
pub async fn list_photos(
    State(state): State<AppState>,
    signed_in: SignedIn,
    AppQuery(query): AppQuery<CoverageQuery>,
) -> Result<Json<Vec<PhotoItem>>, AppError> {
    let scope = query.scope(&state, &signed_in).await?;
    Ok(Json(state.storage.photos(scope, query.activity_id).await?))
}

/// Corrects a photo's caption.
#[utoipa::path(
    put,
    path = "/api/v1/staff/photos/{id}",
    params(("id" = i64, Path)),
    request_body = PhotoEdit,
    responses(
        (status = 200, body = PhotoItem),
        (status = 422, body = ApiError, description = "`caption`: caption_required / text_too_long / text_invalid")
    )
)]
pub async fn update_photo(
    State(state): State<AppState>,
    photo: Authorised<PhotoId>,
    AppJson(edit): AppJson<PhotoEdit>,
) -> Result<Json<PhotoItem>, AppError> {
    let caption = edit.validate()?;
    let staff = photo.signed_in.staff.id;
    let item = state
        .storage
        .update_photo(staff, photo.item.0, &caption)
        .await?
        .or_not_found(PhotoId::WHAT)?;
    Ok(Json(item))
}

/// Deletes a photo, image and caption.
#[utoipa::path(
    delete,
    path = "/api/v1/staff/photos/{id}",
    params(("id" = i64, Path)),
    responses((status = 204, description = "Deleted"))
)]
pub async fn delete_photo(
    State(state): State<AppState>,
    photo: Authorised<PhotoId>,
) -> Result<StatusCode, AppError> {
    let staff = photo.signed_in.staff.id;
    let deleted = state.storage.delete_photo(staff, photo.item.0).await?;
    deleted
        .then_some(StatusCode::NO_CONTENT)
        .or_not_found(PhotoId::WHAT)
}

/// One photo's image, for the console and the printed summary.
#[utoipa::path(
    get,
    path = "/api/v1/staff/photos/{id}",
    params(("id" = i64, Path)),
    responses(
        (status = 200, description = "The image, with its own type",
            content(("image/jpeg"), ("image/png"), ("image/webp")))
    )
)]
pub async fn photo_image(
    State(state): State<AppState>,
    signed_in: SignedIn,
    AppPath(id): AppPath<i64>,
) -> Result<Response, AppError> {
    let image = state.storage.photo_image(id).await?.or_not_found("photo")?;
    signed_in.require(image.organisation_id)?;
    Ok((
        [
            (header::CONTENT_TYPE, image.content_type),
            // Staff-only, and it may show a citizen: kept in no cache, the browser's disk
            // cache included, so a photo deleted, or seen before signing out on a shared
            // computer, is not left there (as rosters are not).
            (header::CACHE_CONTROL, "no-store".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"photo-{id}\""),
            ),
        ],
        image.bytes,
    )
        .into_response())
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/staff/photos",
            get(list_photos)
                .post(upload_photo)
                // Room for the largest photo; anything beyond is refused as too large.
                .layer(DefaultBodyLimit::max(PHOTO_MAX_BYTES + 1)),
        )
        .route(
            "/staff/photos/{id}",
            get(photo_image).put(update_photo).delete(delete_photo),
        )
}
