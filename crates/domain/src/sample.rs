//! Vegetable samples brought to a pesticide quick-test session: what a citizen registers,
//! how a reading becomes a judgement, when re-tests are needed, and the public board.
//!
//! The rules follow GB/T 5009.199-2003 (enzyme inhibition) as described in docs/domain.md: an
//! inhibition rate at or above the positive threshold is positive, the band below it is
//! suspicious, and a sample that is not negative at first is tested again at least twice;
//! only a sample that fails every test counts as failing (final judgement = the mildest
//! judgement among its tests). Thresholds are settings, kept in tenths of a percent so a
//! reading at a threshold is judged exactly.

mod erasure;

pub use erasure::{may_erase, withdraws};

use crate::activity::Localised;
use crate::booking::{BookingCode, HolderName};
use crate::error::{ApiError, ErrorCode, FieldCode};
use crate::phone::Phone;
use crate::staff::{Disclose, Disclosure};
use crate::text::short_text;
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

/// Sample codes look and read like booking codes (`K7QM-4XPB`).
pub type SampleCode = BookingCode;

/// Most samples one phone may register on one session.
pub const MAX_SAMPLES_PER_PHONE: u32 = 5;
/// The per-phone sample rule: whether a phone that already registered `held` samples on a
/// session may add `wanted` more (at most [`MAX_SAMPLES_PER_PHONE`] in all). Compared wide,
/// so neither a stored count nor a request can wrap the sum into "fits".
pub fn within_sample_limit(held: u32, wanted: usize) -> bool {
    let wanted = u64::try_from(wanted).unwrap_or(u64::MAX);
    u64::from(held).saturating_add(wanted) <= u64::from(MAX_SAMPLES_PER_PHONE)
}

/// Vegetables bought longer ago than this are not worth a quick test.
pub const MAX_PURCHASE_AGE_DAYS: i64 = 7;
/// Longest "where bought" text, in characters.
pub const PLACE_MAX_CHARS: usize = 40;
/// Longest free-text variety or pesticide name, in characters.
pub const NAME_MAX_CHARS: usize = 20;
/// Re-tests required after a first test that is not negative.
pub const RETESTS_REQUIRED: u32 = 2;

/// A vegetable the registration form offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Variety {
    pub key: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    /// Known to give false positives with the enzyme method (sulphur compounds, enzymes or
    /// pigments of the plant itself), so the citizen is warned when registering it.
    pub enzyme_false_positive: bool,
}

const fn v(key: &'static str, zh: &'static str, en: &'static str, fp: bool) -> Variety {
    Variety {
        key,
        zh,
        en,
        enzyme_false_positive: fp,
    }
}

/// Common vegetables of Chinese markets; `other` takes a typed name.
pub const VARIETIES: &[Variety] = &[
    v("chinese_cabbage", "大白菜", "Chinese cabbage", false),
    v("bok_choy", "小白菜（青菜）", "Bok choy", false),
    v("spinach", "菠菜", "Spinach", false),
    v("lettuce", "生菜", "Lettuce", false),
    v("indian_lettuce", "油麦菜", "Indian lettuce", false),
    v("water_spinach", "空心菜", "Water spinach", false),
    v("choy_sum", "菜心", "Choy sum", false),
    v("cabbage", "卷心菜", "Cabbage", false),
    v("broccoli", "西兰花", "Broccoli", false),
    v("cauliflower", "花菜", "Cauliflower", false),
    v("celtuce", "莴笋", "Celtuce", false),
    v("cucumber", "黄瓜", "Cucumber", false),
    v("tomato", "番茄", "Tomato", true),
    v("eggplant", "茄子", "Aubergine", false),
    v("chilli", "辣椒", "Chilli pepper", false),
    v("yardlong_bean", "豇豆", "Yardlong bean", false),
    v("green_bean", "四季豆", "Green bean", false),
    v("bitter_melon", "苦瓜", "Bitter melon", false),
    v("zucchini", "西葫芦", "Courgette", false),
    v("pumpkin", "南瓜", "Pumpkin", false),
    v("potato", "土豆", "Potato", false),
    v("carrot", "胡萝卜", "Carrot", false),
    v("radish", "萝卜", "Radish", true),
    v("lotus_root", "莲藕", "Lotus root", false),
    v("onion", "洋葱", "Onion", true),
    v("garlic", "大蒜", "Garlic", true),
    v("chives", "韭菜", "Chinese chives", true),
    v("spring_onion", "葱", "Spring onion", true),
    v("celery", "芹菜", "Celery", true),
    v("coriander", "香菜", "Coriander", true),
    v("water_bamboo", "茭白", "Water bamboo", true),
    v("mushroom", "蘑菇", "Mushroom", true),
    v("other", "其他", "Other", false),
];

/// Other names markets use for listed varieties, as `(name, key)` (English ones
/// case-insensitive): typed, they pick the variety (so its false-positive warning shows),
/// though the list shows one name.
const ALSO_CALLED: &[(&str, &str)] = &[
    ("西红柿", "tomato"),
    ("马铃薯", "potato"),
    ("洋芋", "potato"),
    ("芫荽", "coriander"),
    ("包菜", "cabbage"),
    ("包心菜", "cabbage"),
    ("圆白菜", "cabbage"),
    ("菜花", "cauliflower"),
    ("蒜头", "garlic"),
    ("大蒜头", "garlic"),
    ("蒜", "garlic"),
    ("洋葱头", "onion"),
    ("大葱", "spring_onion"),
    ("小葱", "spring_onion"),
    ("香葱", "spring_onion"),
    ("青葱", "spring_onion"),
    ("scallion", "spring_onion"),
    ("scallions", "spring_onion"),
    ("spring onions", "spring_onion"),
    ("green onion", "spring_onion"),
    ("green onions", "spring_onion"),
    ("白萝卜", "radish"),
    ("西芹", "celery"),
    ("尖椒", "chilli"),
    ("蕹菜", "water_spinach"),
    ("长豆角", "yardlong_bean"),
    ("香菇", "mushroom"),
    ("平菇", "mushroom"),
    ("金针菇", "mushroom"),
    ("cilantro", "coriander"),
    ("eggplant", "eggplant"),
    ("zucchini", "zucchini"),
    ("tomatoes", "tomato"),
    ("onions", "onion"),
    ("mushrooms", "mushroom"),
    ("potatoes", "potato"),
];

