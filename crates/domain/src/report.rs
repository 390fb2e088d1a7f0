//! The Quality Month report every bureau files (the provincial notice): each unit's figures,
//! and each bureau's rolled up from everything under it, county → city → province; the units
//! that have not held an open day; and the reporting deadlines with what each filing bureau
//! still lacks. Pure: storage hands over the organisations, the tallies and where media
//! items and photos belong, and the same report comes out wherever it is shown (console,
//! CSV, print, Word).
//!
//! The figures are summed through [`Tallies::each`], the one walk every roll-up shares, so a
//! figure added to [`Figures`] is rolled up here without a change.

use crate::activity::Localised;
use crate::figures::{Figures, Tallies};
use crate::organisation::OrgKind;
use crate::schedule::OrganisationChoice;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};

/// What one unit did (or a unit and everything under it).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnitCounts {
    /// Open days: activities with at least one session that was not cancelled.
    pub open_days: u32,
    pub media_items: u32,
    pub photos: u32,
    #[serde(flatten)]
    pub figures: Figures,
}

impl UnitCounts {
    fn finish(self) -> Self {
        UnitCounts {
            figures: self.figures.finish(),
            ..self
        }
    }
}

/// One organisation in the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnitReport {
    pub organisation_id: i64,
    pub parent_id: Option<i64>,
    pub kind: OrgKind,
    pub name: Localised,
    /// 0 for a unit at the top of the report, 1 for the units under it, and so on.
    pub depth: u32,
    /// Its own activities only.
    pub own: UnitCounts,
    /// Its own and everything under it: what a bureau reports upwards.
    pub total: UnitCounts,
}

wire_enum! {
    /// What a filing bureau's summary still lacks.
    pub enum Gap {
        /// Nothing under it has an open day.
        NoOpenDay = "no_open_day",
        /// Nobody has been checked in yet: no attendance to report.
        NoFigures = "no_figures",
        NoPhotos = "no_photos",
        NoMedia = "no_media",
    }
}

wire_enum! {
    /// A step of the reporting chain in the provincial notice.
    pub enum Filing {
        /// County bureaus send their summaries to the city by 30 September.
        CountyToCity = "county_to_city",
        /// City bureaus send theirs to the province by 10 October.
        CityToProvince = "city_to_province",
    }
}

impl Filing {
    /// The bureaus that file at this step.
    pub fn filer(self) -> OrgKind {
        match self {
            Filing::CountyToCity => OrgKind::CountyBureau,
            Filing::CityToProvince => OrgKind::CityBureau,
        }
    }

    /// The day the summaries are due, in the event's year.
    pub fn due_on(self, year: i32) -> Option<NaiveDate> {
        match self {
            Filing::CountyToCity => NaiveDate::from_ymd_opt(year, 9, 30),
            Filing::CityToProvince => NaiveDate::from_ymd_opt(year, 10, 10),
        }
    }
}

/// A filing bureau and what its summary still lacks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Missing {
    pub organisation_id: i64,
    pub name: Localised,
    pub gaps: Vec<Gap>,
}

/// A reporting deadline that concerns the bureaus in the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Deadline {
    pub filing: Filing,
    pub due_on: NaiveDate,
    /// Days from today to the due day: 0 on the day, negative once it has passed.
    pub days_left: i64,
    /// How many bureaus in the report file at this step.
    pub filers: u32,
    /// The filing bureaus whose summary still lacks something (complete ones are not listed).
    pub missing: Vec<Missing>,
}

/// A unit named in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnitName {
    pub organisation_id: i64,
    pub kind: OrgKind,
    pub name: Localised,
}

