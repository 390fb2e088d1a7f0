//! What the clients ask for: the no-op (`GET /api/v1/health`), browsing reads (the activity
//! list and a session's availability, half and half), and bookings, each one distinct (a
//! phone number of its own, from one counter for the whole run, so the bookings table grows
//! for as long as the run books). Every 50th booking goes to the popular session, which
//! fills and then waitlists, so the capacity check is exercised under contention; the rest
//! are spread over sessions large enough never to fill. Each booking carries an
//! `Idempotency-Key` of its own, as the app's booking form sends one, so the server pays for
//! the idempotency check as it does for real bookings.

use crate::http::Connection;
use crate::outcome::{Tally, NO_ANSWER};
use serde::Deserialize;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// One booking in this many goes to the popular session.
pub const POPULAR_EVERY: u64 = 50;
/// In a browse during a rush, one client in this many books and the others read.
pub const BOOKER_EVERY: usize = 10;

/// A kind of request, counted apart from the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Health,
    Read,
    Booking,
}

/// What a phase's clients do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mix {
    Health,
    Browse,
    Rush,
    /// One client in [`BOOKER_EVERY`] books, the others read.
    BrowseDuringRush,
}

impl Mix {
    pub fn kind(self, client: usize) -> Kind {
        match self {
            Mix::Health => Kind::Health,
            Mix::Browse => Kind::Read,
            Mix::Rush => Kind::Booking,
            Mix::BrowseDuringRush if client.is_multiple_of(BOOKER_EVERY) => Kind::Booking,
            Mix::BrowseDuringRush => Kind::Read,
        }
    }
}

/// A booking answer that worked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Booked {
    Confirmed,
    Waitlisted,
}

/// A request's result: `Ok` with the booking's state for bookings, or the failing status.
pub type Done = Result<Option<Booked>, u16>;

/// The fields of a booking answer the rush checks: a receipt's `session_id`, or the
/// holder's view's `session.id` from a server that does not honour `Prefer`.
#[derive(Deserialize)]
struct BookingAnswer<'a> {
    status: &'a str,
    session_id: Option<i64>,
    session: Option<BookedSession>,
}

impl BookingAnswer<'_> {
    fn session(&self) -> Option<i64> {
        self.session_id.or(self.session.as_ref().map(|s| s.id))
    }
}

#[derive(Deserialize)]
struct BookedSession {
    id: i64,
}

/// A booking answer works when it is a 201 whose (decompressed) body is a booking of the
/// session asked for, confirmed or waitlisted. Anything else fails with its status (a 201
/// with a wrong body fails as 201).
pub fn classify(status: u16, body: &[u8], session: i64) -> Done {
    if status != 201 {
        return Err(status);
    }
    match serde_json::from_slice::<BookingAnswer>(body) {
        Ok(b) if b.session() == Some(session) && b.status == "confirmed" => {
            Ok(Some(Booked::Confirmed))
        }
        Ok(b) if b.session() == Some(session) && b.status == "waitlisted" => {
            Ok(Some(Booked::Waitlisted))
        }
        _ => Err(status),
    }
}

/// Counts a request's result in `tally`: `took` from when it was due, finishing `at` into the
/// phase.
pub fn record(tally: &mut Tally, done: Done, took: Duration, at: Duration) {
    match done {
        Ok(booked) => {
            tally.answered(took, at);
            match booked {
                Some(Booked::Confirmed) => tally.confirmed += 1,
                Some(Booked::Waitlisted) => tally.waitlisted += 1,
                None => {}
            }
        }
        Err(status) => tally.failed(status),
    }
}

/// The paths and sessions of one run, and its booking counter.
pub struct Workload {
    reads: Vec<String>,
    /// Starts every idempotency key, so runs never share one.
    key_prefix: String,
    popular: i64,
    spread: Vec<i64>,
    next_booking: AtomicU64,
}

impl Workload {
    /// `readable`: sessions whose availability browsing reads.
    pub fn new(popular: i64, spread: Vec<i64>, readable: &[i64]) -> Workload {
        let mut reads = vec!["/api/v1/activities".to_owned()];
        reads.extend(readable.iter().map(|id| format!("/api/v1/sessions/{id}")));
        let started = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        Workload {
            reads,
            key_prefix: format!("{started:x}"),
            popular,
            spread,
            next_booking: AtomicU64::new(0),
        }
    }

