//! Reusable pieces shared by pages.

pub mod qr;
pub mod status;