/// The Quality Month report of one bureau's subtree (or of everything).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QualityReport {
    /// The year reported: the activities whose first day falls in it
    /// ([`crate::figures::Tallies::held_in`]), with their media items and photos.
    pub year: i32,
    /// The Quality Month: 1–30 September of `year`.
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    /// Everything in the report, counted once.
    pub overall: UnitCounts,
    /// Every unit, a parent before its children.
    pub units: Vec<UnitReport>,
    /// Labs, institutes and county bureaus with no open day in their subtree.
    pub without_open_day: Vec<UnitName>,
    /// The deadlines whose filing bureaus are in the report, earliest first.
    pub deadlines: Vec<Deadline>,
}

/// What the report is made from.
#[derive(Debug, Clone, Copy)]
pub struct ReportInput<'a> {
    /// The organisations in the report, a parent before its children; a unit whose parent
    /// is not listed is at the top.
    pub units: &'a [OrganisationChoice],
    pub tallies: &'a Tallies,
    /// The organisation of each media item.
    pub media: &'a [i64],
    /// The organisation of each photo.
    pub photos: &'a [i64],
    pub year: i32,
    pub today: NaiveDate,
}

/// A unit's chain upwards within the report: itself, its parent, … up to the top. Stops at
/// a repeat, so bad data with a cycle still ends.
fn chain(parents: &HashMap<i64, Option<i64>>, id: i64) -> Vec<i64> {
    let mut seen = Vec::new();
    let mut next = Some(id);
    while let Some(id) = next.filter(|id| parents.contains_key(id) && !seen.contains(id)) {
        seen.push(id);
        next = parents[&id];
    }
    seen
}

/// Rolls the tallies up the organisation tree: every figure counts for the activity's own
/// unit (`own`) and for that unit and each bureau above it (`total`). Tallies of activities
/// outside `units` are ignored.
pub fn quality_report(input: ReportInput<'_>) -> QualityReport {
    let parents: HashMap<i64, Option<i64>> =
        input.units.iter().map(|u| (u.id, u.parent_id)).collect();
    let owner: HashMap<i64, i64> = input
        .tallies
        .activities
        .iter()
        .filter(|a| parents.contains_key(&a.organisation_id))
        .map(|a| (a.id, a.organisation_id))
        .collect();
    let mut own: HashMap<i64, UnitCounts> = HashMap::new();
    let mut total: HashMap<i64, UnitCounts> = HashMap::new();
    let mut overall = UnitCounts::default();
    let mut count_for = |organisation: i64, add: &dyn Fn(&mut UnitCounts)| {
        add(own.entry(organisation).or_default());
        for unit in chain(&parents, organisation) {
            add(total.entry(unit).or_default());
        }
        add(&mut overall);
    };
    input.tallies.each(|activity, add| {
        if let Some(&organisation) = owner.get(&activity) {
            count_for(organisation, &|c| add(&mut c.figures));
        }
    });
    let held: BTreeSet<i64> = input
        .tallies
        .sessions
        .iter()
        .filter(|s| !s.cancelled)
        .map(|s| s.activity_id)
        .collect();
    for activity in held {
        if let Some(&organisation) = owner.get(&activity) {
            count_for(organisation, &|c| {
                c.open_days = c.open_days.saturating_add(1)
            });
        }
    }
    let coverage = [(input.media, true), (input.photos, false)];
    for (organisations, is_media) in coverage {
        for &organisation in organisations.iter().filter(|o| parents.contains_key(o)) {
            count_for(organisation, &|c| {
                let n = if is_media {
                    &mut c.media_items
                } else {
                    &mut c.photos
                };
                *n = n.saturating_add(1);
            });
        }
    }
    let units: Vec<UnitReport> = input
        .units
        .iter()
        .map(|u| UnitReport {
            organisation_id: u.id,
            parent_id: u.parent_id,
            kind: u.kind,
            name: u.name.clone(),
            depth: chain(&parents, u.id).len().saturating_sub(1) as u32,
            own: own.remove(&u.id).unwrap_or_default().finish(),
            total: total.remove(&u.id).unwrap_or_default().finish(),
        })
        .collect();
    QualityReport {
        year: input.year,
        period_from: NaiveDate::from_ymd_opt(input.year, 9, 1).unwrap_or_default(),
        period_to: NaiveDate::from_ymd_opt(input.year, 9, 30).unwrap_or_default(),
        overall: overall.finish(),
        without_open_day: without_open_day(&units),
        deadlines: deadlines(&units, input.year, input.today),
        units,
    }
}

