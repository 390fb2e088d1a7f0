//! What every handler can reach: the storage, the booking and quick-test settings, and the
//! throttles that slow down guessing.

use crate::storage::Storage;
use labday_domain::booking::NoShowPolicy;
use labday_domain::sample::Thresholds;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub storage: Arc<dyn Storage>,
    pub catalogue_cache: Arc<crate::catalogue_cache::CatalogueCache>,
    pub sign_in_throttle: Arc<crate::auth::SignInThrottle>,
    pub daily_limit: u32,
    pub no_show: NoShowPolicy,
    /// Enzyme-inhibition thresholds that turn a reading into a judgement.
    pub enzyme_thresholds: Thresholds,
    pub sample_lookups: Arc<crate::routes::samples::LookupThrottle>,
    /// The health check's shared answer from the database.
    pub health: Arc<crate::routes::health::Probe>,
}
