//! The waiting list moving up: written once, on a transaction of either database, for every
//! change that frees places (a session's capacity raised, a booking cancelled).

use super::db::Tx;
use super::outbox::{self, Holders};
use super::rows::{count, party_size};
use labday_domain::booking;
use labday_domain::message::BookingEvent;
use labday_domain::session::Places;

/// Promoted bookings confirmed per statement: well below both databases' limit on bound
/// values.
const IDS_PER_STATEMENT: usize = 500;

/// Confirms waiting bookings that now fit, in the order they joined. On PostgreSQL the
/// caller holds the session's row lock (SQLite's one writer serialises every change).
pub(super) async fn promote_waiting(tx: &mut Tx, session_id: i64) -> Result<(), sqlx::Error> {
    let places = session_places(tx, session_id).await?;
    let waiting: Vec<(i64, i64, i64)> = tx
        .query(
            "SELECT id, adults, children FROM bookings \
             WHERE session_id = ? AND status = 'waitlisted' ORDER BY id",
        )
        .bind(session_id)
        .fetch_all()
        .await?;
    let queue: Vec<(i64, u32)> = waiting
        .iter()
        .map(|&(id, adults, children)| Ok((id, party_size(adults, children)?)))
        .collect::<Result<_, sqlx::Error>>()?;
    // Waiting bookings were made online: they never take the reserved places.
    let free = places.online_free();
    let promoted = booking::promotions(free, &queue);
    let moved: i64 = queue
        .iter()
        .filter(|(id, _)| promoted.contains(id))
        .map(|(_, p)| i64::from(*p))
        .sum();
    for ids in promoted.chunks(IDS_PER_STATEMENT) {
        let sql = format!(
            "UPDATE bookings SET status = 'confirmed' WHERE id IN ({})",
            vec!["?"; ids.len()].join(", ")
        );
        let mut update = tx.query(&sql);
        for &id in ids {
            update = update.bind(id);
        }
        update.execute().await?;
    }
    tx.query("UPDATE sessions SET booked = booked + ?, waiting = waiting - ? WHERE id = ?")
        .bind(moved)
        .bind(moved)
        .bind(session_id)
        .execute()
        .await?;
    if !promoted.is_empty() {
        outbox::booking_event(
            &mut tx.inside(),
            BookingEvent::Promoted,
            Holders::Ids(&promoted),
            chrono::Utc::now(),
        )
        .await?;
    }
    Ok(())
}

/// A session's places as stored; a counter out of range or places that break the rule
/// ([`Places::holds`]) are an error, never steered around.
pub(super) async fn session_places(tx: &mut Tx, session_id: i64) -> Result<Places, sqlx::Error> {
    let (capacity, reserved, booked, walk_ins): (i64, i64, i64, i64) = tx
        .query("SELECT capacity, reserved_places, booked, walk_ins FROM sessions WHERE id = ?")
        .bind(session_id)
        .fetch_one()
        .await?;
    let places = Places {
        capacity: count(capacity)?,
        reserved: count(reserved)?,
        booked: count(booked)?,
        walk_ins: count(walk_ins)?,
    };
    if places.holds() {
        Ok(places)
    } else {
        Err(sqlx::Error::Decode(
            format!("session {session_id}: impossible places {places:?}").into(),
        ))
    }
}