/// Labs, institutes and county bureaus (every county must open a lab) with no open day.
fn without_open_day(units: &[UnitReport]) -> Vec<UnitName> {
    units
        .iter()
        .filter(|u| {
            matches!(
                u.kind,
                OrgKind::Lab | OrgKind::Institute | OrgKind::CountyBureau
            ) && u.total.open_days == 0
        })
        .map(|u| UnitName {
            organisation_id: u.organisation_id,
            kind: u.kind,
            name: u.name.clone(),
        })
        .collect()
}

/// What a filing bureau's summary lacks, judged on its rolled-up total.
pub fn gaps(total: &UnitCounts) -> Vec<Gap> {
    [
        (total.open_days == 0, Gap::NoOpenDay),
        (!total.figures.anyone_took_part(), Gap::NoFigures),
        (total.photos == 0, Gap::NoPhotos),
        (total.media_items == 0, Gap::NoMedia),
    ]
    .into_iter()
    .filter_map(|(lacking, gap)| lacking.then_some(gap))
    .collect()
}

/// The steps of the reporting chain whose filing bureaus are in the report.
fn deadlines(units: &[UnitReport], year: i32, today: NaiveDate) -> Vec<Deadline> {
    Filing::ALL
        .iter()
        .filter_map(|&filing| {
            let due_on = filing.due_on(year)?;
            let filers: Vec<&UnitReport> =
                units.iter().filter(|u| u.kind == filing.filer()).collect();
            (!filers.is_empty()).then(|| Deadline {
                filing,
                due_on,
                days_left: (due_on - today).num_days(),
                filers: filers.len() as u32,
                missing: filers
                    .iter()
                    .map(|u| Missing {
                        organisation_id: u.organisation_id,
                        name: u.name.clone(),
                        gaps: gaps(&u.total),
                    })
                    .filter(|m| !m.gaps.is_empty())
                    .collect(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::figures::{ActivityName, SessionTally};
    use crate::session::SessionFormat;
    use OrgKind::*;

    fn unit(id: i64, parent_id: Option<i64>, kind: OrgKind) -> OrganisationChoice {
        OrganisationChoice {
            id,
            name: Localised::new(format!("单位{id}"), format!("Unit {id}")),
            kind,
            parent_id,
        }
    }

    /// Province 1 → city 2 → counties 3 and 4; lab 5 under county 3, lab 6 under county 4,
    /// lab 7 under the city.
    fn tree() -> Vec<OrganisationChoice> {
        vec![
            unit(1, None, ProvinceBureau),
            unit(2, Some(1), CityBureau),
            unit(3, Some(2), CountyBureau),
            unit(5, Some(3), Lab),
            unit(4, Some(2), CountyBureau),
            unit(6, Some(4), Lab),
            unit(7, Some(2), Institute),
        ]
    }

    fn session(activity_id: i64, capacity: u32, booked: u32, checked_in: u32) -> SessionTally {
        SessionTally {
            checked_in_people: checked_in,
            ..crate::figures::tally(activity_id, capacity, booked)
        }
    }

    fn tallies() -> Tallies {
        let activity = |id, organisation_id| ActivityName {
            id,
            organisation_id,
            starts_on: day(9, 1),
            title: Localised::new(format!("活动{id}"), ""),
            organisation: Localised::default(),
        };
        Tallies {
            // Lab 5 holds two open days, the city one; lab 6's only one was cancelled;
            // activity 99 belongs to someone outside the report.
            activities: vec![
                activity(10, 5),
                activity(11, 5),
                activity(12, 2),
                activity(13, 6),
                activity(99, 42),
            ],
            sessions: vec![
                session(10, 20, 12, 10),
                session(10, 20, 5, 0),
                session(11, 10, 10, 9),
                SessionTally {
                    format: SessionFormat::CloudClassroom,
                    ..session(12, 100, 60, 0)
                },
                SessionTally {
                    cancelled: true,
                    ..session(13, 30, 0, 0)
                },
                session(99, 1000, 1000, 1000),
            ],
            days: Vec::new(),
            samples: Vec::new(),
        }
    }

    fn report(today: NaiveDate) -> QualityReport {
        quality_report(ReportInput {
            units: &tree(),
            tallies: &tallies(),
            media: &[5, 2, 42],
            photos: &[5, 5, 6],
            year: 2026,
            today,
        })
    }

    fn day(month: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, month, d).unwrap()
    }

    fn unit_report(r: &QualityReport, id: i64) -> &UnitReport {
        r.units.iter().find(|u| u.organisation_id == id).unwrap()
    }

    /// Open days, sessions, cancelled sessions, places, booked, checked in, cloud seats,
    /// media items, photos.
    fn key(c: &UnitCounts) -> [u32; 9] {
        let f = &c.figures;
        [
            c.open_days,
            f.sessions,
            f.cancelled_sessions,
            f.places_offered,
            f.booked_people,
            f.checked_in_people,
            f.cloud_classroom_seats,
            c.media_items,
            c.photos,
        ]
    }

    #[test]
    fn a_bureau_total_is_its_own_plus_everything_under_it() {
        let r = report(day(9, 20));
        let lab5 = unit_report(&r, 5);
        assert_eq!(lab5.own, lab5.total);
        assert_eq!(key(&lab5.own), [2, 3, 0, 50, 27, 19, 0, 1, 2]);
        let county3 = unit_report(&r, 3);
        assert_eq!(county3.own, UnitCounts::default());
        assert_eq!(county3.total, lab5.total);
        let city = unit_report(&r, 2);
        assert_eq!(key(&city.own), [1, 1, 0, 100, 60, 0, 60, 1, 0]);
        assert_eq!(key(&city.total), [3, 4, 1, 150, 87, 19, 60, 2, 3]);
        let province = unit_report(&r, 1);
        assert_eq!(province.total, city.total);
        // Outside the report (activity 99, organisation 42) counts nowhere.
        assert_eq!(r.overall, province.total);
    }

    #[test]
    fn units_come_parents_first_with_their_depth() {
        let r = report(day(9, 20));
        let depths: Vec<(i64, u32)> = r
            .units
            .iter()
            .map(|u| (u.organisation_id, u.depth))
            .collect();
        assert_eq!(
            depths,
            vec![(1, 0), (2, 1), (3, 2), (5, 3), (4, 2), (6, 3), (7, 2)]
        );
    }

    #[test]
    fn labs_institutes_and_counties_without_an_open_day_are_named() {
        let r = report(day(9, 20));
        let ids: Vec<i64> = r
            .without_open_day
            .iter()
            .map(|u| u.organisation_id)
            .collect();
        // Lab 6's only open day was cancelled, so county 4 has none either; the institute
        // never had one. The city and province are not in the list.
        assert_eq!(ids, vec![4, 6, 7]);
    }

    #[test]
    fn deadlines_are_30_september_and_10_october_with_what_each_bureau_lacks() {
        let r = report(day(9, 20));
        assert_eq!(r.period_from, day(9, 1));
        assert_eq!(r.period_to, day(9, 30));
        let [county, city] = &r.deadlines[..] else {
            panic!("two deadlines: {:?}", r.deadlines)
        };
        assert_eq!(county.filing, Filing::CountyToCity);
        assert_eq!((county.due_on, county.days_left), (day(9, 30), 10));
        assert_eq!(county.filers, 2);
        // County 3 lacks nothing; county 4 everything but photos (lab 6 has one).
        assert_eq!(
            county.missing,
            vec![Missing {
                organisation_id: 4,
                name: Localised::new("单位4", "Unit 4"),
                gaps: vec![Gap::NoOpenDay, Gap::NoFigures, Gap::NoMedia],
            }]
        );
        assert_eq!(city.filing, Filing::CityToProvince);
        assert_eq!((city.due_on, city.days_left), (day(10, 10), 20));
        assert_eq!((city.filers, city.missing.len()), (1, 0));

        let late = report(day(10, 11));
        assert_eq!(late.deadlines[0].days_left, -11);
        assert_eq!(late.deadlines[1].days_left, -1);
    }

    fn report_of(units: &[OrganisationChoice]) -> QualityReport {
        quality_report(ReportInput {
            units,
            tallies: &tallies(),
            media: &[],
            photos: &[],
            year: 2026,
            today: day(9, 1),
        })
    }

    #[test]
    fn a_county_report_has_only_its_own_deadline_and_a_lab_none() {
        let r = report_of(&tree()[2..4]);
        assert_eq!(r.units[0].depth, 0);
        assert_eq!(r.overall.open_days, 2);
        let filings: Vec<Filing> = r.deadlines.iter().map(|d| d.filing).collect();
        assert_eq!(filings, vec![Filing::CountyToCity]);
        assert_eq!(
            r.deadlines[0].missing[0].gaps,
            vec![Gap::NoPhotos, Gap::NoMedia]
        );
        let lab = report_of(&tree()[3..4]);
        assert!(lab.deadlines.is_empty() && lab.without_open_day.is_empty());
        assert_eq!(lab.overall.figures.sessions, 3);
    }

    #[test]
    fn a_cycle_in_bad_data_still_ends() {
        let units = vec![unit(1, Some(2), CityBureau), unit(2, Some(1), CountyBureau)];
        let t = Tallies {
            activities: vec![ActivityName {
                id: 1,
                organisation_id: 1,
                starts_on: day(9, 1),
                title: Localised::default(),
                organisation: Localised::default(),
            }],
            sessions: vec![session(1, 5, 1, 1)],
            ..Tallies::default()
        };
        let r = quality_report(ReportInput {
            units: &units,
            tallies: &t,
            media: &[],
            photos: &[],
            year: 2026,
            today: day(9, 1),
        });
        assert_eq!(r.units[1].total.figures.sessions, 1);
        assert_eq!(r.overall.figures.sessions, 1);
    }

    #[test]
    fn a_cloud_classroom_or_a_quick_test_alone_has_participation_figures() {
        let with = |figures: Figures| UnitCounts {
            open_days: 1,
            media_items: 1,
            photos: 1,
            figures,
        };
        assert_eq!(gaps(&with(Figures::default())), vec![Gap::NoFigures]);
        // Seats booked for a cloud classroom still to come are no one taking part yet.
        let booked = Figures {
            cloud_classroom_seats: 500,
            ..Figures::default()
        };
        assert_eq!(gaps(&with(booked)), vec![Gap::NoFigures]);
        let seats = Figures {
            cloud_classroom_seats: 500,
            cloud_seats_held: 500,
            ..Figures::default()
        };
        let tested = Figures {
            samples: crate::figures::SampleFigures {
                registered: 200,
                tested: 200,
                negative: 200,
                ..Default::default()
            },
            ..Figures::default()
        };
        let door = Figures {
            checked_in_people: 1,
            ..Figures::default()
        };
        for figures in [seats, tested, door] {
            assert_eq!(gaps(&with(figures)), Vec::<Gap>::new());
        }
    }

    #[test]
    fn nothing_to_report_gives_zeros() {
        let r = report_of(&[]);
        assert_eq!(r.overall, UnitCounts::default());
        assert!(r.units.is_empty() && r.deadlines.is_empty());
    }
}
