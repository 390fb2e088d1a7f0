//! Reusable pieces shared by pages.

pub mod board;
pub mod find_by_phone;
pub mod phone_code;
pub mod privacy;
pub mod qr;
pub mod sample;
pub mod status;
