//! The organiser's figures: how many sessions and places were offered, how many people
//! booked, came, did not come or waited, and bookings per day for a chart — per activity,
//! per organisation and overall. Storage supplies per-session and per-day tallies; the
//! roll-up is here so it is the same wherever it is shown and is tested without a database.
//!
//! Vegetable quick-test samples count as registered, and as tested once they have a final
//! judgement (a positive first test waits for its re-tests).
//!
//! Totals over many sessions add up with `saturating_add`: a figure that could reach
//! `u32::MAX` is pinned there rather than wrapping to a small, believable number.

use crate::activity::Localised;
use crate::sample::{outcome, Outcome, SampleTally};
use crate::session::SessionFormat;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// What storage knows about one session, counted from its bookings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionTally {
    pub activity_id: i64,
    pub format: SessionFormat,
    pub cancelled: bool,
    /// Whether it has ended (by its venue's clock when the tally was read).
    pub ended: bool,
    pub capacity: u32,
    /// People in confirmed, checked-in and no-show bookings: everyone who held a place.
    pub booked_people: u32,
    /// People let in at the door.
    pub checked_in_people: u32,
    /// People who held a place and did not come: in bookings marked as no-shows, and, once
    /// the session has ended, those missing from a party let in only in part.
    pub no_show_people: u32,
    /// People on the waiting list now.
    pub waitlisted_people: u32,
    /// People booked at the door (counted in `booked_people` and `checked_in_people` too).
    pub walk_in_people: u32,
    /// Text messages to its holders (bookings and samples) that were delivered, and that
    /// were given up.
    pub messages_sent: u32,
    pub messages_failed: u32,
}

/// Bookings made on one day for one activity (whatever became of them later).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayTally {
    pub activity_id: i64,
    pub day: NaiveDate,
    pub bookings: u32,
    pub people: u32,
}

/// An activity the figures cover, and who runs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityName {
    pub id: i64,
    pub organisation_id: i64,
    /// Its first day: the year it is reported in.
    pub starts_on: NaiveDate,
    pub title: Localised,
    pub organisation: Localised,
}

/// Everything the roll-up needs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tallies {
    pub activities: Vec<ActivityName>,
    pub sessions: Vec<SessionTally>,
    pub days: Vec<DayTally>,
    /// Vegetable samples, each with the activity it was registered for.
    pub samples: Vec<(i64, SampleTally)>,
}

impl Tallies {
    /// The tallies of the activities whose first day falls in `year`, and nothing of the
    /// others: one year's report counts each activity once, in the year it began.
    pub fn held_in(mut self, year: i32) -> Tallies {
        self.activities.retain(|a| a.starts_on.year() == year);
        let kept: BTreeSet<i64> = self.activities.iter().map(|a| a.id).collect();
        self.sessions.retain(|s| kept.contains(&s.activity_id));
        self.days.retain(|d| kept.contains(&d.activity_id));
        self.samples.retain(|(activity, _)| kept.contains(activity));
        self
    }

    /// Hands `count` every tally: the activity it belongs to, and how it adds to a set of
    /// figures. Every roll-up (by activity and organisation here, up the organisation tree
    /// in [`crate::report`]) goes through this one walk, so a new kind of tally counts
    /// everywhere once it is added here.
    pub fn each(&self, mut count: impl FnMut(i64, &dyn Fn(&mut Figures))) {
        for s in &self.sessions {
            count(s.activity_id, &|f| f.add_session(s));
        }
        for d in &self.days {
            count(d.activity_id, &|f| f.add_day(d));
        }
        for (activity, sample) in &self.samples {
            count(*activity, &|f| f.add_sample(sample));
        }
    }
}

/// Quick-test samples and their final judgements.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SampleFigures {
    pub registered: u32,
    /// Samples with a final judgement.
    pub tested: u32,
    pub negative: u32,
    pub suspicious: u32,
    /// Failed the quick test (positive in every test).
    pub positive: u32,
}

/// Bookings made on one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DailyBookings {
    pub day: NaiveDate,
    pub bookings: u32,
    pub people: u32,
}

