//! Builds the application from a configuration, so `main` and the tests start it the same
//! way: open storage, load demo data if asked, assemble routes, bind, serve.

use crate::config::{Config, DatabaseLocation};
use crate::error::AppError;
use crate::state::AppState;
use crate::storage::sqlite::DatabaseLock;
use crate::storage::{Storage, StorageError};
use crate::{deadline, embedding, headers, routes, seed, spa, writes};
use axum::http::{header, HeaderValue};
use axum::routing::any;
use axum::{middleware, Router};
use chrono::{Duration, NaiveDateTime, Utc};
use labday_domain::privacy::PrivacyNotice;
use labday_domain::time::{venue_local, SHANGHAI_OFFSET_MINUTES};
use labday_domain::ErrorCode;
use std::net::SocketAddr;
use std::sync::Arc;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::predicate::{DefaultPredicate, Predicate, SizeAbove};
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

/// Why the server could not start, in words for whoever runs it.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("database: {0}")]
    Database(String),
    #[error("settings: {0}")]
    Settings(String),
    #[error(transparent)]
    Locked(#[from] crate::storage::sqlite::LockError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// Opens the configured storage and loads demo data into an empty database unless told not to.
pub async fn open_storage(config: &Config) -> Result<Arc<dyn Storage>, StartupError> {
    let storage: Arc<dyn Storage> = match config.database_location() {
        DatabaseLocation::Sqlite(path) => Arc::new(
            crate::storage::sqlite::open(&path)
                .await
                .map_err(|e| StartupError::Database(format!("{}: {e}", path.display())))?,
        ),
        DatabaseLocation::Postgres(url) => Arc::new(
            crate::storage::postgres::open(&url)
                .await
                .map_err(|e| StartupError::Database(format!("PostgreSQL: {e}")))?,
        ),
    };
    if !config.no_demo_data
        && storage
            .is_empty()
            .await
            .map_err(|e| StartupError::Database(e.to_string()))?
    {
        let today = venue_local(Utc::now(), SHANGHAI_OFFSET_MINUTES).date();
        seed::load_demo_data(storage.as_ref(), today)
            .await
            .map_err(|e| StartupError::Database(e.to_string()))?;
        tracing::info!("loaded demo data");
    }
    Ok(storage)
}

async fn api_not_found() -> AppError {
    AppError::new(ErrorCode::NotFound, "No such API endpoint")
}

/// A known path with a method it does not take: 405 in the API's error shape (axum adds
/// `Allow`).
async fn api_wrong_method() -> AppError {
    AppError::new(
        ErrorCode::MethodNotAllowed,
        "This endpoint does not take that method",
    )
}

/// Compression of the API's answers, which are made per request and so compressed per
/// request (the app's files are compressed once, at start, and a kept catalogue answer once
/// per load: `encoding.rs`; this layer leaves an answer that has its coding already). Brotli's default, quality 11
/// with a 4 MB window, cost about a million instructions per booking answer, more than the
/// rest of the booking (README, "The booking answer"); quality 4 costs a fraction of that.
fn api_compression() -> CompressionLayer<impl Predicate> {
    CompressionLayer::new()
        .quality(CompressionLevel::Precise(4))
        .compress_when(
            DefaultPredicate::new().and(SizeAbove::new(crate::encoding::COMPRESS_FROM_BYTES)),
        )
}

/// The whole HTTP application: `/api/v1` and the single-page app, every answer within the
/// request deadline and with the protecting headers (`headers.rs`).
pub fn app(state: AppState, config: &Config) -> Router {
    let storage = state.storage.clone();
    let api = routes::router(&state)
        .fallback(api_not_found)
        .method_not_allowed_fallback(api_wrong_method)
        .with_state(state)
        .layer(api_compression());
    // Every other path under /api (another version, /api/v1/ itself) is no endpoint either,
    // answered in the API's shape rather than with the app's page.
    let no_endpoint = Router::new()
        .route("/api", any(api_not_found))
        .route("/api/", any(api_not_found))
        .route("/api/{*rest}", any(api_not_found));
    // A write's body is read before anything answers it, on every path: the app's pages
    // refuse writes too.
    let framed_by = embedding::frame_ancestors(&config.portal_origins.0);
    let router = Router::new()
        .nest("/api/v1", api)
        .merge(no_endpoint)
        .merge(spa::router_with_cards(&config.dist, storage, &framed_by))
        .layer(middleware::from_fn_with_state(
            writes::BodyRoom::shared(),
            writes::whole_body,
        ));
    // Inside CORS, so a portal's call that times out still gets its CORS headers.
    let router = deadline::apply(
        router,
        std::time::Duration::from_secs(config.request_timeout_secs),
    );
    let router = embedding::apply(router, &config.portal_origins.0);
    headers::apply(
        router,
        &config.dist,
        &framed_by,
        config.trusted_proxies.clone(),
    )
    .layer(SetResponseHeaderLayer::overriding(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    ))
    .layer(SetResponseHeaderLayer::overriding(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    ))
    .layer(CatchPanicLayer::custom(panic_answer))
    .layer(TraceLayer::new_for_http())
}

/// A handler that panicked (a bug: overflow checks are on in release builds) answers like
/// any other internal failure, instead of dropping the connection without a word.
fn panic_answer(_panic: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    tracing::error!("a request handler panicked");
    axum::response::IntoResponse::into_response(AppError::new(
        ErrorCode::Internal,
        "Something went wrong on our side; please try again",
    ))
}

/// The lock that keeps a second server off this one's SQLite file (`sqlite/lock.rs`);
/// none for PostgreSQL, which several servers share by design.
fn lock_database(config: &Config) -> Result<Option<DatabaseLock>, StartupError> {
    match config.database_location() {
        DatabaseLocation::Sqlite(path) if path.as_os_str() != ":memory:" => {
            Ok(Some(DatabaseLock::acquire(&path)?))
        }
        _ => Ok(None),
    }
}

/// Erases personal fields of bookings and samples whose session ended more than
/// `retention_days` ago, now and then every hour.
fn spawn_retention(storage: Arc<dyn Storage>, privacy: PrivacyNotice) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            tick.tick().await;
            erase_past_retention(storage.as_ref(), i64::from(privacy.retention_days)).await;
            forget_past_no_show_window(storage.as_ref(), i64::from(privacy.phone_digest_days))
                .await;
        }
    });
}

