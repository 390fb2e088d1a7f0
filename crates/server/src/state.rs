//! What every handler can reach: the storage, the booking and quick-test settings, and the
//! throttles that slow down guessing.

use crate::storage::Storage;
use labday_domain::booking::NoShowPolicy;
use labday_domain::privacy::PrivacyNotice;
use labday_domain::sample::Thresholds;
use std::sync::Arc;

/// Cloned for every request by the router's services, so one reference count, not one per
/// field (a dozen atomic increments and decrements a request showed up in profiles).
#[derive(Clone)]
pub struct AppState(Arc<Services>);

impl AppState {
    pub fn new(services: Services) -> AppState {
        AppState(Arc::new(services))
    }
}

impl std::ops::Deref for AppState {
    type Target = Services;
    fn deref(&self) -> &Services {
        &self.0
    }
}

/// Everything a handler can reach.
pub struct Services {
    pub storage: Arc<dyn Storage>,
    pub catalogue_cache: Arc<crate::catalogue_cache::CatalogueCache>,
    /// Counts guesses (codes with phones, staff passwords) before they are checked.
    pub throttle: Arc<crate::throttle::Throttle>,
    pub passwords: Arc<crate::auth::PasswordChecks>,
    /// Bookings and sample registrations per client address.
    pub booking_rate: Arc<crate::throttle::RateLimit>,
    pub daily_limit: u32,
    pub no_show: NoShowPolicy,
    /// Enzyme-inhibition thresholds that turn a reading into a judgement.
    pub enzyme_thresholds: Thresholds,
    /// What the forms' privacy notice promises, from the retention settings.
    pub privacy: PrivacyNotice,
    /// Carries text messages to citizens (`--sms-provider`); `delivers()` is false for
    /// `none`, and the app then says that no message will be sent.
    pub sms: Arc<dyn crate::sms::Provider>,
    /// Verified phones (`--verify-phones`): codes, tokens, and the check bookings make.
    pub phone_codes: Arc<crate::phone_codes::PhoneVerification>,
    /// The health check's shared answer from the database.
    pub health: Arc<crate::routes::health::Probe>,
}
