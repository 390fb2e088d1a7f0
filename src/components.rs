//! Reusable pieces shared by pages.

pub mod board;
pub mod privacy;
pub mod qr;
pub mod sample;
pub mod status;
