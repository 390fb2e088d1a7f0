//! Press and web coverage of an activity, collected for the written summary each event must
//! file: a link, the outlet that published it, and the date. (Photos are not kept here.)

use crate::error::{ApiError, ErrorCode, FieldCode};
use crate::schedule::is_web_link;
use crate::text::{self, short_text};
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

/// Longest link, in characters.
pub const LINK_MAX_CHARS: usize = 500;
/// Longest outlet name or headline, in characters.
pub const OUTLET_MAX_CHARS: usize = 80;
pub const HEADLINE_MAX_CHARS: usize = 200;

/// A media item as staff record it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MediaDraft {
    pub activity_id: i64,
    /// Where it can be read (`https://…`).
    pub link: String,
    /// Who published it, e.g. 江西日报.
    pub outlet: String,
    #[serde(default)]
    pub headline: String,
    pub published_on: NaiveDate,
}

/// A media item that passed [`MediaDraft::validate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidMedia(MediaDraft);

impl ValidMedia {
    pub fn get(&self) -> &MediaDraft {
        &self.0
    }
}

impl MediaDraft {
    /// A web link, an outlet, a headline within its length, with no control character or
    /// bidirectional override, and a date not in the future.
    pub fn validate(&self, today: NaiveDate) -> Result<ValidMedia, ApiError> {
        let draft = MediaDraft {
            link: self.link.trim().to_owned(),
            outlet: text::trim(&self.outlet).to_owned(),
            headline: text::trim(&self.headline).to_owned(),
            ..self.clone()
        };
        let mut err = ApiError::new(ErrorCode::Invalid, "Some fields need attention");
        if !is_web_link(&draft.link) || draft.link.chars().count() > LINK_MAX_CHARS {
            err = err.with_field("link", FieldCode::LinkInvalid);
        }
        if let Err(code) = short_text(&draft.outlet, OUTLET_MAX_CHARS, FieldCode::OutletRequired) {
            err = err.with_field("outlet", code);
        }
        // Optional; when given, by the same rule as the outlet (it is written into the
        // report's Word document, where a control character makes the file unreadable).
        if draft.headline.chars().count() > HEADLINE_MAX_CHARS {
            err = err.with_field("headline", FieldCode::TextTooLong);
        } else if !text::may_keep(&draft.headline, false) {
            err = err.with_field("headline", FieldCode::TextInvalid);
        }
        if !crate::time::in_service(draft.published_on) {
            err = err.with_field("published_on", FieldCode::DateInvalid);
        } else if draft.published_on > today {
            err = err.with_field("published_on", FieldCode::InFuture);
        }
        err.unless_fields(ValidMedia(draft))
    }
}

/// A recorded media item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MediaItem {
    pub id: i64,
    pub activity_id: i64,
    pub organisation_id: i64,
    pub link: String,
    pub outlet: String,
    pub headline: String,
    pub published_on: NaiveDate,
    /// Username of whoever recorded it.
    pub added_by: String,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::time::VenueDateTime))]
    pub added_at: NaiveDateTime,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 9, 20).unwrap()
    }

    fn draft() -> MediaDraft {
        MediaDraft {
            activity_id: 1,
            link: " https://news.example/2026/09/lab-open-day ".into(),
            outlet: " 江西日报 ".into(),
            headline: String::new(),
            published_on: today(),
        }
    }

    #[test]
    fn a_link_an_outlet_and_a_past_date_make_a_media_item() {
        let valid = draft().validate(today()).unwrap();
        assert_eq!(valid.get().outlet, "江西日报");
        assert!(valid.get().link.starts_with("https://"));
    }

    #[test]
    fn bad_links_missing_outlets_and_future_dates_are_refused() {
        let e = MediaDraft {
            link: "news.example".into(),
            outlet: " ".into(),
            published_on: today().succ_opt().unwrap(),
            ..draft()
        }
        .validate(today())
        .unwrap_err();
        assert_eq!(e.fields["link"], FieldCode::LinkInvalid);
        assert_eq!(e.fields["outlet"], FieldCode::OutletRequired);
        assert_eq!(e.fields["published_on"], FieldCode::InFuture);
    }

    #[test]
    fn control_characters_and_invisible_outlets_are_refused() {
        // A vertical tab is what Word puts in text copied across a soft line break.
        let e = MediaDraft {
            outlet: "日报\u{7}".into(),
            headline: "第一行\u{B}第二行".into(),
            ..draft()
        }
        .validate(today())
        .unwrap_err();
        assert_eq!(e.fields["outlet"], FieldCode::TextInvalid);
        assert_eq!(e.fields["headline"], FieldCode::TextInvalid);
        let e = MediaDraft {
            outlet: "\u{200B}".into(),
            headline: "\u{202E}赣南日报".into(),
            ..draft()
        }
        .validate(today())
        .unwrap_err();
        assert_eq!(e.fields["outlet"], FieldCode::OutletRequired);
        assert_eq!(e.fields["headline"], FieldCode::TextInvalid);
        let valid = MediaDraft {
            headline: " 实验室开放日 ".into(),
            ..draft()
        }
        .validate(today())
        .unwrap();
        assert_eq!(valid.get().headline, "实验室开放日");
    }
}
