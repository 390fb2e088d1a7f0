//! Activities: the public events an organisation runs (a lab open day, a certification
//! week, a training), each with bookable sessions.

use crate::session::{Availability, SessionFormat, SessionView};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A text in both of labday's languages: zh-CN first, English second.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Localised {
    pub zh: String,
    pub en: String,
}

impl Localised {
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            zh: zh.into(),
            en: en.into(),
        }
    }

    /// The text in `lang` (`"en"` for English, anything else for Chinese); falls back to the
    /// other language when a translation is missing.
    pub fn get(&self, lang: &str) -> &str {
        let (first, second) = if lang.starts_with("en") {
            (&self.en, &self.zh)
        } else {
            (&self.zh, &self.en)
        };
        if first.is_empty() {
            second
        } else {
            first
        }
    }
}

/// What kind of public event an activity is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ActivityKind {
    /// 检验检测机构开放日 — a testing lab opens its doors.
    LabOpenDay,
    /// 认证宣传周 — organic, green or service certification week.
    CertificationWeek,
    /// Training or lecture series.
    Training,
}

impl ActivityKind {
    pub const ALL: [ActivityKind; 3] = [
        ActivityKind::LabOpenDay,
        ActivityKind::CertificationWeek,
        ActivityKind::Training,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ActivityKind::LabOpenDay => "lab_open_day",
            ActivityKind::CertificationWeek => "certification_week",
            ActivityKind::Training => "training",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == raw)
    }
}

/// The lab or bureau that runs activities.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Organisation {
    pub id: i64,
    pub name: Localised,
    pub city: Localised,
    pub address: Localised,
    pub contact: String,
}

/// One card on the home page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActivitySummary {
    pub id: i64,
    pub kind: ActivityKind,
    pub title: Localised,
    pub organisation: Localised,
    pub city: Localised,
    #[serde(with = "crate::time::wire::venue_date")]
    pub starts_on: NaiveDate,
    #[serde(with = "crate::time::wire::venue_date")]
    pub ends_on: NaiveDate,
    /// Formats of its sessions, each once.
    pub formats: Vec<SessionFormat>,
    /// Places left across its upcoming, bookable sessions.
    pub places_left: u32,
    pub availability: Availability,
}

/// Home-page filter categories, as a citizen thinks of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Category {
    LabOpenDay,
    Demo,
    QuickTest,
    CloudClassroom,
    CertificationWeek,
    Training,
}

impl Category {
    pub const ALL: [Category; 6] = [
        Category::LabOpenDay,
        Category::Demo,
        Category::QuickTest,
        Category::CloudClassroom,
        Category::CertificationWeek,
        Category::Training,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::LabOpenDay => "lab_open_day",
            Category::Demo => "demo",
            Category::QuickTest => "quick_test",
            Category::CloudClassroom => "cloud_classroom",
            Category::CertificationWeek => "certification_week",
            Category::Training => "training",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == raw)
    }

    /// Whether an activity belongs in this category.
    pub fn matches(self, activity: &ActivitySummary) -> bool {
        match self {
            Category::LabOpenDay => activity.kind == ActivityKind::LabOpenDay,
            Category::CertificationWeek => activity.kind == ActivityKind::CertificationWeek,
            Category::Training => activity.kind == ActivityKind::Training,
            Category::Demo => activity.formats.contains(&SessionFormat::Demo),
            Category::QuickTest => activity.formats.contains(&SessionFormat::QuickTest),
            Category::CloudClassroom => activity.formats.contains(&SessionFormat::CloudClassroom),
        }
    }
}

/// An activity page: the card's facts plus description, address, safety notes and sessions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActivityDetail {
    #[serde(flatten)]
    pub summary: ActivitySummary,
    pub description: Localised,
    pub address: Localised,
    pub safety_notes: Localised,
    pub contact: String,
    pub sessions: Vec<SessionView>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn localised_falls_back_when_a_translation_is_missing() {
        let t = Localised::new("开放日", "");
        assert_eq!(t.get("en"), "开放日");
        assert_eq!(Localised::new("开放日", "Open day").get("en"), "Open day");
        assert_eq!(Localised::new("开放日", "Open day").get("zh-CN"), "开放日");
    }
}

/// The home page's filters; every part is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema, utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct ActivityFilter {
    /// Only activities of this category; empty is no filter, any other value a 400.
    #[serde(default, deserialize_with = "empty_is_none")]
    pub category: Option<Category>,
    /// City name in either language, e.g. `南昌` or `Nanchang`.
    pub city: Option<String>,
    /// Only activities with a session still to come on this date (`YYYY-MM-DD`), counted by
    /// that day's sessions: the listing query applies it, not [`ActivityFilter::matches`].
    pub date: Option<NaiveDate>,
}

/// `category=` (an emptied select in a shared link) filters nothing, as no `category` does.
fn empty_is_none<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Category>, D::Error> {
    match Option::<String>::deserialize(d)?.as_deref() {
        None | Some("") => Ok(None),
        Some(raw) => Category::parse(raw)
            .map(Some)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown category `{raw}`"))),
    }
}

impl ActivityFilter {
    /// Whether a listed activity passes the category and city filters (the date filter
    /// chose the list itself: a summary does not carry its session days).
    pub fn matches(&self, a: &ActivitySummary) -> bool {
        let category = self.category.is_none_or(|c| c.matches(a));
        let city = match self
            .city
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            None => true,
            Some(c) => a.city.zh == c || a.city.en.eq_ignore_ascii_case(c),
        };
        category && city
    }
}