/// The variety a typed `other` falls back to.
pub const OTHER: &str = "other";

impl Variety {
    pub fn find(key: &str) -> Option<&'static Variety> {
        VARIETIES.iter().find(|v| v.key == key)
    }

    /// Varieties whose name in either language contains `query` (case-insensitive);
    /// all of them for an empty query. `other` always stays last so it can be picked.
    pub fn search(query: &str) -> Vec<&'static Variety> {
        let q = query.trim().to_lowercase();
        VARIETIES
            .iter()
            .filter(|v| {
                q.is_empty()
                    || v.key == OTHER
                    || v.zh.contains(q.as_str())
                    || v.en.to_lowercase().contains(q.as_str())
            })
            .collect()
    }
}

/// What a person typed into the variety field, as `(key, typed name for other)`: a listed
/// name in either language (or one of the names in its brackets, `小白菜（青菜）`, or another
/// name markets use, `西红柿`) picks that variety; anything else is `other` with the text as
/// its name.
///
/// Names are ASCII English or Chinese (which has no case), so an ASCII case-insensitive
/// match is the whole of it; it also keeps Unicode case tables out of the WebAssembly.
pub fn variety_from_typed(typed: &str) -> (String, String) {
    let text = typed.trim();
    let names = |v: &Variety| {
        let mut all = vec![v.zh, v.en];
        all.extend(v.zh.split(['（', '）']).filter(|p| !p.is_empty()));
        all
    };
    let also = ALSO_CALLED
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(text))
        .and_then(|(_, key)| Variety::find(key));
    match also.or_else(|| {
        VARIETIES
            .iter()
            .find(|v| !text.is_empty() && names(v).iter().any(|n| n.eq_ignore_ascii_case(text)))
    }) {
        Some(v) => (v.key.to_owned(), String::new()),
        None => (OTHER.to_owned(), text.to_owned()),
    }
}

/// A variety as views show it: its key and its name in both languages (a typed name for
/// `other`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VarietyName {
    pub key: String,
    pub name: Localised,
}

impl VarietyName {
    /// The name for a stored key and typed name; unknown keys keep their typed name, and
    /// `other` without one (erased after the retention period) reads as the list's "other".
    pub fn of(key: &str, other: &str) -> VarietyName {
        let name = match Variety::find(key) {
            Some(v) if v.key != OTHER || other.is_empty() => Localised::new(v.zh, v.en),
            _ => Localised::new(other, other),
        };
        VarietyName {
            key: key.to_owned(),
            name,
        }
    }

    /// The name the public board shows: the list's own, and the list's "other" for every
    /// vegetable not in it. What a citizen typed for one (which may be anything: a phone
    /// number, an advertisement) is for the citizen's own result and the lab's bench, never
    /// for the bureau's public page.
    pub fn listed(key: &str) -> VarietyName {
        match Variety::find(key) {
            Some(v) => VarietyName::of(v.key, ""),
            None => VarietyName::of(OTHER, ""),
        }
    }

    pub fn enzyme_false_positive(&self) -> bool {
        Variety::find(&self.key).is_some_and(|v| v.enzyme_false_positive)
    }
}

/// One vegetable in a registration, as the form sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SampleItem {
    /// A key of [`VARIETIES`].
    pub variety: String,
    /// The vegetable's name when `variety` is `other`.
    #[serde(default)]
    pub variety_other: String,
    /// Market and stall where it was bought.
    pub bought_at: String,
    pub bought_on: NaiveDate,
}

/// What a citizen sends to register samples on a quick-test session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SampleRegistration {
    pub session_id: i64,
    pub name: String,
    pub phone: String,
    /// The privacy notice was shown and accepted.
    pub consent: bool,
    pub samples: Vec<SampleItem>,
    /// The app's language when registering: the result message is written in it.
    #[serde(default)]
    pub lang: crate::message::Lang,
    /// With verified phones on: the token a right code was exchanged for, good for this
    /// phone (as for a booking).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_token: Option<String>,
}

/// One vegetable that passed the field checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidSampleItem {
    pub variety: String,
    /// Empty unless `variety` is `other`.
    pub variety_other: String,
    pub bought_at: String,
    pub bought_on: NaiveDate,
}

/// A registration whose fields passed every check that needs no database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidRegistration {
    pub session_id: i64,
    pub name: HolderName,
    pub phone: Phone,
    pub items: Vec<ValidSampleItem>,
    pub lang: crate::message::Lang,
}

fn field(err: &mut ApiError, name: &str, code: FieldCode) {
    err.fields.insert(name.to_owned(), code);
}

impl SampleItem {
    fn validate(
        &self,
        today: NaiveDate,
    ) -> Result<ValidSampleItem, Vec<(&'static str, FieldCode)>> {
        let mut errors = Vec::new();
        let variety_other = match Variety::find(&self.variety) {
            None => {
                errors.push(("variety", FieldCode::VarietyRequired));
                String::new()
            }
            Some(v) if v.key == OTHER => short_text(
                &self.variety_other,
                NAME_MAX_CHARS,
                FieldCode::VarietyRequired,
            )
            .unwrap_or_else(|c| {
                errors.push(("variety_other", c));
                String::new()
            }),
            Some(_) => String::new(),
        };
        let bought_at = short_text(
            &self.bought_at,
            PLACE_MAX_CHARS,
            FieldCode::BoughtAtRequired,
        )
        .unwrap_or_else(|c| {
            errors.push(("bought_at", c));
            String::new()
        });
        if !crate::time::in_service(self.bought_on) {
            errors.push(("bought_on", FieldCode::DateInvalid));
        } else if self.bought_on > today {
            errors.push(("bought_on", FieldCode::DateInFuture));
        } else if (today - self.bought_on).num_days() > MAX_PURCHASE_AGE_DAYS {
            errors.push(("bought_on", FieldCode::BoughtTooLongAgo));
        }
        // A listed vegetable sent as `other` by its name (西红柿, Cilantro: a client that does
        // not map names, or an old page) is stored as that vegetable, so its false-positive
        // warning and its place on the board follow it.
        let (variety, variety_other) = match variety_from_typed(&variety_other) {
            (key, _) if self.variety == OTHER && key != OTHER => (key, String::new()),
            _ => (self.variety.clone(), variety_other),
        };
        if errors.is_empty() {
            Ok(ValidSampleItem {
                variety,
                variety_other,
                bought_at,
                bought_on: self.bought_on,
            })
        } else {
            Err(errors)
        }
    }
}

