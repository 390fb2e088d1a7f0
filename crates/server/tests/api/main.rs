//! Black-box API tests: the real server on a free port with a fresh SQLite file per test,
//! driven over real HTTP.

mod bookings;
mod catalogue;
mod helpers;
mod rush;