/// Deletes expired staff sessions now and then every hour (sign-ins delete them too). The
/// loop only waits on `Interval::tick`, which is cancel-safe: the task stops cleanly with
/// the runtime.
fn spawn_session_purge(storage: Arc<dyn Storage>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            tick.tick().await;
            match storage
                .purge_expired_sessions(crate::auth::now_local())
                .await
            {
                Ok(0) => {}
                Ok(n) => tracing::info!(sessions = n, "purged expired staff sessions"),
                Err(e) => tracing::error!(error = %e, "purging expired staff sessions failed"),
            }
        }
    });
}

/// One retention run, as the server makes at start and every hour after: names, phones and
/// idempotency records of bookings and samples whose session ended more than
/// `retention_days` ago are erased. Failures are logged and retried at the next run.
pub async fn erase_past_retention(storage: &dyn Storage, retention_days: i64) {
    let cutoff = venue_days_ago(retention_days);
    log_clean_up(
        storage.erase_personal_data(cutoff).await,
        |n| tracing::info!(bookings = n, "erased personal data past retention"),
        "retention run failed",
    );
    log_clean_up(
        storage.erase_sample_holders(cutoff).await,
        |n| tracing::info!(samples = n, "erased sample holders past retention"),
        "sample retention run failed",
    );
    log_clean_up(
        storage.erase_messages(Utc::now().naive_utc()).await,
        |n| tracing::info!(messages = n, "erased messages of erased holders"),
        "message erasure failed",
    );
}

/// This time of day `days` ago, on the venue's clock: the cutoff of a clean-up run.
fn venue_days_ago(days: i64) -> NaiveDateTime {
    venue_local(Utc::now(), SHANGHAI_OFFSET_MINUTES) - Duration::days(days)
}

/// Logs a clean-up run: `cleaned` when it touched any rows, the error when it failed.
fn log_clean_up(run: Result<u64, StorageError>, cleaned: impl FnOnce(u64), failed: &str) {
    match run {
        Ok(0) => {}
        Ok(n) => cleaned(n),
        Err(e) => tracing::error!(error = %e, "{failed}"),
    }
}

/// Clears the phones' keyed hashes once no no-show rule can read them: sessions that ended
/// more than `digest_days` ago (the no-show window and pause and a day for time zones: see
/// `Config::privacy_notice`, whose number the booking form prints).
pub async fn forget_past_no_show_window(storage: &dyn Storage, digest_days: i64) {
    log_clean_up(
        storage
            .forget_phone_hashes(venue_days_ago(digest_days))
            .await,
        |n| tracing::info!(rows = n, "forgot phone hashes past the no-show window"),
        "forgetting phone hashes failed",
    );
}

/// A started server: where it listens, and the storage behind it.
pub struct Running {
    pub addr: SocketAddr,
    pub storage: Arc<dyn Storage>,
}