impl SampleRegistration {
    /// Field checks, all reported at once. A vegetable's fields are named
    /// `samples.<index>.<field>` so the form can mark the right row.
    pub fn validate(&self, today: NaiveDate) -> Result<ValidRegistration, ApiError> {
        let mut err = ApiError::new(ErrorCode::Invalid, "Some fields need attention");
        let name = HolderName::parse(&self.name).map_err(|c| field(&mut err, "name", c));
        let phone = Phone::parse(&self.phone).map_err(|c| field(&mut err, "phone", c));
        if !self.consent {
            err = err.with_field("consent", FieldCode::ConsentRequired);
        }
        let items = validate_items(&self.samples, today, &mut err);
        match (name, phone) {
            (Ok(name), Ok(phone)) if err.fields.is_empty() => Ok(ValidRegistration {
                session_id: self.session_id,
                name,
                phone,
                items,
                lang: self.lang,
            }),
            _ => Err(err),
        }
    }
}

/// The vegetables of one registration, citizen's or walk-in's: 1 to
/// [`MAX_SAMPLES_PER_PHONE`] of them, each checked, its errors named
/// `samples.<index>.<field>` in `err`.
pub(crate) fn validate_items(
    samples: &[SampleItem],
    today: NaiveDate,
    err: &mut ApiError,
) -> Vec<ValidSampleItem> {
    if samples.is_empty() {
        field(err, "samples", FieldCode::SamplesRequired);
    } else if samples.len() > MAX_SAMPLES_PER_PHONE as usize {
        field(err, "samples", FieldCode::TooManySamples);
    }
    let mut items = Vec::new();
    for (i, item) in samples.iter().enumerate() {
        match item.validate(today) {
            Ok(valid) => items.push(valid),
            Err(fields) => {
                for (name, code) in fields {
                    field(err, &format!("samples.{i}.{name}"), code);
                }
            }
        }
    }
    items
}

/// Looking a sample up needs its code and the last four digits of the phone it was
/// registered with; a wrong pair and a missing code get the same answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SampleLookup {
    pub code: String,
    pub phone_last4: String,
}

impl SampleLookup {
    pub fn validate(&self) -> Result<(SampleCode, String), ApiError> {
        let mut err = ApiError::new(ErrorCode::Invalid, "Some fields need attention");
        let code = BookingCode::parse(&self.code).map_err(|c| field(&mut err, "code", c));
        let last4 = parse_last4(&self.phone_last4).map_err(|c| field(&mut err, "phone_last4", c));
        match (code, last4) {
            (Ok(code), Ok(last4)) => Ok((code, last4)),
            _ => Err(err),
        }
    }
}

/// The last four digits of a phone number as typed (spaces dropped), which open a sample's
/// result: exactly four ASCII digits.
pub fn parse_last4(typed: &str) -> Result<String, FieldCode> {
    let last4: String = (typed.chars().map(crate::text::half_width))
        .filter(|c| !c.is_whitespace())
        .collect();
    if last4.len() == 4 && last4.bytes().all(|b| b.is_ascii_digit()) {
        Ok(last4)
    } else {
        Err(FieldCode::Last4Invalid)
    }
}

/// Erasing a sample's holder needs its code and the whole number it was registered with:
/// the last four digits a lookup asks for are too little to delete by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SampleErasure {
    pub code: String,
    pub phone: String,
}

/// How a sample was tested.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Enzyme inhibition (organophosphates and carbamates), GB/T 5009.199-2003.
    EnzymeInhibition,
    /// Colloidal-gold test strip for one named pesticide.
    ColloidalGold,
}

impl Method {
    pub const ALL: [Method; 2] = [Method::EnzymeInhibition, Method::ColloidalGold];

    pub fn as_str(self) -> &'static str {
        match self {
            Method::EnzymeInhibition => "enzyme_inhibition",
            Method::ColloidalGold => "colloidal_gold",
        }
    }

    pub fn parse(raw: &str) -> Option<Method> {
        Self::ALL.into_iter().find(|m| m.as_str() == raw)
    }

    /// The standard the method follows, as a result shows it: `(zh, en)`.
    pub fn standard(self) -> (&'static str, &'static str) {
        match self {
            Method::EnzymeInhibition => ("GB/T 5009.199-2003", "GB/T 5009.199-2003"),
            Method::ColloidalGold => ("市场监管总局 KJ 快检方法", "SAMR KJ methods"),
        }
    }
}

/// Pesticides for which colloidal-gold strips are common: `(zh, en)`.
pub const STRIP_PESTICIDES: &[(&str, &str)] = &[
    ("克百威", "Carbofuran"),
    ("啶虫脒", "Acetamiprid"),
    ("吡虫啉", "Imidacloprid"),
    ("氟虫腈", "Fipronil"),
    ("毒死蜱", "Chlorpyrifos"),
    ("氧乐果", "Omethoate"),
    ("腐霉利", "Procymidone"),
];

/// What a colloidal-gold strip shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum StripReading {
    Negative,
    Positive,
}

