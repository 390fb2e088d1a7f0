//! The database check after each phase that books: read every session's capacity, its
//! `booked` counter and its bookings from the database itself, and judge them against each
//! other and against the answers the bench counted. Zero overbooking (no session with more
//! confirmed people than places), every counter in step with its bookings, and as many
//! confirmed and waitlisted bookings in the run's sessions as answers said so.

use serde_json::{json, Value};

/// One session as the database has it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionRow {
    pub id: i64,
    pub capacity: i64,
    pub booked: i64,
    /// People in confirmed and checked-in bookings.
    pub confirmed_people: i64,
    pub confirmed_bookings: i64,
    pub waitlisted_bookings: i64,
}

const SQL: &str = "SELECT s.id, s.capacity, s.booked, \
    CAST(COALESCE(SUM(CASE WHEN b.status IN ('confirmed', 'checked_in') \
        THEN b.adults + b.children ELSE 0 END), 0) AS BIGINT) AS confirmed_people, \
    CAST(COALESCE(SUM(CASE WHEN b.status IN ('confirmed', 'checked_in') \
        THEN 1 ELSE 0 END), 0) AS BIGINT) AS confirmed_bookings, \
    CAST(COALESCE(SUM(CASE WHEN b.status = 'waitlisted' THEN 1 ELSE 0 END), 0) AS BIGINT) \
        AS waitlisted_bookings \
    FROM sessions s LEFT JOIN bookings b ON b.session_id = s.id \
    GROUP BY s.id, s.capacity, s.booked";

/// What the bench's answers said: bookings confirmed and waitlisted so far in the run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Answered {
    pub confirmed: u64,
    pub waitlisted: u64,
}

/// The verdict.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Check {
    pub sessions: usize,
    /// Sessions with more confirmed people than places: must be 0.
    pub over_capacity: usize,
    /// Sessions whose `booked` counter differs from their confirmed people: must be 0.
    pub counters_off: usize,
    pub popular_capacity: i64,
    pub popular_confirmed: i64,
    /// Confirmed and waitlisted bookings in the run's sessions, by the database.
    pub confirmed: i64,
    pub waitlisted: i64,
    pub answered: Answered,
}

impl Check {
    /// Judges `rows` (every session) for the run whose bookings went to `booked_sessions`,
    /// `popular` among them.
    pub fn judge(
        rows: &[SessionRow],
        popular: i64,
        booked_sessions: &[i64],
        answered: Answered,
    ) -> Check {
        let mut out = Check {
            sessions: rows.len(),
            answered,
            ..Check::default()
        };
        for r in rows {
            if r.confirmed_people > r.capacity {
                out.over_capacity += 1;
            }
            if r.booked != r.confirmed_people {
                out.counters_off += 1;
            }
            if r.id == popular {
                out.popular_capacity = r.capacity;
                out.popular_confirmed = r.confirmed_people;
            }
            if booked_sessions.contains(&r.id) {
                out.confirmed += r.confirmed_bookings;
                out.waitlisted += r.waitlisted_bookings;
            }
        }
        out
    }

    /// The database holds exactly the bookings the answers reported.
    pub fn counts_match(&self) -> bool {
        u64::try_from(self.confirmed) == Ok(self.answered.confirmed)
            && u64::try_from(self.waitlisted) == Ok(self.answered.waitlisted)
    }

    /// No overbooking, counters in step, and the counts match the answers.
    pub fn passed(&self) -> bool {
        self.over_capacity == 0
            && self.counters_off == 0
            && self.popular_confirmed <= self.popular_capacity
            && self.counts_match()
    }

    pub fn json(&self) -> Value {
        json!({
            "passed": self.passed(),
            "sessions": self.sessions,
            "sessions_over_capacity": self.over_capacity,
            "sessions_with_counter_off": self.counters_off,
            "popular_capacity": self.popular_capacity,
            "popular_confirmed": self.popular_confirmed,
            "database_confirmed_bookings": self.confirmed,
            "database_waitlisted_bookings": self.waitlisted,
            "answered_confirmed": self.answered.confirmed,
            "answered_waitlisted": self.answered.waitlisted,
        })
    }
}