/// One set of figures.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Figures {
    /// Sessions held or planned (not cancelled ones).
    pub sessions: u32,
    pub cancelled_sessions: u32,
    /// Places offered by those sessions.
    pub places_offered: u32,
    /// People who held a place (confirmed, checked in, or no-show).
    pub booked_people: u32,
    pub checked_in_people: u32,
    /// People who booked and did not come (bookings marked as no-shows, and those missing
    /// from parties let in only in part once their session ended).
    pub no_show_people: u32,
    /// No-shows among the people who booked ahead whose attendance is known (checked in or
    /// no-show; walk-ins, booked at the door as they came, are not among them), 0–1; absent
    /// until anyone's attendance is known.
    pub no_show_rate: Option<f64>,
    /// People waiting for a place now.
    pub waitlisted_people: u32,
    /// People booked at the door without a smartphone (also counted as booked and checked
    /// in).
    #[serde(default)]
    pub walk_in_people: u32,
    /// Text messages to citizens delivered, and given up (refused, out of tries, expired).
    #[serde(default)]
    pub messages_sent: u32,
    #[serde(default)]
    pub messages_failed: u32,
    /// Cloud-classroom seats held.
    pub cloud_classroom_seats: u32,
    /// Of them, those of sessions already held: people who took part online (no door tells
    /// who joined), as far as anyone can know. Not sent: what a report lacks is judged on it.
    #[serde(skip)]
    pub cloud_seats_held: u32,
    /// Bookings made per day, oldest first: every booking made that day, whatever became of
    /// it (waiting, cancelled since, a walk-in), so these add up to more than `booked_people`.
    pub bookings_per_day: Vec<DailyBookings>,
    /// Vegetable quick-test samples.
    pub samples: SampleFigures,
}

impl Figures {
    fn add_session(&mut self, s: &SessionTally) {
        if s.cancelled {
            self.cancelled_sessions = self.cancelled_sessions.saturating_add(1);
        } else {
            self.sessions = self.sessions.saturating_add(1);
            self.places_offered = self.places_offered.saturating_add(s.capacity);
        }
        self.booked_people = self.booked_people.saturating_add(s.booked_people);
        self.checked_in_people = self.checked_in_people.saturating_add(s.checked_in_people);
        self.no_show_people = self.no_show_people.saturating_add(s.no_show_people);
        self.waitlisted_people = self.waitlisted_people.saturating_add(s.waitlisted_people);
        self.walk_in_people = self.walk_in_people.saturating_add(s.walk_in_people);
        self.messages_sent = self.messages_sent.saturating_add(s.messages_sent);
        self.messages_failed = self.messages_failed.saturating_add(s.messages_failed);
        if s.format == SessionFormat::CloudClassroom {
            self.cloud_classroom_seats = self.cloud_classroom_seats.saturating_add(s.booked_people);
            if s.ended && !s.cancelled {
                self.cloud_seats_held = self.cloud_seats_held.saturating_add(s.booked_people);
            }
        }
    }

    fn add_day(&mut self, d: &DayTally) {
        match self.bookings_per_day.iter_mut().find(|x| x.day == d.day) {
            Some(x) => {
                x.bookings = x.bookings.saturating_add(d.bookings);
                x.people = x.people.saturating_add(d.people);
            }
            None => self.bookings_per_day.push(DailyBookings {
                day: d.day,
                bookings: d.bookings,
                people: d.people,
            }),
        }
    }

    fn add_sample(&mut self, s: &SampleTally) {
        let f = &mut self.samples;
        f.registered = f.registered.saturating_add(1);
        if let Some(Outcome::Final(j)) = outcome(&s.tests) {
            f.tested = f.tested.saturating_add(1);
            match j {
                crate::sample::Judgement::Negative => f.negative = f.negative.saturating_add(1),
                crate::sample::Judgement::Suspicious => {
                    f.suspicious = f.suspicious.saturating_add(1)
                }
                crate::sample::Judgement::Positive => f.positive = f.positive.saturating_add(1),
            }
        }
    }

    /// Whether these figures show anyone taking part: let in at a door, holding a seat of
    /// a cloud classroom already held (no door tells who joined), or with a vegetable tested.
    pub fn anyone_took_part(&self) -> bool {
        self.checked_in_people > 0 || self.cloud_seats_held > 0 || self.samples.tested > 0
    }

    /// Sorts the days and works out the no-show rate, once everything is added.
    pub fn finish(mut self) -> Self {
        self.bookings_per_day.sort_by_key(|d| d.day);
        let known = (self.checked_in_people.saturating_sub(self.walk_in_people))
            .saturating_add(self.no_show_people);
        self.no_show_rate = (known > 0).then(|| f64::from(self.no_show_people) / f64::from(known));
        self
    }
}

