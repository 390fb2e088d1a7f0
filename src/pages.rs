//! One module per route.

pub mod activity;
pub mod book;
pub mod booking;
pub mod home;
pub mod my_bookings;
pub mod sample;
pub mod samples;