/// A screening judgement, mildest first (so `min` is the mildest).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Judgement {
    /// 阴性
    Negative,
    /// 可疑
    Suspicious,
    /// 阳性
    Positive,
}

impl Judgement {
    pub const ALL: [Judgement; 3] = [
        Judgement::Negative,
        Judgement::Suspicious,
        Judgement::Positive,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Judgement::Negative => "negative",
            Judgement::Suspicious => "suspicious",
            Judgement::Positive => "positive",
        }
    }

    pub fn parse(raw: &str) -> Option<Judgement> {
        Self::ALL.into_iter().find(|j| j.as_str() == raw)
    }
}

/// Enzyme-inhibition thresholds, in tenths of a percent: below `suspicious_from` is
/// negative, from `positive_from` up positive, between them suspicious.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    pub suspicious_from: u32,
    pub positive_from: u32,
}

impl Default for Thresholds {
    /// < 40 % negative, 40–50 % suspicious, ≥ 50 % positive.
    fn default() -> Self {
        Thresholds {
            suspicious_from: 400,
            positive_from: 500,
        }
    }
}

impl Thresholds {
    /// Thresholds from percentages (settings); the suspicious band may be empty.
    pub fn from_percent(suspicious_from: f64, positive_from: f64) -> Result<Thresholds, String> {
        let s = tenths(suspicious_from).ok_or("suspicious threshold must be 0–100 %")?;
        let p = tenths(positive_from).ok_or("positive threshold must be 0–100 %")?;
        if s == 0 || s > p {
            return Err("need 0 % < suspicious threshold ≤ positive threshold".into());
        }
        Ok(Thresholds {
            suspicious_from: s,
            positive_from: p,
        })
    }
}

/// A percentage 0–100 to tenths of a percent, rounded; `None` outside the range.
pub fn tenths(percent: f64) -> Option<u32> {
    if percent.is_finite() && (0.0..=100.0).contains(&percent) {
        Some((percent * 10.0).round() as u32)
    } else {
        None
    }
}

/// A test result as staff enter it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TestEntry {
    pub method: Method,
    /// Enzyme inhibition rate in percent (0–100, one decimal kept).
    #[serde(default)]
    pub inhibition_pct: Option<f64>,
    /// Colloidal gold: the pesticide the strip tests for.
    #[serde(default)]
    pub pesticide: Option<String>,
    /// Colloidal gold: what the strip shows.
    #[serde(default)]
    pub strip: Option<StripReading>,
    /// The id of an earlier test this one corrects (the earlier one is kept in history).
    #[serde(default)]
    pub corrects: Option<i64>,
    /// How many current tests the sample had on the page that sends this one: when another
    /// desk has entered one since, this one is refused (`edited_meanwhile`) and the page
    /// reads the sample again, rather than counting it as a re-test it was not.
    #[serde(default)]
    pub tests_seen: Option<u32>,
}

/// A reading that passed the field checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reading {
    Enzyme {
        inhibition_tenths: u32,
    },
    Strip {
        pesticide: String,
        reading: StripReading,
    },
}

impl TestEntry {
    pub fn validate(&self) -> Result<Reading, ApiError> {
        let err = ApiError::new(ErrorCode::Invalid, "Some fields need attention");
        match self.method {
            Method::EnzymeInhibition => match self.inhibition_pct.and_then(tenths) {
                Some(inhibition_tenths) => Ok(Reading::Enzyme { inhibition_tenths }),
                None => Err(err.with_field("inhibition_pct", FieldCode::PercentInvalid)),
            },
            Method::ColloidalGold => {
                let pesticide = short_text(
                    self.pesticide.as_deref().unwrap_or(""),
                    NAME_MAX_CHARS,
                    FieldCode::PesticideRequired,
                );
                match (pesticide, self.strip) {
                    (Ok(pesticide), Some(reading)) => Ok(Reading::Strip { pesticide, reading }),
                    (pesticide, strip) => {
                        let mut err = err;
                        if let Err(code) = pesticide {
                            err = err.with_field("pesticide", code);
                        }
                        if strip.is_none() {
                            err = err.with_field("strip", FieldCode::StripRequired);
                        }
                        Err(err)
                    }
                }
            }
        }
    }
}

/// What a test is, as far as repeating it goes: its method and, for a strip, the pesticide
/// it tests for.
pub type TestKind<'a> = (Method, Option<&'a str>);

impl Reading {
    pub fn kind(&self) -> TestKind<'_> {
        match self {
            Reading::Enzyme { .. } => (Method::EnzymeInhibition, None),
            Reading::Strip { pesticide, .. } => (Method::ColloidalGold, Some(pesticide)),
        }
    }
}

/// Whether a test of kind `other` repeats one of kind `first`: the same method and, for
/// strips, a strip for the same pesticide (as typed, but for case and spaces). The re-tests
/// of a sample repeat its first test: an enzyme test does not detect what a strip for one
/// pesticide found, nor does a strip for another pesticide, so neither may clear it.
pub fn repeats(first: TestKind, other: TestKind) -> bool {
    let same = |a: Option<&str>, b: Option<&str>| {
        a.unwrap_or_default().trim().to_lowercase() == b.unwrap_or_default().trim().to_lowercase()
    };
    first.0 == other.0 && (first.0 == Method::EnzymeInhibition || same(first.1, other.1))
}

/// Judges one reading.
pub fn judge(reading: &Reading, thresholds: Thresholds) -> Judgement {
    match reading {
        Reading::Enzyme { inhibition_tenths } => {
            if *inhibition_tenths >= thresholds.positive_from {
                Judgement::Positive
            } else if *inhibition_tenths >= thresholds.suspicious_from {
                Judgement::Suspicious
            } else {
                Judgement::Negative
            }
        }
        Reading::Strip { reading, .. } => match reading {
            StripReading::Negative => Judgement::Negative,
            StripReading::Positive => Judgement::Positive,
        },
    }
}

/// Where a sample's testing stands, from its tests in order (corrected ones left out).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Not negative at first; this many re-tests are still needed.
    Pending { retests_needed: u32 },
    /// The final judgement.
    Final(Judgement),
}