/// An activity's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActivityFigures {
    pub activity_id: i64,
    pub organisation_id: i64,
    pub title: Localised,
    #[serde(flatten)]
    pub figures: Figures,
}

/// An organisation's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrganisationFigures {
    pub organisation_id: i64,
    pub name: Localised,
    #[serde(flatten)]
    pub figures: Figures,
}

/// The organiser's summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Summary {
    pub overall: Figures,
    pub organisations: Vec<OrganisationFigures>,
    pub activities: Vec<ActivityFigures>,
}

/// Rolls per-session and per-day tallies up into activity, organisation and overall
/// figures. Tallies of activities not listed in `activities` are ignored.
pub fn summarise(t: &Tallies) -> Summary {
    let mut activities: BTreeMap<i64, Figures> = BTreeMap::new();
    let mut organisations: BTreeMap<i64, Figures> = BTreeMap::new();
    let mut overall = Figures::default();
    let owner: BTreeMap<i64, i64> = t
        .activities
        .iter()
        .map(|a| (a.id, a.organisation_id))
        .collect();
    for a in &t.activities {
        activities.entry(a.id).or_default();
        organisations.entry(a.organisation_id).or_default();
    }
    // Each tally counts for its activity, that activity's organisation, and overall.
    t.each(|activity, add| {
        let Some(org) = owner.get(&activity) else {
            return;
        };
        add(activities.entry(activity).or_default());
        add(organisations.entry(*org).or_default());
        add(&mut overall);
    });
    let mut org_names: BTreeMap<i64, Localised> = BTreeMap::new();
    let activities = t
        .activities
        .iter()
        .map(|a| {
            org_names
                .entry(a.organisation_id)
                .or_insert_with(|| a.organisation.clone());
            ActivityFigures {
                activity_id: a.id,
                organisation_id: a.organisation_id,
                title: a.title.clone(),
                figures: activities.remove(&a.id).unwrap_or_default().finish(),
            }
        })
        .collect();
    Summary {
        overall: overall.finish(),
        organisations: organisations
            .into_iter()
            .map(|(id, figures)| OrganisationFigures {
                organisation_id: id,
                name: org_names.remove(&id).unwrap_or_default(),
                figures: figures.finish(),
            })
            .collect(),
        activities,
    }
}

