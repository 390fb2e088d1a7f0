//! Reusable pieces shared by pages.

pub mod board;
pub mod qr;
pub mod sample;
pub mod status;