/// Starts serving in the background (for tests and for `main`).
pub async fn start(
    config: &Config,
) -> Result<(Running, tokio::task::JoinHandle<()>), StartupError> {
    let enzyme_thresholds = config.enzyme_thresholds().map_err(StartupError::Settings)?;
    let privacy = config.privacy_notice().map_err(StartupError::Settings)?;
    let sms = config.sms.provider().map_err(StartupError::Settings)?;
    config
        .messages
        .reminder_rule()
        .map_err(StartupError::Settings)?;
    if config.phone_codes.verify_phones && !sms.delivers() {
        return Err(StartupError::Settings(
            "--verify-phones (LABDAY_VERIFY_PHONES) needs an --sms-provider that delivers: \
             with `none` no code would reach a phone and nobody could book"
                .into(),
        ));
    }
    if config.phone_codes.verify_phones {
        if let Some(why) = config
            .sms
            .missing_template(labday_domain::message::MessageKind::VerificationCode)
        {
            return Err(StartupError::Settings(format!(
                "--verify-phones (LABDAY_VERIFY_PHONES): {why}, so no code would reach a phone"
            )));
        }
    }
    // A kind without a template is refused at each send, and shows as failed: said once at
    // start too, naming the kind (one added by an upgrade, say).
    for kind in labday_domain::message::MessageKind::ALL {
        let fallback = kind.falls_back_to();
        let missing = config.sms.missing_template(kind);
        let covered = fallback.is_some_and(|k| config.sms.missing_template(k).is_none());
        if let Some(why) = missing.filter(|_| !covered) {
            tracing::warn!("{why}: its text messages will be refused and show as failed");
        }
    }
    let lock = lock_database(config)?;
    let storage = open_storage(config).await?;
    let throttle = Arc::new(crate::throttle::Throttle::new(
        storage.clone(),
        std::time::Duration::from_secs(config.throttle_window_seconds),
    ));
    throttle.clone().spawn_sweeper();
    let state = AppState::new(crate::state::Services {
        storage: storage.clone(),
        catalogue_cache: Default::default(),
        throttle: throttle.clone(),
        passwords: Arc::new(
            crate::auth::PasswordChecks::new(usize::from(config.argon2_parallelism))
                .map_err(StartupError::Settings)?,
        ),
        booking_rate: Arc::new(crate::throttle::RateLimit::new(
            config.booking_rate_per_minute,
        )),
        daily_limit: config.daily_limit,
        no_show: config.no_show_policy(),
        enzyme_thresholds,
        privacy,
        sms: sms.clone(),
        phone_codes: Arc::new(crate::phone_codes::PhoneVerification::new(
            config.phone_codes.clone(),
            throttle.clone(),
        )),
        health: Default::default(),
    });
    crate::phone_codes::spawn_purge(storage.clone());
    crate::messages::spawn(storage.clone(), sms, &config.messages);
    spawn_retention(storage.clone(), privacy);
    spawn_session_purge(storage.clone());
    let router = app(state, config);
    let listener = crate::connections::bind(config.bind).map_err(|source| StartupError::Bind {
        addr: config.bind,
        source,
    })?;
    let addr = listener.local_addr().map_err(|source| StartupError::Bind {
        addr: config.bind,
        source,
    })?;
    let serving = storage.clone();
    let connections = config.connections.clone();
    // On the signal, a request under way has its deadline to be answered and its client
    // the client timeout to take the answer; none is waited for longer.
    let grace = std::time::Duration::from_secs(
        config.request_timeout_secs + 2 * connections.client_timeout_secs,
    );
    let handle = tokio::spawn(async move {
        crate::connections::serve(listener, router, &connections, shutdown_signal(), grace).await;
        // Checkpoints SQLite's journal into the file; then another server may take it.
        serving.close().await;
        drop(lock);
    });
    Ok((Running { addr, storage }, handle))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use axum::routing::get;
    use tower::ServiceExt;

    #[tokio::test]
    async fn a_panicking_handler_answers_500_with_the_usual_error_body() {
        async fn boom() -> &'static str {
            panic!("a bug")
        }
        let app = Router::new()
            .route("/boom", get(boom))
            .layer(CatchPanicLayer::custom(panic_answer));
        let response = app
            .oneshot(Request::get("/boom").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = axum::body::to_bytes(response.into_body(), 4096)
            .await
            .unwrap();
        let error: labday_domain::ApiError = serde_json::from_slice(&body).unwrap();
        assert_eq!(error.code, ErrorCode::Internal);
    }
}