    /// The `k`th booking of the run: its session, request body and idempotency key (the
    /// shape of the app's: a time and 16 hex digits).
    pub fn booking(&self, k: u64) -> (i64, String, String) {
        let session = if k.is_multiple_of(POPULAR_EVERY) || self.spread.is_empty() {
            self.popular
        } else {
            self.spread[(k % self.spread.len() as u64) as usize]
        };
        let body = format!(
            "{{\"session_id\":{session},\"name\":\"压测\",\"phone\":\"13{k:09}\",\
             \"adults\":1,\"children\":0,\"consent\":true}}"
        );
        (session, body, format!("{}-{k:016x}", self.key_prefix))
    }

    /// The path of client `client`'s `n`th read: the list every other time, else a session.
    pub fn read_path(&self, client: usize, n: u64) -> &str {
        let sessions = self.reads.len() - 1;
        if (client as u64 + n).is_multiple_of(2) || sessions == 0 {
            &self.reads[0]
        } else {
            &self.reads[1 + (client * 31 + n as usize) % sessions]
        }
    }

    /// Bookings asked for so far in the run.
    pub fn bookings_sent(&self) -> u64 {
        self.next_booking.load(Ordering::Relaxed)
    }

    /// Sends one request of `kind` and judges its answer.
    pub async fn perform(
        &self,
        conn: &mut Connection,
        kind: Kind,
        client: usize,
        n: u64,
        scratch: &mut Vec<u8>,
    ) -> Done {
        match kind {
            Kind::Health => match conn.get("/api/v1/health").await {
                Ok(a) if a.status == 200 => Ok(None),
                Ok(a) => Err(a.status),
                Err(_) => Err(NO_ANSWER),
            },
            Kind::Read => match conn.get(self.read_path(client, n)).await {
                Ok(a) if (200..300).contains(&a.status) || a.status == 304 => Ok(None),
                Ok(a) => Err(a.status),
                Err(_) => Err(NO_ANSWER),
            },
            Kind::Booking => {
                let k = self.next_booking.fetch_add(1, Ordering::Relaxed);
                let (session, body, key) = self.booking(k);
                match conn
                    .post_json("/api/v1/bookings", body.as_bytes(), Some(&key))
                    .await
                {
                    Ok(a) => match a.decoded(scratch) {
                        Ok(json) => classify(a.status, json, session),
                        Err(_) => Err(a.status),
                    },
                    Err(_) => Err(NO_ANSWER),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn a_booking_answer_counts_only_for_the_session_asked_for() {
        let ok = |status| format!(r#"{{"code":"X","status":"{status}","session":{{"id":7}}}}"#);
        assert_eq!(
            classify(201, ok("confirmed").as_bytes(), 7),
            Ok(Some(Booked::Confirmed))
        );
        assert_eq!(
            classify(201, ok("waitlisted").as_bytes(), 7),
            Ok(Some(Booked::Waitlisted))
        );
        assert_eq!(classify(201, ok("confirmed").as_bytes(), 8), Err(201));
        assert_eq!(classify(201, ok("cancelled").as_bytes(), 7), Err(201));
        assert_eq!(classify(200, ok("confirmed").as_bytes(), 7), Err(200));
        assert_eq!(classify(201, b"not json", 7), Err(201));
        assert_eq!(classify(409, br#"{"error":"full"}"#, 7), Err(409));
        assert_eq!(classify(429, b"", 7), Err(429));
    }

    #[test]
    fn a_receipt_counts_by_its_session_id() {
        let receipt = |status, session| {
            format!(
                r#"{{"code":"X","status":"{status}","waitlist_position":null,"session_id":{session}}}"#
            )
        };
        assert_eq!(
            classify(201, receipt("confirmed", 7).as_bytes(), 7),
            Ok(Some(Booked::Confirmed))
        );
        assert_eq!(
            classify(201, receipt("waitlisted", 7).as_bytes(), 7),
            Ok(Some(Booked::Waitlisted))
        );
        assert_eq!(
            classify(201, receipt("confirmed", 8).as_bytes(), 7),
            Err(201)
        );
        assert_eq!(
            classify(201, br#"{"code":"X","status":"confirmed"}"#, 7),
            Err(201),
            "an answer that names no session does not count"
        );
    }

    #[test]
    fn the_rush_counters_add_up() {
        let mut t = Tally::default();
        let ms = Duration::from_millis;
        record(&mut t, Ok(Some(Booked::Confirmed)), ms(3), ms(10));
        record(&mut t, Ok(Some(Booked::Confirmed)), ms(4), ms(20));
        record(&mut t, Ok(Some(Booked::Waitlisted)), ms(5), ms(1200));
        record(&mut t, Err(409), ms(1), ms(1300));
        record(&mut t, Err(NO_ANSWER), ms(60_000), ms(61_000));
        let o = t.outcome(2.0, Duration::from_secs(2));
        assert_eq!((o.confirmed, o.waitlisted, o.ok, o.failed), (2, 1, 3, 2));
        assert_eq!(o.errors_by_status, vec![(NO_ANSWER, 1), (409, 1)]);
        assert_eq!(o.per_second, vec![2, 1]);
        assert!(o.latency.max.is_infinite());
    }

    #[test]
    fn every_booking_is_distinct_and_one_in_fifty_is_the_popular_session() {
        let w = Workload::new(1, vec![10, 11, 12, 13], &[1, 10]);
        let mut phones = HashSet::new();
        let mut keys = HashSet::new();
        let mut popular = 0;
        let mut per_spread = [0u32; 4];
        for k in 0..10_000 {
            let (session, body, key) = w.booking(k);
            assert!(
                key.len() <= 100 && key.bytes().all(|b| b.is_ascii_graphic()),
                "{key}"
            );
            assert!(keys.insert(key), "key reused at {k}");
            let v: serde_json::Value = serde_json::from_str(&body).unwrap();
            assert_eq!(v["session_id"], session);
            let phone = v["phone"].as_str().unwrap().to_owned();
            assert_eq!(phone.len(), 11);
            assert!(phone.starts_with("13") && phone.bytes().all(|b| b.is_ascii_digit()));
            assert!(phones.insert(phone), "phone reused at {k}");
            if session == 1 {
                popular += 1;
            } else {
                per_spread[(session - 10) as usize] += 1;
            }
        }
        assert_eq!(popular, 200);
        assert!(
            per_spread.iter().all(|n| (2400..=2500).contains(n)),
            "{per_spread:?}"
        );
        // The last phone the counter can give is still a valid number.
        assert!(w.booking(999_999_999).1.contains("\"13999999999\""));
        // Another run's keys differ from this run's.
        std::thread::sleep(Duration::from_millis(2));
        let other = Workload::new(1, vec![10], &[]);
        assert_ne!(other.booking(0).2, w.booking(0).2);
    }

    #[test]
    fn browsing_alternates_the_list_and_sessions() {
        let w = Workload::new(1, vec![], &[5, 6, 7]);
        assert_eq!(w.read_path(0, 0), "/api/v1/activities");
        assert!(w.read_path(0, 1).starts_with("/api/v1/sessions/"));
        let reads: HashSet<&str> = (0..200).map(|n| w.read_path(3, n)).collect();
        assert_eq!(reads.len(), 4);
        let none = Workload::new(1, vec![], &[]);
        assert_eq!(none.read_path(0, 1), "/api/v1/activities");
    }

    #[test]
    fn during_a_rush_one_client_in_ten_books() {
        let bookers = (0..100)
            .filter(|c| Mix::BrowseDuringRush.kind(*c) == Kind::Booking)
            .count();
        assert_eq!(bookers, 10);
        // Even one client books (client 0), so a small run still invalidates the cache.
        assert_eq!(Mix::BrowseDuringRush.kind(0), Kind::Booking);
        assert_eq!(Mix::Rush.kind(7), Kind::Booking);
        assert_eq!(Mix::Browse.kind(0), Kind::Read);
    }
}