/// The final-judgement rule: a first negative test is final; otherwise at least
/// [`RETESTS_REQUIRED`] re-tests follow, and the final judgement is the mildest of all tests
/// (only a sample that fails every test fails). `None` before the first test.
pub fn outcome(tests: &[Judgement]) -> Option<Outcome> {
    let first = *tests.first()?;
    if first == Judgement::Negative {
        return Some(Outcome::Final(Judgement::Negative));
    }
    let retests = u32::try_from(tests.len() - 1).unwrap_or(u32::MAX);
    if retests < RETESTS_REQUIRED {
        return Some(Outcome::Pending {
            retests_needed: RETESTS_REQUIRED - retests,
        });
    }
    tests.iter().min().copied().map(Outcome::Final)
}

/// A sample's progress, as its holder and staff see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SampleStatus {
    /// Registered online, not handed in yet.
    Registered,
    /// Handed in at the test point.
    Received,
    /// Tested at least once; re-tests still needed.
    Testing,
    /// A final judgement exists.
    ResultReady,
    /// Not handed in, and its session was cancelled: the lab will not receive or test it.
    SessionCancelled,
}

impl SampleStatus {
    /// The status of a sample from its receipt and its tests' outcome, and whether its
    /// session was cancelled: that matters only to a sample never handed in (one received
    /// before the cancellation is still tested and its result told).
    pub fn of(received: bool, outcome: Option<Outcome>, session_cancelled: bool) -> SampleStatus {
        match outcome {
            Some(Outcome::Final(_)) => SampleStatus::ResultReady,
            Some(Outcome::Pending { .. }) => SampleStatus::Testing,
            None if received => SampleStatus::Received,
            None if session_cancelled => SampleStatus::SessionCancelled,
            None => SampleStatus::Registered,
        }
    }
}

/// One recorded test. `tester` is filled only in staff views.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SampleTest {
    pub id: i64,
    pub method: Method,
    pub inhibition_pct: Option<f64>,
    pub pesticide: Option<String>,
    pub strip: Option<StripReading>,
    pub judgement: Judgement,
    #[serde(with = "crate::time::wire::venue_datetime")]
    #[cfg_attr(feature = "openapi", schema(value_type = crate::time::VenueDateTime))]
    pub tested_at: NaiveDateTime,
    #[serde(default)]
    pub tester: Option<String>,
    /// The test this one corrected.
    #[serde(default)]
    pub corrects: Option<i64>,
    /// Corrected by a later entry: kept for history, left out of the judgement.
    #[serde(default)]
    pub superseded: bool,
}

/// Who registered a sample: only in staff views, in full only to the staff of the
/// organisation running its session (see [`Disclosure`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SampleHolder {
    pub name: String,
    pub phone: String,
    /// `name` and `phone` are masked (`张**`, `138****8000`): the account reading them
    /// reaches the session only from above, not as staff of the organisation running it.
    #[serde(default)]
    pub masked: bool,
}

impl Disclose for SampleView {
    fn disclosed(self, to: Disclosure) -> Self {
        let holder = match self.holder {
            Some(h) if !h.masked && to == Disclosure::Masked => Some(SampleHolder {
                name: to.name(h.name),
                phone: to.phone(h.phone),
                masked: true,
            }),
            other => other,
        };
        SampleView { holder, ..self }
    }
}

/// A sample as its holder (by code + last four phone digits) or staff see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SampleView {
    pub code: SampleCode,
    pub session_id: i64,
    pub session_title: Localised,
    pub activity_title: Localised,
    pub organisation: Localised,
    pub place: Localised,
    /// The session's own address when it is held away from its organiser's (a quick-test
    /// desk at a market): `SessionView::held_at`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held_at: Option<Localised>,
    #[serde(with = "crate::time::wire::venue_datetime")]
    #[cfg_attr(feature = "openapi", schema(value_type = crate::time::VenueDateTime))]
    pub session_starts_at: NaiveDateTime,
    pub variety: VarietyName,
    pub enzyme_false_positive: bool,
    pub bought_at: String,
    #[serde(with = "crate::time::wire::venue_date")]
    pub bought_on: NaiveDate,
    pub phone_masked: String,
    pub status: SampleStatus,
    #[serde(with = "crate::time::wire::venue_datetime")]
    #[cfg_attr(feature = "openapi", schema(value_type = crate::time::VenueDateTime))]
    pub registered_at: NaiveDateTime,
    #[cfg_attr(
        target_arch = "wasm32",
        serde(deserialize_with = "crate::time::wire::option_datetime", default)
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::time::VenueDateTime>))]
    pub received_at: Option<NaiveDateTime>,
    /// Tests in the order they were made; corrected ones only in staff views.
    pub tests: Vec<SampleTest>,
    /// The final judgement, once there is one.
    pub judgement: Option<Judgement>,
    /// Re-tests still needed before a final judgement.
    pub retests_needed: u32,
    /// Only in staff views, and there `None` once the holder's details are erased (by the
    /// holder, or after the retention period).
    #[serde(default)]
    pub holder: Option<SampleHolder>,
    /// Whether its holder may erase their details now (`sample::may_erase`); only in the
    /// holder's views.
    #[serde(default)]
    pub can_erase: bool,
    /// Registered by staff for a walk-in (someone without a smartphone) at the bench.
    #[serde(default)]
    pub walk_in: bool,
}

impl SampleView {
    /// Fills status, final judgement and re-tests needed from `tests`, `received_at` and
    /// whether the sample's session was cancelled.
    pub fn settle(&mut self, session_cancelled: bool) {
        let judgements: Vec<Judgement> = self
            .tests
            .iter()
            .filter(|t| !t.superseded)
            .map(|t| t.judgement)
            .collect();
        let outcome = outcome(&judgements);
        self.status = SampleStatus::of(self.received_at.is_some(), outcome, session_cancelled);
        (self.judgement, self.retests_needed) = match outcome {
            Some(Outcome::Final(j)) => (Some(j), 0),
            Some(Outcome::Pending { retests_needed }) => (None, retests_needed),
            None => (None, 0),
        };
    }
}

