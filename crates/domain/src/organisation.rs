//! Organisations as the bureaus run them: a province bureau directs city bureaus, which
//! direct county bureaus, and any bureau opens labs and institutes of its own. An organiser
//! belongs to a bureau and acts for that bureau and everything under it (its *reach*); lab
//! staff act for their one organisation.

use crate::activity::Localised;
use crate::error::{ApiError, ErrorCode, FieldCode};
use serde::{Deserialize, Serialize};

wire_enum! {
    /// What an organisation is.
    pub enum OrgKind {
        /// 省级市场监管局 — a province bureau.
        ProvinceBureau = "province_bureau",
        /// 市级市场监管局 — a city bureau.
        CityBureau = "city_bureau",
        /// 县（区）级市场监管局 — a county or district bureau.
        CountyBureau = "county_bureau",
        /// A testing lab that opens its doors.
        Lab = "lab",
        /// A testing or research institute.
        Institute = "institute",
    }
}

impl OrgKind {
    /// Bureaus direct other organisations; labs and institutes do not.
    pub fn is_bureau(self) -> bool {
        matches!(
            self,
            OrgKind::ProvinceBureau | OrgKind::CityBureau | OrgKind::CountyBureau
        )
    }

    /// How high a bureau stands (province 3, city 2, county 1); labs and institutes 0.
    fn level(self) -> u8 {
        match self {
            OrgKind::ProvinceBureau => 3,
            OrgKind::CityBureau => 2,
            OrgKind::CountyBureau => 1,
            OrgKind::Lab | OrgKind::Institute => 0,
        }
    }

    /// Whether an organisation of this kind may sit directly under one of `parent`'s kind
    /// (`None`: at the top, as the first organisation of a deployment). A bureau sits under
    /// a bureau of a higher level (a county directly under its province is allowed: some
    /// counties are directed by the province); a lab or institute under any bureau.
    pub fn may_sit_under(self, parent: Option<OrgKind>) -> bool {
        match parent {
            None => true,
            Some(parent) => parent.is_bureau() && parent.level() > self.level(),
        }
    }
}

/// Longest organisation name, in characters.
pub const ORG_NAME_MAX_CHARS: usize = 80;
/// Longest city, county or contact line, in characters.
pub const ORG_LINE_MAX_CHARS: usize = 80;
/// Longest address, in characters.
pub const ORG_ADDRESS_MAX_CHARS: usize = 200;
/// Time zones labday accepts, in minutes east of UTC (every zone on Earth is within ±14 h).
pub const UTC_OFFSET_RANGE: std::ops::RangeInclusive<i32> = -14 * 60..=14 * 60;

fn default_offset() -> i32 {
    crate::time::SHANGHAI_OFFSET_MINUTES
}

/// An organisation as an organiser creates or edits it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrganisationDraft {
    /// The bureau it sits under (required in the console; only the command line creates a
    /// top-level one). When an organisation is edited, left out or its own parent: it does
    /// not move (another is refused with `parent_changed`).
    #[serde(default)]
    pub parent_id: Option<i64>,
    pub kind: OrgKind,
    pub name: Localised,
    #[serde(default)]
    pub city: Localised,
    #[serde(default)]
    pub county: Localised,
    #[serde(default)]
    pub address: Localised,
    /// A phone number or e-mail address the public may use.
    #[serde(default)]
    pub contact: String,
    /// Minutes east of UTC of its venues (480 for China Standard Time).
    #[serde(default = "default_offset")]
    pub utc_offset_minutes: i32,
}

/// An organisation draft that passed [`OrganisationDraft::validate`]: texts trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidOrganisation(OrganisationDraft);

impl ValidOrganisation {
    pub fn get(&self) -> &OrganisationDraft {
        &self.0
    }
}

fn trimmed(text: &Localised) -> Localised {
    Localised::new(crate::text::trim(&text.zh), crate::text::trim(&text.en))
}

/// Whether a text fits its field: `None` when it does, else why not.
fn both(text: &Localised) -> [&str; 2] {
    [&text.zh, &text.en]
}

fn misfit(
    texts: &[&str],
    max: usize,
    too_long: FieldCode,
    invalid: FieldCode,
) -> Option<FieldCode> {
    if texts.iter().any(|t| t.chars().count() > max) {
        Some(too_long)
    } else if !texts.iter().all(|t| crate::text::may_keep(t, false)) {
        Some(invalid)
    } else {
        None
    }
}

