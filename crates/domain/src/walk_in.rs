//! Walk-ins: people without a smartphone, booked by staff at the door (China's rules for
//! older citizens keep an offline channel open beside online booking). A walk-in needs no
//! name, no phone and no consent form, only the party; it takes a reserved place first, then
//! a free one, never one past the capacity ([`crate::session::Places`]), and is checked in
//! at once. Their vegetables are registered at the quick-test bench the same way.

use crate::booking::{HolderName, Party, PartyError, PARTY_HARD_LIMIT};
use crate::error::{ApiError, ErrorCode};
use crate::phone::Phone;
use crate::sample::{SampleItem, ValidSampleItem};
use crate::session::Places;
use crate::staff::{Disclose, Disclosure, RosterEntry};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Who a walk-in is, as staff type it: both optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WalkInHolder {
    /// Left empty when the visitor gives none.
    #[serde(default)]
    pub name: String,
    /// Checked like any phone when given; left empty otherwise.
    #[serde(default)]
    pub phone: String,
}

/// A walk-in's holder fields that passed their checks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValidHolder {
    pub name: Option<HolderName>,
    pub phone: Option<Phone>,
}

impl WalkInHolder {
    /// An empty field is no value; a given one must pass the same checks as a citizen's.
    fn validate(&self, err: &mut ApiError) -> ValidHolder {
        let mut fault = |field: &str, code| {
            err.fields.insert(field.to_owned(), code);
        };
        let name = match crate::text::trim(&self.name) {
            raw if crate::text::is_blank(raw) => None,
            raw => HolderName::parse(raw).map_err(|c| fault("name", c)).ok(),
        };
        let phone = match self.phone.trim() {
            "" => None,
            raw => Phone::parse(raw).map_err(|c| fault("phone", c)).ok(),
        };
        ValidHolder { name, phone }
    }
}

/// Staff booking a walk-in at a session's door.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WalkIn {
    #[serde(flatten)]
    pub holder: WalkInHolder,
    pub adults: u32,
    #[serde(default)]
    pub children: u32,
}

/// A walk-in whose fields passed every check that needs no database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidWalkIn {
    pub holder: ValidHolder,
    pub party: Party,
}

impl WalkIn {
    /// Field checks, all reported at once. The party is bounded by
    /// [`PARTY_HARD_LIMIT`] only: the per-booking limit is for online bookings.
    pub fn validate(&self) -> Result<ValidWalkIn, ApiError> {
        let mut err = ApiError::new(ErrorCode::Invalid, "Some fields need attention");
        let holder = self.holder.validate(&mut err);
        let party =
            Party::parse(self.adults, self.children, PARTY_HARD_LIMIT).map_err(|e: PartyError| {
                err.fields.insert(e.field().to_owned(), e.code());
            });
        match party {
            Ok(party) if err.fields.is_empty() => Ok(ValidWalkIn { holder, party }),
            _ => Err(err),
        }
    }
}

/// Whether a walk-in party fits: into any free place, reserved or not; `session_full`
/// otherwise (a walk-in is never waitlisted: the visitor is at the door now).
pub fn admit_walk_in(places: &Places, party: Party) -> Result<(), ErrorCode> {
    if party.people() <= places.walk_in_free() {
        Ok(())
    } else {
        Err(ErrorCode::SessionFull)
    }
}

/// What booking a walk-in answers: the roster line (checked in) and the places left.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WalkInResult {
    pub entry: RosterEntry,
    /// Free places left for walk-ins (reserved or not).
    pub walk_in_places_left: u32,
    /// Free places left for online bookings.
    pub online_places_left: u32,
}

impl Disclose for WalkInResult {
    fn disclosed(self, to: Disclosure) -> Self {
        WalkInResult {
            entry: self.entry.disclosed(to),
            ..self
        }
    }
}

/// Staff registering a walk-in's vegetables at the quick-test bench.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WalkInSamples {
    #[serde(flatten)]
    pub holder: WalkInHolder,
    pub samples: Vec<SampleItem>,
}

/// Walk-in samples that passed the field checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidWalkInSamples {
    pub holder: ValidHolder,
    pub items: Vec<ValidSampleItem>,
}

impl WalkInSamples {
    /// The citizen form's vegetable checks (fields `samples.<index>.<field>`), 1 to
    /// [`crate::sample::MAX_SAMPLES_PER_PHONE`] of them, and the optional holder's.
    pub fn validate(&self, today: NaiveDate) -> Result<ValidWalkInSamples, ApiError> {
        let mut err = ApiError::new(ErrorCode::Invalid, "Some fields need attention");
        let holder = self.holder.validate(&mut err);
        let items = crate::sample::validate_items(&self.samples, today, &mut err);
        if err.fields.is_empty() {
            Ok(ValidWalkInSamples { holder, items })
        } else {
            Err(err)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::FieldCode;

    fn walk_in(name: &str, phone: &str, adults: u32, children: u32) -> WalkIn {
        WalkIn {
            holder: WalkInHolder {
                name: name.into(),
                phone: phone.into(),
            },
            adults,
            children,
        }
    }

    #[test]
    fn name_and_phone_are_optional_but_checked_when_given() {
        let v = walk_in("", " ", 1, 0).validate().unwrap();
        assert_eq!(v.holder, ValidHolder::default());
        let v = walk_in(" 王阿姨 ", "138 0013 8000", 2, 1)
            .validate()
            .unwrap();
        assert_eq!(v.holder.name.unwrap().as_str(), "王阿姨");
        assert_eq!(v.holder.phone.unwrap().as_str(), "13800138000");
        assert_eq!(v.party.people(), 3);
        let e = walk_in("王\u{7}", "12345", 1, 0).validate().unwrap_err();
        assert_eq!(e.fields["name"], FieldCode::NameInvalid);
        assert_eq!(e.fields["phone"], FieldCode::PhoneInvalid);
    }

    #[test]
    fn a_party_needs_an_adult_and_stays_under_the_hard_limit() {
        let e = walk_in("", "", 0, 0).validate().unwrap_err();
        assert_eq!(e.fields["adults"], FieldCode::AdultRequired);
        for (adults, children) in [(21, 0), (u32::MAX, 0), (15, 6), (1, u32::MAX)] {
            let e = walk_in("", "", adults, children).validate().unwrap_err();
            assert!(
                e.fields.values().all(|c| *c == FieldCode::PartyTooLarge),
                "{adults}+{children}: {e:?}"
            );
        }
        assert!(walk_in("", "", 20, 0).validate().is_ok());
    }

    #[test]
    fn a_walk_in_takes_any_free_place_and_nothing_past_capacity() {
        let party = |n| Party::parse(n, 0, PARTY_HARD_LIMIT).unwrap();
        let places = Places {
            capacity: 10,
            reserved: 3,
            booked: 7,
            walk_ins: 0,
        };
        assert_eq!(places.online_free(), 0);
        assert_eq!(admit_walk_in(&places, party(3)), Ok(()));
        assert_eq!(
            admit_walk_in(&places, party(4)),
            Err(ErrorCode::SessionFull)
        );
    }
}