/// Tested samples and their final judgements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JudgementCounts {
    /// Samples with a final judgement.
    pub tested: u32,
    pub negative: u32,
    pub suspicious: u32,
    pub positive: u32,
}

impl JudgementCounts {
    pub fn add(&mut self, judgement: Judgement) {
        self.tested = self.tested.saturating_add(1);
        let count = match judgement {
            Judgement::Negative => &mut self.negative,
            Judgement::Suspicious => &mut self.suspicious,
            Judgement::Positive => &mut self.positive,
        };
        *count = count.saturating_add(1);
    }
}

/// One variety's line on the board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VarietyCounts {
    pub variety: VarietyName,
    pub counts: JudgementCounts,
}

/// The public board of a session or an activity: counts only, no personal data.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SampleBoard {
    /// Samples registered (tested or not).
    pub registered: u32,
    /// Samples handed in.
    pub received: u32,
    pub counts: JudgementCounts,
    /// By variety, most tested first.
    pub by_variety: Vec<VarietyCounts>,
}

/// What the board needs of one sample (nothing the citizen typed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleTally {
    pub variety: String,
    pub received: bool,
    /// Its tests' judgements in order, corrected ones left out.
    pub tests: Vec<Judgement>,
}

/// Builds the board from per-sample tallies.
pub fn board(samples: &[SampleTally]) -> SampleBoard {
    let mut board = SampleBoard::default();
    let mut by: Vec<VarietyCounts> = Vec::new();
    for s in samples {
        board.registered = board.registered.saturating_add(1);
        if s.received {
            board.received = board.received.saturating_add(1);
        }
        let Some(Outcome::Final(judgement)) = outcome(&s.tests) else {
            continue;
        };
        board.counts.add(judgement);
        let name = VarietyName::listed(&s.variety);
        match by.iter_mut().find(|c| c.variety == name) {
            Some(line) => line.counts.add(judgement),
            None => {
                let mut counts = JudgementCounts::default();
                counts.add(judgement);
                by.push(VarietyCounts {
                    variety: name,
                    counts,
                });
            }
        }
    }
    by.sort_by(|a, b| {
        b.counts
            .tested
            .cmp(&a.counts.tested)
            .then_with(|| a.variety.key.cmp(&b.variety.key))
    });
    board.by_variety = by;
    board
}

#[cfg(test)]
mod tests {
    use super::*;
    use Judgement::*;

    fn enzyme(pct: f64) -> Judgement {
        let entry = TestEntry {
            method: Method::EnzymeInhibition,
            inhibition_pct: Some(pct),
            pesticide: None,
            strip: None,
            corrects: None,
            tests_seen: None,
        };
        judge(&entry.validate().unwrap(), Thresholds::default())
    }

    fn strip(reading: Option<StripReading>, pesticide: &str) -> Result<Judgement, ApiError> {
        let entry = TestEntry {
            method: Method::ColloidalGold,
            inhibition_pct: None,
            pesticide: Some(pesticide.into()),
            strip: reading,
            corrects: None,
            tests_seen: None,
        };
        entry.validate().map(|r| judge(&r, Thresholds::default()))
    }

    #[test]
    fn a_retest_repeats_the_first_tests_method_and_pesticide() {
        let enzyme = Reading::Enzyme {
            inhibition_tenths: 600,
        };
        let strip = |p: &str| Reading::Strip {
            pesticide: p.into(),
            reading: StripReading::Negative,
        };
        let other_enzyme = Reading::Enzyme {
            inhibition_tenths: 100,
        };
        let repeat = |a: &Reading, b: &Reading| repeats(a.kind(), b.kind());
        assert!(repeat(&enzyme, &other_enzyme));
        assert!(repeat(&strip("氟虫腈"), &strip(" 氟虫腈 ")));
        assert!(repeat(&strip("Fipronil"), &strip("fipronil")));
        // An enzyme test does not see what a fipronil strip found, nor another pesticide's strip.
        assert!(!repeat(&strip("氟虫腈"), &enzyme));
        assert!(!repeat(&enzyme, &strip("氟虫腈")));
        assert!(!repeat(&strip("克百威"), &strip("啶虫脒")));
    }

    #[test]
    fn enzyme_thresholds_at_and_around_each_boundary() {
        assert_eq!(enzyme(0.0), Negative);
        assert_eq!(enzyme(39.9), Negative);
        assert_eq!(enzyme(39.94), Negative, "rounds to 39.9");
        assert_eq!(enzyme(39.96), Suspicious, "rounds to 40.0");
        assert_eq!(enzyme(40.0), Suspicious);
        assert_eq!(enzyme(40.1), Suspicious);
        assert_eq!(enzyme(49.9), Suspicious);
        assert_eq!(enzyme(50.0), Positive);
        assert_eq!(enzyme(50.1), Positive);
        assert_eq!(enzyme(100.0), Positive);
    }

    #[test]
    fn enzyme_thresholds_are_settings() {
        let t = Thresholds::from_percent(60.0, 70.0).unwrap();
        let r = |pct| Reading::Enzyme {
            inhibition_tenths: tenths(pct).unwrap(),
        };
        assert_eq!(judge(&r(59.9), t), Negative);
        assert_eq!(judge(&r(60.0), t), Suspicious);
        assert_eq!(judge(&r(69.9), t), Suspicious);
        assert_eq!(judge(&r(70.0), t), Positive);
        // No suspicious band at all.
        let t = Thresholds::from_percent(50.0, 50.0).unwrap();
        assert_eq!(judge(&r(49.9), t), Negative);
        assert_eq!(judge(&r(50.0), t), Positive);
        assert!(Thresholds::from_percent(60.0, 50.0).is_err());
        assert!(Thresholds::from_percent(0.0, 50.0).is_err());
        assert!(Thresholds::from_percent(40.0, 100.1).is_err());
    }

