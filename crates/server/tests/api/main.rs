//! Black-box API tests: the real server on a free port with a fresh database per test (a
//! SQLite file, or a PostgreSQL schema), driven over real HTTP. Every test runs on both.

mod accounts;
mod at_scale;
mod bookings;
mod catalogue;
mod catalogue_freshness;
mod connections;
mod console;
mod contract;
mod counts;
mod disclosure;
mod early_answers;
mod erasure;
mod group_commit;
mod helpers;
mod hostile;
mod hostile_input;
mod messages;
mod offline_check_ins;
mod organisations;
mod origin;
mod photos;
mod receipts;
mod report;
mod reschedule;
mod rush;
mod safeguards;
mod samples;
mod scale_out;
mod share_cards;
mod staff;
mod throttles;
mod venue_clock;
mod verify_phones;
mod walk_ins;
mod wrong_method;