/// A visit session's tally for tests: `booked` of `capacity` places held, nobody come yet.
#[cfg(test)]
pub(crate) fn tally(activity_id: i64, capacity: u32, booked: u32) -> SessionTally {
    SessionTally {
        activity_id,
        format: SessionFormat::Visit,
        cancelled: false,
        ended: false,
        capacity,
        booked_people: booked,
        checked_in_people: 0,
        no_show_people: 0,
        waitlisted_people: 0,
        walk_in_people: 0,
        messages_sent: 0,
        messages_failed: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 9, d).unwrap()
    }

    fn tallies() -> Tallies {
        let name = |id, org| ActivityName {
            id,
            organisation_id: org,
            starts_on: day(1),
            title: Localised::new(format!("活动{id}"), ""),
            organisation: Localised::new(format!("机构{org}"), ""),
        };
        Tallies {
            activities: vec![name(1, 10), name(2, 10), name(3, 20), name(4, 20)],
            sessions: vec![
                SessionTally {
                    checked_in_people: 8,
                    no_show_people: 2,
                    walk_in_people: 3,
                    messages_sent: 4,
                    messages_failed: 1,
                    ..tally(1, 10, 10)
                },
                SessionTally {
                    waitlisted_people: 3,
                    ..tally(1, 5, 5)
                },
                SessionTally {
                    format: SessionFormat::CloudClassroom,
                    ..tally(2, 100, 40)
                },
                SessionTally {
                    cancelled: true,
                    ..tally(3, 50, 0)
                },
                // An activity outside the caller's view contributes nothing.
                tally(99, 1000, 1000),
            ],
            days: vec![
                DayTally {
                    activity_id: 1,
                    day: day(2),
                    bookings: 3,
                    people: 6,
                },
                DayTally {
                    activity_id: 2,
                    day: day(1),
                    bookings: 10,
                    people: 40,
                },
                DayTally {
                    activity_id: 1,
                    day: day(1),
                    bookings: 4,
                    people: 9,
                },
            ],
            samples: Vec::new(),
        }
    }

    fn sample(tests: Vec<crate::sample::Judgement>) -> SampleTally {
        SampleTally {
            variety: "spinach".into(),
            received: !tests.is_empty(),
            tests,
        }
    }

    #[test]
    fn samples_count_once_they_have_a_final_judgement() {
        use crate::sample::Judgement::*;
        let mut t = tallies();
        t.samples = vec![
            (1, sample(vec![Negative])),
            (1, sample(vec![Positive, Positive, Positive])),
            (2, sample(vec![Suspicious, Suspicious, Negative])),
            // Waiting for re-tests, or not tested yet: registered only.
            (3, sample(vec![Positive])),
            (3, sample(vec![])),
            (99, sample(vec![Negative])),
        ];
        let s = summarise(&t);
        assert_eq!(
            s.overall.samples,
            SampleFigures {
                registered: 5,
                tested: 3,
                negative: 2,
                suspicious: 0,
                positive: 1
            }
        );
        assert_eq!(s.organisations[0].figures.samples.tested, 3);
        assert_eq!(s.organisations[1].figures.samples.registered, 2);
        assert_eq!(s.activities[0].figures.samples.positive, 1);
    }

    #[test]
    fn figures_roll_up_from_sessions_to_activities_organisations_and_overall() {
        let s = summarise(&tallies());
        let o = &s.overall;
        assert_eq!((o.sessions, o.cancelled_sessions), (3, 1));
        assert_eq!(o.places_offered, 115);
        assert_eq!(o.booked_people, 55);
        assert_eq!(o.checked_in_people, 8);
        assert_eq!(o.no_show_people, 2);
        // Walk-ins booked as they came: the rate is of those who booked ahead, 2 of 5 + 2.
        assert_eq!(o.no_show_rate, Some(2.0 / 7.0));
        assert_eq!(o.waitlisted_people, 3);
        assert_eq!(o.walk_in_people, 3);
        assert_eq!((o.messages_sent, o.messages_failed), (4, 1));
        assert_eq!(o.cloud_classroom_seats, 40);
        assert_eq!(
            o.bookings_per_day,
            vec![
                DailyBookings {
                    day: day(1),
                    bookings: 14,
                    people: 49
                },
                DailyBookings {
                    day: day(2),
                    bookings: 3,
                    people: 6
                },
            ]
        );

        let ids: Vec<i64> = s.organisations.iter().map(|o| o.organisation_id).collect();
        assert_eq!(ids, vec![10, 20]);
        let lab10 = &s.organisations[0];
        assert_eq!(lab10.name.zh, "机构10");
        assert_eq!(lab10.figures.places_offered, 115);
        assert_eq!(lab10.figures.walk_in_people, 3);
        assert_eq!(s.organisations[1].figures.cancelled_sessions, 1);
        assert_eq!(s.organisations[1].figures.no_show_rate, None);

        assert_eq!(s.activities.len(), 4);
        let first = &s.activities[0];
        assert_eq!((first.activity_id, first.figures.sessions), (1, 2));
        assert_eq!(first.figures.bookings_per_day[0].day, day(1));
        // An activity without sessions still shows, with zeros.
        assert_eq!(s.activities[3].figures, Figures::default());
    }

    #[test]
    fn a_year_holds_the_activities_that_began_in_it_and_only_theirs() {
        let mut t = tallies();
        // Activity 2 began on the last day of the year before, and runs into this one.
        t.activities[1].starts_on = NaiveDate::from_ymd_opt(2025, 12, 31).unwrap();
        t.samples = vec![(1, sample(vec![])), (2, sample(vec![]))];
        let this_year = summarise(&t.clone().held_in(2026)).overall;
        assert_eq!(
            (
                this_year.sessions,
                this_year.cancelled_sessions,
                this_year.cloud_classroom_seats
            ),
            (2, 1, 0)
        );
        assert_eq!(this_year.samples.registered, 1);
        assert_eq!(this_year.bookings_per_day.len(), 2, "activity 1's two days");
        let last_year = summarise(&t.clone().held_in(2025)).overall;
        assert_eq!(
            (last_year.sessions, last_year.cloud_classroom_seats),
            (1, 40)
        );
        assert_eq!(summarise(&t.held_in(2027)).overall.sessions, 0);
    }

    #[test]
    fn nothing_to_count_gives_zeros_and_no_rate() {
        let s = summarise(&Tallies::default());
        assert_eq!(s.overall, Figures::default());
        assert!(s.organisations.is_empty() && s.activities.is_empty());
    }
}