    #[test]
    fn enzyme_readings_outside_0_to_100_are_refused() {
        for bad in [-0.1, 100.1, f64::NAN, f64::INFINITY] {
            let entry = TestEntry {
                method: Method::EnzymeInhibition,
                inhibition_pct: Some(bad),
                pesticide: None,
                strip: None,
                corrects: None,
                tests_seen: None,
            };
            let err = entry.validate().unwrap_err();
            assert_eq!(err.fields["inhibition_pct"], FieldCode::PercentInvalid);
        }
        let missing = TestEntry {
            method: Method::EnzymeInhibition,
            inhibition_pct: None,
            pesticide: None,
            strip: None,
            corrects: None,
            tests_seen: None,
        };
        assert!(missing.validate().is_err());
    }

    #[test]
    fn strips_are_negative_or_positive_and_need_a_pesticide() {
        assert_eq!(
            strip(Some(StripReading::Negative), "克百威").unwrap(),
            Negative
        );
        assert_eq!(
            strip(Some(StripReading::Positive), "克百威").unwrap(),
            Positive
        );
        let err = strip(None, " ").unwrap_err();
        assert_eq!(err.fields["pesticide"], FieldCode::PesticideRequired);
        assert_eq!(err.fields["strip"], FieldCode::StripRequired);
    }

    #[test]
    fn a_first_negative_is_final() {
        assert_eq!(outcome(&[]), None);
        assert_eq!(outcome(&[Negative]), Some(Outcome::Final(Negative)));
    }

    #[test]
    fn a_positive_or_suspicious_first_test_needs_two_retests() {
        for first in [Suspicious, Positive] {
            assert_eq!(
                outcome(&[first]),
                Some(Outcome::Pending { retests_needed: 2 })
            );
            assert_eq!(
                outcome(&[first, Positive]),
                Some(Outcome::Pending { retests_needed: 1 })
            );
        }
    }

    #[test]
    fn only_a_sample_failing_every_test_fails() {
        assert_eq!(
            outcome(&[Positive, Positive, Positive]),
            Some(Outcome::Final(Positive))
        );
        assert_eq!(
            outcome(&[Positive, Positive, Negative]),
            Some(Outcome::Final(Negative))
        );
        assert_eq!(
            outcome(&[Positive, Suspicious, Positive]),
            Some(Outcome::Final(Suspicious))
        );
        assert_eq!(
            outcome(&[Suspicious, Suspicious, Suspicious]),
            Some(Outcome::Final(Suspicious))
        );
    }

    #[test]
    fn status_follows_receipt_and_tests() {
        assert_eq!(
            SampleStatus::of(false, None, false),
            SampleStatus::Registered
        );
        assert_eq!(SampleStatus::of(true, None, false), SampleStatus::Received);
        assert_eq!(
            SampleStatus::of(true, outcome(&[Positive]), false),
            SampleStatus::Testing
        );
        assert_eq!(
            SampleStatus::of(true, outcome(&[Negative]), false),
            SampleStatus::ResultReady
        );
    }

    #[test]
    fn a_cancelled_session_ends_only_the_samples_never_handed_in() {
        assert_eq!(
            SampleStatus::of(false, None, true),
            SampleStatus::SessionCancelled
        );
        // Received before the cancellation: tested and told as ever.
        assert_eq!(SampleStatus::of(true, None, true), SampleStatus::Received);
        assert_eq!(
            SampleStatus::of(true, outcome(&[Positive]), true),
            SampleStatus::Testing
        );
        assert_eq!(
            SampleStatus::of(true, outcome(&[Negative]), true),
            SampleStatus::ResultReady
        );
    }

    fn item(variety: &str, other: &str, place: &str, bought_on: NaiveDate) -> SampleItem {
        SampleItem {
            variety: variety.into(),
            variety_other: other.into(),
            bought_at: place.into(),
            bought_on,
        }
    }

    fn registration(samples: Vec<SampleItem>) -> SampleRegistration {
        SampleRegistration {
            session_id: 7,
            name: "王芳".into(),
            phone: "139 0013 9000".into(),
            consent: true,
            samples,
            lang: Default::default(),
            phone_token: None,
        }
    }

    #[test]
    fn registration_checks_every_row_and_names_its_fields() {
        let today = NaiveDate::from_ymd_opt(2026, 9, 20).unwrap();
        let ok = registration(vec![
            item("spinach", "", " 青山湖农贸市场 12号摊 ", today),
            item(
                "other",
                "马齿苋",
                "八一菜场",
                today - chrono::Duration::days(7),
            ),
        ])
        .validate(today)
        .unwrap();
        assert_eq!(ok.items.len(), 2);
        assert_eq!(ok.items[0].bought_at, "青山湖农贸市场 12号摊");
        assert_eq!(ok.items[1].variety_other, "马齿苋");
        assert_eq!(ok.phone.as_str(), "13900139000");
        // A listed vegetable sent as `other` by another of its names is stored as itself.
        let named = registration(vec![
            item("other", "西红柿", "市场", today),
            item("other", " Cilantro", "市场", today),
        ])
        .validate(today)
        .unwrap();
        let stored: Vec<(&str, &str)> = named
            .items
            .iter()
            .map(|i| (i.variety.as_str(), i.variety_other.as_str()))
            .collect();
        assert_eq!(stored, [("tomato", ""), ("coriander", "")]);

        let err = registration(vec![
            item("spinach", "", "市场", today),
            item("durian", "", "", today + chrono::Duration::days(1)),
            item("other", "", "市场", today - chrono::Duration::days(8)),
        ])
        .validate(today)
        .unwrap_err();
        assert_eq!(err.fields["samples.1.variety"], FieldCode::VarietyRequired);
        assert_eq!(
            err.fields["samples.1.bought_at"],
            FieldCode::BoughtAtRequired
        );
        assert_eq!(err.fields["samples.1.bought_on"], FieldCode::DateInFuture);
        assert_eq!(
            err.fields["samples.2.variety_other"],
            FieldCode::VarietyRequired
        );
        assert_eq!(
            err.fields["samples.2.bought_on"],
            FieldCode::BoughtTooLongAgo
        );
        assert!(!err.fields.keys().any(|k| k.starts_with("samples.0")));
    }