/// Every session's row, on either database's own connection type.
pub async fn read_sessions(database: &str, url: &str) -> Result<Vec<SessionRow>, String> {
    use sqlx::Connection;
    macro_rules! fetch {
        ($connection:ty, $url:expr) => {{
            let mut conn = <$connection>::connect($url)
                .await
                .map_err(|e| e.to_string())?;
            let rows: Vec<(i64, i64, i64, i64, i64, i64)> = sqlx::query_as(SQL)
                .fetch_all(&mut conn)
                .await
                .map_err(|e| e.to_string())?;
            let _ = conn.close().await;
            rows
        }};
    }
    let rows = if database == "sqlite" {
        fetch!(sqlx::SqliteConnection, &format!("sqlite://{url}"))
    } else {
        fetch!(sqlx::PgConnection, url)
    };
    Ok(rows
        .into_iter()
        .map(
            |(id, capacity, booked, people, confirmed, waitlisted)| SessionRow {
                id,
                capacity,
                booked,
                confirmed_people: people,
                confirmed_bookings: confirmed,
                waitlisted_bookings: waitlisted,
            },
        )
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: i64, capacity: i64, booked: i64, people: i64, conf: i64, wait: i64) -> SessionRow {
        SessionRow {
            id,
            capacity,
            booked,
            confirmed_people: people,
            confirmed_bookings: conf,
            waitlisted_bookings: wait,
        }
    }

    fn answered(confirmed: u64, waitlisted: u64) -> Answered {
        Answered {
            confirmed,
            waitlisted,
        }
    }

    #[test]
    fn a_full_popular_session_and_matching_counts_pass() {
        let rows = [
            row(1, 500, 500, 500, 500, 120),
            row(2, 100_000, 3000, 3000, 3000, 0),
            // A demo session with bookings of its own, outside the run's sessions.
            row(9, 20, 4, 4, 2, 1),
        ];
        let c = Check::judge(&rows, 1, &[1, 2], answered(3500, 120));
        assert_eq!((c.sessions, c.over_capacity, c.counters_off), (3, 0, 0));
        assert_eq!((c.popular_confirmed, c.popular_capacity), (500, 500));
        assert_eq!((c.confirmed, c.waitlisted), (3500, 120));
        assert!(c.counts_match() && c.passed());
        assert_eq!(c.json()["passed"], true);
    }

    #[test]
    fn one_place_too_many_fails() {
        let rows = [row(1, 500, 501, 501, 501, 0)];
        let c = Check::judge(&rows, 1, &[1], answered(501, 0));
        assert_eq!(c.over_capacity, 1);
        assert!(c.counts_match());
        assert!(!c.passed());
        // Over capacity on another session fails the same.
        let rows = [row(1, 500, 500, 500, 500, 0), row(2, 10, 11, 11, 11, 0)];
        assert!(!Check::judge(&rows, 1, &[1, 2], answered(511, 0)).passed());
    }

    #[test]
    fn a_counter_out_of_step_fails() {
        let rows = [row(1, 500, 499, 500, 500, 0)];
        let c = Check::judge(&rows, 1, &[1], answered(500, 0));
        assert_eq!(c.counters_off, 1);
        assert!(!c.passed());
    }

    #[test]
    fn a_booking_the_answers_did_not_report_fails() {
        // A request that timed out but was booked: the database has one more.
        let rows = [row(1, 500, 300, 300, 300, 0)];
        let c = Check::judge(&rows, 1, &[1], answered(299, 0));
        assert!(!c.counts_match() && !c.passed());
        // Or an answer said waitlisted where the database says confirmed.
        let c = Check::judge(&rows, 1, &[1], answered(299, 1));
        assert!(!c.passed());
    }

    #[test]
    fn nothing_booked_passes_only_with_nothing_answered() {
        let rows = [row(1, 500, 0, 0, 0, 0)];
        assert!(Check::judge(&rows, 1, &[1], Answered::default()).passed());
        assert!(!Check::judge(&rows, 1, &[1], answered(1, 0)).passed());
    }
}
