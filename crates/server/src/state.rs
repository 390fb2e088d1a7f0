//! What every handler can reach: the storage and the booking settings.

use crate::storage::Storage;
use labday_domain::booking::NoShowPolicy;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub storage: Arc<dyn Storage>,
    pub catalogue_cache: Arc<crate::catalogue_cache::CatalogueCache>,
    pub sign_in_throttle: Arc<crate::auth::SignInThrottle>,
    pub daily_limit: u32,
    pub no_show: NoShowPolicy,
}