    #[test]
    fn registration_needs_consent_and_one_to_five_samples() {
        let today = NaiveDate::from_ymd_opt(2026, 9, 20).unwrap();
        let mut r = registration(vec![]);
        r.consent = false;
        let err = r.validate(today).unwrap_err();
        assert_eq!(err.fields["samples"], FieldCode::SamplesRequired);
        assert_eq!(err.fields["consent"], FieldCode::ConsentRequired);
        let six = vec![item("spinach", "", "市场", today); 6];
        let err = registration(six).validate(today).unwrap_err();
        assert_eq!(err.fields["samples"], FieldCode::TooManySamples);
    }

    #[test]
    fn lookup_wants_a_code_and_four_digits() {
        let ok = SampleLookup {
            code: "k7qm-4xpb".into(),
            phone_last4: " 9000".into(),
        };
        assert_eq!(ok.validate().unwrap().1, "9000");
        // As a Chinese input method types in full-width mode.
        let full_width = SampleLookup {
            code: "ｋ７ｑｍ－４ｘｐｂ".into(),
            phone_last4: "９０００".into(),
        };
        let (code, last4) = full_width.validate().unwrap();
        assert_eq!((code.as_str(), last4.as_str()), ("K7QM4XPB", "9000"));
        let bad = SampleLookup {
            code: "O0".into(),
            phone_last4: "90a0".into(),
        };
        let err = bad.validate().unwrap_err();
        assert_eq!(err.fields["code"], FieldCode::CodeInvalid);
        assert_eq!(err.fields["phone_last4"], FieldCode::Last4Invalid);
    }

    #[test]
    fn false_positive_varieties_are_flagged_and_searchable_in_both_languages() {
        for key in ["onion", "garlic", "chives", "celery", "coriander", "tomato"] {
            assert!(VarietyName::of(key, "").enzyme_false_positive(), "{key}");
        }
        assert!(!VarietyName::of("spinach", "").enzyme_false_positive());
        let found: Vec<_> = Variety::search("菜").iter().map(|v| v.key).collect();
        assert!(found.contains(&"spinach") && found.contains(&"celery"));
        assert_eq!(found.last(), Some(&OTHER));
        let found: Vec<_> = Variety::search("CELE").iter().map(|v| v.key).collect();
        assert_eq!(found, vec!["celery", "other"]);
    }

    #[test]
    fn typed_varieties_map_to_keys_or_other() {
        assert_eq!(
            variety_from_typed(" 菠菜 "),
            ("spinach".into(), String::new())
        );
        assert_eq!(
            variety_from_typed("spinach"),
            ("spinach".into(), String::new())
        );
        assert_eq!(
            variety_from_typed("青菜"),
            ("bok_choy".into(), String::new())
        );
        assert_eq!(
            variety_from_typed("马齿苋"),
            ("other".into(), "马齿苋".into())
        );
        // Other names markets use pick the variety, and with it its warning.
        for (typed, key) in [
            ("西红柿", "tomato"),
            ("大蒜头", "garlic"),
            (" 芫荽", "coriander"),
            ("大葱", "spring_onion"),
            ("葱", "spring_onion"),
            ("Scallion", "spring_onion"),
            ("green onions", "spring_onion"),
        ] {
            assert_eq!(variety_from_typed(typed), (key.into(), String::new()));
            assert!(Variety::find(key).unwrap().enzyme_false_positive, "{key}");
        }
        for (name, key) in ALSO_CALLED {
            assert!(
                Variety::find(key).is_some(),
                "{name} names a listed variety"
            );
        }
        assert_eq!(variety_from_typed("其他"), ("other".into(), String::new()));
        assert_eq!(variety_from_typed(""), ("other".into(), String::new()));
    }

    #[test]
    fn the_board_counts_final_judgements_by_variety() {
        let tally = |variety: &str, received: bool, tests: Vec<Judgement>| SampleTally {
            variety: variety.into(),
            received,
            tests,
        };
        let board = board(&[
            tally("spinach", true, vec![Negative]),
            tally("spinach", true, vec![Positive, Positive, Positive]),
            tally("celery", true, vec![Suspicious]),
            tally("other", true, vec![Negative]),
            tally("no-longer-listed", true, vec![Negative]),
            tally("cucumber", false, vec![]),
        ]);
        assert_eq!(board.registered, 6);
        assert_eq!(board.received, 5);
        assert_eq!(
            board.counts,
            JudgementCounts {
                tested: 4,
                negative: 3,
                suspicious: 0,
                positive: 1
            }
        );
        assert_eq!(board.by_variety[0].variety.key, "other");
        assert_eq!(board.by_variety[0].counts.tested, 2);
        let other = &board.by_variety[0].variety.name;
        assert_eq!((other.zh.as_str(), other.en.as_str()), ("其他", "Other"));
        assert_eq!(board.by_variety[1].variety.key, "spinach");
        assert_eq!(board.by_variety[1].counts.tested, 2);
        assert_eq!(board.by_variety.len(), 2);
    }

    #[test]
    fn an_other_vegetable_whose_typed_name_is_erased_reads_as_other() {
        assert_eq!(
            VarietyName::of("other", "").name,
            Localised::new("其他", "Other")
        );
        assert_eq!(VarietyName::of("other", "马齿苋").name.en, "马齿苋");
    }

    #[test]
    fn a_phone_registers_at_most_five_samples_per_session() {
        assert!(super::within_sample_limit(0, 5));
        assert!(super::within_sample_limit(4, 1));
        assert!(!super::within_sample_limit(5, 1));
        assert!(!super::within_sample_limit(0, 6));
        assert!(!super::within_sample_limit(u32::MAX, usize::MAX));
    }
}