impl OrganisationDraft {
    /// A Chinese name, every text within its length and free of control characters and
    /// bidirectional overrides, and a
    /// real time zone. Where it sits is checked against its parent by
    /// [`OrgKind::may_sit_under`], which needs the parent's kind from storage.
    pub fn validate(&self) -> Result<ValidOrganisation, ApiError> {
        let draft = OrganisationDraft {
            name: trimmed(&self.name),
            city: trimmed(&self.city),
            county: trimmed(&self.county),
            address: trimmed(&self.address),
            contact: crate::text::trim(&self.contact).to_owned(),
            ..self.clone()
        };
        let mut err = ApiError::new(ErrorCode::Invalid, "Some fields need attention");
        let (long, bad) = (FieldCode::TextTooLong, FieldCode::TextInvalid);
        let fields = [
            (
                "name",
                misfit(
                    &both(&draft.name),
                    ORG_NAME_MAX_CHARS,
                    FieldCode::NameTooLong,
                    FieldCode::NameInvalid,
                ),
            ),
            (
                "city",
                misfit(&both(&draft.city), ORG_LINE_MAX_CHARS, long, bad),
            ),
            (
                "county",
                misfit(&both(&draft.county), ORG_LINE_MAX_CHARS, long, bad),
            ),
            (
                "address",
                misfit(&both(&draft.address), ORG_ADDRESS_MAX_CHARS, long, bad),
            ),
            (
                "contact",
                misfit(&[&draft.contact], ORG_LINE_MAX_CHARS, long, bad),
            ),
        ];
        for (field, code) in fields {
            if let Some(code) = code {
                err = err.with_field(field, code);
            }
        }
        if crate::text::is_blank(&draft.name.zh) {
            err = err.with_field("name", FieldCode::NameRequired);
        }
        if !UTC_OFFSET_RANGE.contains(&draft.utc_offset_minutes) {
            err = err.with_field("utc_offset_minutes", FieldCode::Invalid);
        }
        err.unless_fields(ValidOrganisation(draft))
    }
}

/// An organisation as the console shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrganisationDetails {
    pub id: i64,
    #[serde(flatten)]
    pub draft: OrganisationDraft,
}

/// The organisations a staff account acts for: everything (an organiser created on the
/// command line without a bureau), or a set of organisations (an organiser's bureau and
/// everything under it; a lab-staff account's one organisation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    Everything,
    /// Sorted, no repeats.
    Only(Vec<i64>),
}

impl Reach {
    pub fn only(mut ids: Vec<i64>) -> Reach {
        ids.sort_unstable();
        ids.dedup();
        Reach::Only(ids)
    }

    pub fn contains(&self, organisation_id: i64) -> bool {
        match self {
            Reach::Everything => true,
            Reach::Only(ids) => ids.binary_search(&organisation_id).is_ok(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> OrganisationDraft {
        OrganisationDraft {
            parent_id: Some(1),
            kind: OrgKind::CityBureau,
            name: Localised::new("  广州市市场监督管理局 ", "Guangzhou AMR"),
            city: Localised::new("广州", "Guangzhou"),
            county: Localised::default(),
            address: Localised::default(),
            contact: " 020-12345 ".into(),
            utc_offset_minutes: 480,
        }
    }

    #[test]
    fn bureaus_sit_under_higher_bureaus_and_labs_under_any_bureau() {
        use OrgKind::*;
        assert!(CityBureau.may_sit_under(Some(ProvinceBureau)));
        assert!(CountyBureau.may_sit_under(Some(CityBureau)));
        assert!(CountyBureau.may_sit_under(Some(ProvinceBureau)));
        assert!(!ProvinceBureau.may_sit_under(Some(CityBureau)));
        assert!(!CityBureau.may_sit_under(Some(CityBureau)));
        assert!(!CityBureau.may_sit_under(Some(CountyBureau)));
        for unit in [Lab, Institute] {
            for bureau in [ProvinceBureau, CityBureau, CountyBureau] {
                assert!(unit.may_sit_under(Some(bureau)));
            }
            assert!(!unit.may_sit_under(Some(Lab)));
            assert!(!CountyBureau.may_sit_under(Some(unit)));
        }
        assert!(ProvinceBureau.may_sit_under(None));
    }

    #[test]
    fn a_draft_is_trimmed_and_every_wrong_field_is_named() {
        let valid = draft().validate().unwrap();
        assert_eq!(valid.get().name.zh, "广州市市场监督管理局");
        assert_eq!(valid.get().contact, "020-12345");

        let bad = OrganisationDraft {
            name: Localised::new(" ", "x"),
            address: Localised::new("路".repeat(ORG_ADDRESS_MAX_CHARS + 1), ""),
            contact: "a\u{7}b".into(),
            utc_offset_minutes: 15 * 60,
            ..draft()
        };
        let err = bad.validate().unwrap_err();
        assert_eq!(err.fields["name"], FieldCode::NameRequired);
        assert_eq!(err.fields["address"], FieldCode::TextTooLong);
        assert_eq!(err.fields["contact"], FieldCode::TextInvalid);
        assert_eq!(err.fields["utc_offset_minutes"], FieldCode::Invalid);
        let long = OrganisationDraft {
            name: Localised::new("局".repeat(ORG_NAME_MAX_CHARS + 1), ""),
            ..draft()
        };
        assert_eq!(
            long.validate().unwrap_err().fields["name"],
            FieldCode::NameTooLong
        );
        let hidden = OrganisationDraft {
            name: Localised::new("\u{200B}\u{200D}", ""),
            county: Localised::new("\u{202E}区县", ""),
            ..draft()
        };
        let err = hidden.validate().unwrap_err();
        assert_eq!(err.fields["name"], FieldCode::NameRequired);
        assert_eq!(err.fields["county"], FieldCode::TextInvalid);
    }

    #[test]
    fn a_reach_holds_exactly_its_organisations() {
        let reach = Reach::only(vec![5, 2, 4, 2]);
        assert_eq!(reach, Reach::Only(vec![2, 4, 5]));
        assert!(reach.contains(5) && reach.contains(2));
        assert!(!reach.contains(3) && !reach.contains(1));
        assert!(Reach::Everything.contains(99));
    }
}
