//! Text messages to citizens: what each event says, in the language the citizen booked in,
//! short enough for one SMS segment where possible; when a reminder is due; how long a
//! failed delivery waits before the next try. Pure rules: the outbox (server storage) writes
//! what these functions compose, in the same transaction as the change, and a dispatcher
//! delivers it.

use crate::activity::Localised;
use crate::sample::{Judgement, Variety, OTHER};
use chrono::{Duration, NaiveDateTime, NaiveTime, Timelike};
use serde::{Deserialize, Serialize};

/// The language a booking or a sample registration was made in, and its messages are
/// written in. Chinese unless the citizen used the English app.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    pub fn parse(raw: &str) -> Option<Lang> {
        match raw {
            "zh" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
}

/// How a message's delivery stands: the outbox's `status` column, and what staff see in a
/// session's roster for each holder's latest message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Written, not delivered yet (or no provider is configured: it stays so).
    Pending,
    /// The provider accepted it.
    Sent,
    /// Given up: refused, out of tries, expired, or its holder erased.
    Failed,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Sent => "sent",
            DeliveryStatus::Failed => "failed",
        }
    }

    pub fn parse(raw: &str) -> Option<DeliveryStatus> {
        [
            DeliveryStatus::Pending,
            DeliveryStatus::Sent,
            DeliveryStatus::Failed,
        ]
        .into_iter()
        .find(|d| d.as_str() == raw)
    }
}

/// What a message is about. The names are the outbox's `kind` column and what a
/// template-based SMS provider maps to its template ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageKind {
    /// A booking was confirmed online.
    BookingConfirmed,
    /// A waiting booking got a place.
    WaitlistPromoted,
    /// Staff changed a session's time or place, or took it online or on site.
    SessionChanged,
    /// Staff cancelled a session.
    SessionCancelled,
    /// The session is coming up.
    Reminder,
    /// A quick-test sample has its final judgement.
    SampleResult,
    /// The holder (or staff) moved a booking to another session of the activity.
    Rescheduled,
    /// A code that verifies a phone (`--verify-phones`; composed by `phone_code`).
    VerificationCode,
    /// Staff cancelled a quick-test session its holder had registered samples on, not yet
    /// handed in: they will not be tested (one message per phone).
    SampleSessionCancelled,
    /// A walk-in who gave a phone was booked and checked in at the door: their code, for
    /// their booking's page (they are already in, so not told to show it at the door).
    WalkInCheckedIn,
    /// Staff moved a quick-test session its holder had registered samples on, not yet
    /// handed in, to another time or place (one message per phone).
    SampleSessionChanged,
}

impl MessageKind {
    pub const ALL: [MessageKind; 11] = [
        MessageKind::BookingConfirmed,
        MessageKind::WaitlistPromoted,
        MessageKind::SessionChanged,
        MessageKind::SessionCancelled,
        MessageKind::Reminder,
        MessageKind::SampleResult,
        MessageKind::Rescheduled,
        MessageKind::VerificationCode,
        MessageKind::SampleSessionCancelled,
        MessageKind::WalkInCheckedIn,
        MessageKind::SampleSessionChanged,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::BookingConfirmed => "booking_confirmed",
            MessageKind::WaitlistPromoted => "waitlist_promoted",
            MessageKind::SessionChanged => "session_changed",
            MessageKind::SessionCancelled => "session_cancelled",
            MessageKind::Reminder => "reminder",
            MessageKind::SampleResult => "sample_result",
            MessageKind::Rescheduled => "rescheduled",
            MessageKind::VerificationCode => "verification_code",
            MessageKind::SampleSessionCancelled => "sample_session_cancelled",
            MessageKind::WalkInCheckedIn => "walk_in_checked_in",
            MessageKind::SampleSessionChanged => "sample_session_changed",
        }
    }

    /// The kind whose provider template a message of this kind goes out with when none of
    /// its own is configured: a deployment set up before the kind existed keeps sending it.
    pub fn falls_back_to(self) -> Option<MessageKind> {
        match self {
            MessageKind::WalkInCheckedIn => Some(MessageKind::BookingConfirmed),
            _ => None,
        }
    }

    pub fn parse(raw: &str) -> Option<MessageKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == raw)
    }
}

/// The events that send a booking's holder a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BookingEvent {
    Confirmed,
    Promoted,
    Changed,
    Cancelled,
    Reminder,
    /// Moved to another session with a place.
    Moved,
    /// Moved to another session's waiting list.
    MovedToWaiting,
    /// Booked and checked in at the door (a walk-in who gave a phone).
    WalkedIn,
}

impl BookingEvent {
    pub const ALL: [BookingEvent; 8] = [
        BookingEvent::Confirmed,
        BookingEvent::Promoted,
        BookingEvent::Changed,
        BookingEvent::Cancelled,
        BookingEvent::Reminder,
        BookingEvent::Moved,
        BookingEvent::MovedToWaiting,
        BookingEvent::WalkedIn,
    ];

    pub fn kind(self) -> MessageKind {
        match self {
            BookingEvent::Confirmed => MessageKind::BookingConfirmed,
            BookingEvent::Promoted => MessageKind::WaitlistPromoted,
            BookingEvent::Changed => MessageKind::SessionChanged,
            BookingEvent::Cancelled => MessageKind::SessionCancelled,
            BookingEvent::Reminder => MessageKind::Reminder,
            BookingEvent::Moved | BookingEvent::MovedToWaiting => MessageKind::Rescheduled,
            BookingEvent::WalkedIn => MessageKind::WalkInCheckedIn,
        }
    }

    /// What this event makes untrue of the messages about the booking still waiting to go
    /// (a reminder for a time it no longer has, say): withdrawn or written again in the
    /// event's transaction; the reminder job writes a reminder for the new time when one is
    /// still due. `None`: nothing.
    pub fn makes_stale(self) -> Option<Stale> {
        match self {
            BookingEvent::Changed => Some(Stale::Times),
            BookingEvent::Moved | BookingEvent::MovedToWaiting => Some(Stale::Moved),
            BookingEvent::Promoted => Some(Stale::Promoted),
            BookingEvent::Cancelled => Some(Stale::Everything),
            BookingEvent::Confirmed | BookingEvent::Reminder | BookingEvent::WalkedIn => None,
        }
    }

    /// The event a waiting message of `kind` told, written again with new facts, its
    /// booking now `waiting` (or not): a move's words say whether it waits for a place.
    pub fn told_by(kind: MessageKind, waiting: bool) -> Option<BookingEvent> {
        Some(match kind {
            MessageKind::BookingConfirmed => BookingEvent::Confirmed,
            MessageKind::WaitlistPromoted => BookingEvent::Promoted,
            MessageKind::WalkInCheckedIn => BookingEvent::WalkedIn,
            MessageKind::Rescheduled if waiting => BookingEvent::MovedToWaiting,
            MessageKind::Rescheduled => BookingEvent::Moved,
            MessageKind::SessionChanged => BookingEvent::Changed,
            MessageKind::SessionCancelled => BookingEvent::Cancelled,
            MessageKind::Reminder => BookingEvent::Reminder,
            MessageKind::SampleResult
            | MessageKind::VerificationCode
            | MessageKind::SampleSessionCancelled
            | MessageKind::SampleSessionChanged => return None,
        })
    }
}

/// What an event makes untrue of the messages about a booking still waiting to go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stale {
    /// Its session changed time or place: its reminder and any earlier change still
    /// waiting (backing off after a failed try, say) would send the holder to the old time
    /// or place after the new message did; they go, as the new message carries the code and
    /// the new time and place. Waiting news of the booking itself (a confirmation, a
    /// promotion, a move, perhaps onto the waiting list) is news the change does not repeat:
    /// it is written again with the new time and place.
    Times,
    /// The booking moved: its new session's message says where it is now, and whether it
    /// holds a place or waits for one; nothing still waiting about it is true any more.
    Moved,
    /// The booking was confirmed from the waiting list: a move onto the waiting list still
    /// waiting to go is no longer true (the promotion says it is booked, when and where).
    Promoted,
    /// The booking or its session was cancelled: nothing still waiting about it is true.
    Everything,
}

impl Stale {
    /// The kinds of waiting message withdrawn.
    pub fn withdrawn(self) -> &'static [MessageKind] {
        use MessageKind::*;
        match self {
            Stale::Times => &[Reminder, SessionChanged],
            Stale::Moved => &[
                Reminder,
                SessionChanged,
                Rescheduled,
                BookingConfirmed,
                WaitlistPromoted,
            ],
            Stale::Promoted => &[Rescheduled],
            Stale::Everything => &[
                Reminder,
                SessionChanged,
                Rescheduled,
                BookingConfirmed,
                WaitlistPromoted,
                WalkInCheckedIn,
            ],
        }
    }

    /// The kinds of waiting message written again with the booking's new facts.
    pub fn rewritten(self) -> &'static [MessageKind] {
        use MessageKind::*;
        match self {
            Stale::Times => &[
                BookingConfirmed,
                WaitlistPromoted,
                Rescheduled,
                WalkInCheckedIn,
            ],
            Stale::Moved | Stale::Promoted | Stale::Everything => &[],
        }
    }
}

/// What a booking's message needs to say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingFacts {
    pub activity_title: Localised,
    pub starts_at: NaiveDateTime,
    pub place: Localised,
    /// Whether `place` is a street address (a session held away from its organiser's, a
    /// market's quick-test desk): cut to fit, it loses its start (the province and city
    /// its readers live in), not its end (the market, its gate, the desk).
    pub place_is_address: bool,
    pub code: String,
}

/// What a sample's result message needs to say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleFacts {
    pub code: String,
    /// A variety of the list, never the name a citizen typed for `other`: the message goes
    /// out under the bureau's sign name, so it says only words the service chose.
    pub variety: &'static Variety,
    pub judgement: Judgement,
}

/// What the message to a holder of samples on a cancelled quick-test session needs to say:
/// the session, not the samples (one message tells a phone of all its samples there).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleSessionFacts {
    pub activity_title: Localised,
    pub starts_at: NaiveDateTime,
}

/// What the message about a quick-test session's new time or place says: when it starts
/// now, and where (a market's address when it is held away from its organiser).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleSessionChange {
    pub activity_title: Localised,
    pub starts_at: NaiveDateTime,
    pub place: Localised,
    pub place_is_address: bool,
}

/// A composed message: the template's parameters (for providers that send templates) and
/// the whole text (for providers that send free text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Composed {
    pub kind: MessageKind,
    pub lang: Lang,
    pub params: Vec<String>,
    pub text: String,
}

/// Characters in one SMS segment: 70 in UCS-2 (any Chinese text), 160 in the GSM 7-bit
/// alphabet (plain English).
pub const UCS2_SEGMENT: usize = 70;
pub const GSM_SEGMENT: usize = 160;

/// Room left in a Chinese message for the sign name the SMS platform puts in front
/// (`【某某市场监督管理局】` is up to 12 characters with its brackets).
pub const SIGN_ROOM: usize = 12;

/// The characters a text may hold for one segment: GSM 7-bit septets when every character
/// is in that alphabet, else UCS-2 characters (less the sign's room).
pub fn segment_budget(text: &str) -> usize {
    if gsm_septets(text).is_some() {
        GSM_SEGMENT - SIGN_ROOM
    } else {
        UCS2_SEGMENT - SIGN_ROOM
    }
}

/// How long `text` is for the segment it travels in: septets (GSM), else characters.
pub fn segment_length(text: &str) -> usize {
    gsm_septets(text).unwrap_or_else(|| text.chars().count())
}

/// Whether `text` fits one SMS segment with room for the sign.
pub fn fits_one_segment(text: &str) -> bool {
    segment_length(text) <= segment_budget(text)
}

/// Septets in the GSM 7-bit default alphabet (an extension character takes two), or `None`
/// when a character is outside it.
pub fn gsm_septets(text: &str) -> Option<usize> {
    const BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
        ¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
    const EXTENSION: &str = "^{}\\[~]|€\u{c}";
    text.chars().try_fold(0usize, |n, c| {
        if BASIC.contains(c) {
            Some(n + 1)
        } else if EXTENSION.contains(c) {
            Some(n + 2)
        } else {
            None
        }
    })
}

/// An English title in the GSM alphabet where it only needs plainer punctuation (dashes,
/// curly quotes, ellipsis, non-breaking spaces), so it does not force the whole message into
/// 70-character UCS-2 segments.
fn plain_punctuation(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{2010}'..='\u{2015}' | '\u{2212}' => '-',
            '\u{2018}' | '\u{2019}' | '\u{2032}' => '\'',
            '\u{201c}' | '\u{201d}' | '\u{2033}' => '"',
            '\u{2026}' => '.',
            '\u{a0}' | '\u{2002}'..='\u{200a}' | '\u{3000}' => ' ',
            c => c,
        })
        .collect()
}

/// A date and time as messages print them: `9月21日 09:30`, `21 Sep 09:30`.
fn when(lang: Lang, t: &NaiveDateTime) -> String {
    match lang {
        Lang::Zh => t.format("%-m月%-d日 %H:%M").to_string(),
        Lang::En => t.format("%-d %b %H:%M").to_string(),
    }
}

/// The text of a localised value in `lang`, in the form the message carries.
fn localised(lang: Lang, text: &Localised) -> String {
    let text = text.get(lang.as_str()).trim();
    match lang {
        Lang::Zh => text.to_owned(),
        Lang::En => plain_punctuation(text),
    }
}

/// The message about a booking. A session on site and one online (a cloud classroom, joined
/// by the link on the booking's page, which its code opens) share every kind and template, so
/// no wording sends its reader to a door: the code "lets you in" either way.
pub fn booking_message(event: BookingEvent, lang: Lang, facts: &BookingFacts) -> Composed {
    let title = localised(lang, &facts.activity_title);
    let place = localised(lang, &facts.place);
    let at = when(lang, &facts.starts_at);
    let code = facts.code.clone();
    // `{t}` title and `{p}` place shrink to fit; the rest is kept whole.
    let template = match (event, lang) {
        (BookingEvent::Confirmed, Lang::Zh) => "预约成功：{t}，{a}，预约码{c}，凭码入场。",
        (BookingEvent::Confirmed, Lang::En) => "Booked: {t}, {a}. Your code {c} lets you in.",
        (BookingEvent::Promoted, Lang::Zh) => "候补成功，已为您确认：{t}，{a}，预约码{c}。",
        (BookingEvent::Promoted, Lang::En) => {
            "A place freed up and you are booked: {t}, {a}. Code {c}."
        }
        (BookingEvent::Changed, Lang::Zh) => "场次变更：{t}改为{a}，地点{p}，预约码{c}。",
        (BookingEvent::Changed, Lang::En) => {
            "Changed: {t} is now {a}, {p}. Your code {c} stays the same."
        }
        (BookingEvent::Cancelled, Lang::Zh) => "抱歉，主办方已取消{t}（{a}）场次，预约{c}已失效。",
        (BookingEvent::Cancelled, Lang::En) => {
            "Sorry: the organiser cancelled {t} on {a}. Booking {c} no longer holds."
        }
        (BookingEvent::Reminder, Lang::Zh) => "提醒：{t}，{a}，{p}。预约码{c}，凭码入场。",
        (BookingEvent::Reminder, Lang::En) => "Reminder: {t}, {a}, {p}. Your code {c} lets you in.",
        (BookingEvent::Moved, Lang::Zh) => "改期成功：{t}，{a}，{p}，预约码{c}不变。",
        (BookingEvent::Moved, Lang::En) => "Moved: {t}, now {a}, {p}. Your code {c} stays.",
        (BookingEvent::WalkedIn, Lang::Zh) => "已现场登记并签到：{t}，{a}，预约码{c}。",
        (BookingEvent::WalkedIn, Lang::En) => "Checked in at the door: {t}, {a}. Your code is {c}.",
        (BookingEvent::MovedToWaiting, Lang::Zh) => {
            "已改为候补：{t}，{a}，预约码{c}，有空位即为您确认。"
        }
        (BookingEvent::MovedToWaiting, Lang::En) => {
            "Moved to the waiting list: {t}, {a}. Code {c}: booked as soon as a place frees up."
        }
    };
    let kind = if facts.place_is_address {
        PlaceKind::Address
    } else {
        PlaceKind::Room
    };
    let text = fill_place(
        template,
        &[("{a}", &at), ("{c}", &code)],
        &title,
        &place,
        kind,
    );
    Composed {
        kind: event.kind(),
        lang,
        params: vec![
            title_param(&title),
            at,
            code,
            kind.cut(&place, PLACE_PARAM_CHARS),
        ],
        text,
    }
}

/// The plain-words judgement and, when it is not negative, what happens next.
fn judgement_words(lang: Lang, judgement: Judgement) -> &'static str {
    match (lang, judgement) {
        (Lang::Zh, Judgement::Negative) => "阴性，未发现农药残留超标",
        (Lang::Zh, Judgement::Suspicious) => "可疑，建议送实验室检测确认",
        (Lang::Zh, Judgement::Positive) => "阳性，请勿食用，样品将送实验室确认",
        (Lang::En, Judgement::Negative) => "negative: no pesticide residue above the limit",
        (Lang::En, Judgement::Suspicious) => "suspicious: a lab test can confirm it",
        (Lang::En, Judgement::Positive) => {
            "positive: do not eat it; the sample goes to a lab to confirm"
        }
    }
}

/// How a result message names the vegetable: a listed variety by its own name, `other` by
/// a fixed word.
fn vegetable_words(lang: Lang, variety: &'static Variety) -> &'static str {
    match (variety.key == OTHER, lang) {
        (true, Lang::Zh) => "其他蔬菜",
        (true, Lang::En) => "Other vegetable",
        (false, Lang::Zh) => variety.zh,
        (false, Lang::En) => variety.en,
    }
}

/// The message that a quick-test sample has its final judgement.
pub fn sample_message(lang: Lang, facts: &SampleFacts) -> Composed {
    let variety = vegetable_words(lang, facts.variety);
    let words = judgement_words(lang, facts.judgement);
    let template = match lang {
        Lang::Zh => "样品{c}（{t}）速测结果：{j}。仅对本样品负责。",
        Lang::En => "Quick test of sample {c} ({t}): {j}. A screening of this sample only.",
    };
    let text = fill(
        template,
        &[("{c}", &facts.code), ("{j}", words)],
        variety,
        "",
    );
    Composed {
        kind: MessageKind::SampleResult,
        lang,
        params: vec![
            facts.code.clone(),
            title_param(variety),
            facts.judgement.as_str().to_owned(),
        ],
        text,
    }
}

/// The message that staff cancelled the quick-test session a phone registered samples on,
/// none of them handed in yet: they will not be tested, and another session may take them.
/// Template parameters: title, time.
pub fn sample_session_cancelled_message(lang: Lang, facts: &SampleSessionFacts) -> Composed {
    let title = localised(lang, &facts.activity_title);
    let at = when(lang, &facts.starts_at);
    let template = match lang {
        Lang::Zh => {
            "抱歉，主办方已取消{t}（{a}）快检场次，您登记的样品不再接收检测，可另约其他场次。"
        }
        Lang::En => {
            "Sorry: the organiser cancelled the quick test {t} on {a}: your samples will not be \
             tested. Another session can take them."
        }
    };
    Composed {
        kind: MessageKind::SampleSessionCancelled,
        lang,
        text: fill(template, &[("{a}", &at)], &title, ""),
        params: vec![title_param(&title), at],
    }
}

/// The message that a quick-test session its holder registered samples on has a new time
/// or place: bring them then and there.
pub fn sample_session_changed_message(lang: Lang, change: &SampleSessionChange) -> Composed {
    let title = localised(lang, &change.activity_title);
    let place = localised(lang, &change.place);
    let at = when(lang, &change.starts_at);
    let template = match lang {
        Lang::Zh => "快检变更：{t}改为{a}，地点{p}，请届时送样。",
        Lang::En => "Quick test changed: {t} is now {a}, {p}. Bring your samples then.",
    };
    let kind = if change.place_is_address {
        PlaceKind::Address
    } else {
        PlaceKind::Room
    };
    Composed {
        kind: MessageKind::SampleSessionChanged,
        lang,
        text: fill_place(template, &[("{a}", &at)], &title, &place, kind),
        params: vec![title_param(&title), at, kind.cut(&place, PLACE_PARAM_CHARS)],
    }
}

/// Longest title passed as a template parameter: platforms cap a variable's length (20–35
/// characters is common).
const TITLE_PARAM_CHARS: usize = 20;

fn title_param(title: &str) -> String {
    shorten(title, TITLE_PARAM_CHARS)
}

/// Longest place passed as a template parameter: Alibaba Cloud caps a variable at 35
/// characters, Tencent Cloud's longest kinds about the same; a longer address is refused
/// there, and the message never goes.
pub const PLACE_PARAM_CHARS: usize = 35;

/// What a message's place is, which says how it is cut to fit: a room's name keeps its
/// start ([`shorten`]), down to [`SHRINK_FLOOR`] characters; a street address its end
/// ([`shorten_start`]: the market, its gate, the desk), and at least [`ADDRESS_FLOOR`]
/// (a text takes a second segment rather). A place passed as a template parameter is whole
/// when it fits [`PLACE_PARAM_CHARS`] characters (characters, not bytes: a Chinese address
/// is three bytes a character), else cut so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PlaceKind {
    Room,
    Address,
}

impl PlaceKind {
    fn cut(self, place: &str, chars: usize) -> String {
        match self {
            PlaceKind::Room => shorten(place, chars),
            PlaceKind::Address => shorten_start(place, chars),
        }
    }

    fn floor(self) -> usize {
        match self {
            PlaceKind::Room => SHRINK_FLOOR,
            PlaceKind::Address => ADDRESS_FLOOR,
        }
    }
}

/// Fewest characters a shrunk address keeps: enough for a market and its gate.
const ADDRESS_FLOOR: usize = 20;

/// Fewest characters a shrunk title or place keeps, so it stays recognisable.
const SHRINK_FLOOR: usize = 6;

/// The template with its fixed values, and the title `{t}` and place `{p}` shortened (the
/// longer one first, each with an ellipsis) until the text fits one segment or both are at
/// their floors ([`SHRINK_FLOOR`], an address's [`ADDRESS_FLOOR`]); a text still too long
/// goes out in two segments rather than say less.
fn fill(template: &str, fixed: &[(&str, &str)], title: &str, place: &str) -> String {
    fill_place(template, fixed, title, place, PlaceKind::Room)
}

/// [`fill`], the place shrunk as its kind is ([`PlaceKind`]).
fn fill_place(
    template: &str,
    fixed: &[(&str, &str)],
    title: &str,
    place: &str,
    kind: PlaceKind,
) -> String {
    let mut base = template.to_owned();
    for (slot, value) in fixed {
        base = base.replace(slot, value);
    }
    let (mut t, mut p) = (title.chars().count(), place.chars().count());
    loop {
        let text = base
            .replace("{t}", &shorten(title, t))
            .replace("{p}", &kind.cut(place, p));
        if fits_one_segment(&text) {
            return text;
        }
        if (t >= p || p <= kind.floor()) && t > SHRINK_FLOOR {
            t -= 1;
        } else if p > kind.floor() {
            p -= 1;
        } else {
            return text;
        }
    }
}

/// `text` in at most `chars` characters, the last an ellipsis (`…` in Chinese text, `..`
/// in GSM text) when something was cut.
fn shorten(text: &str, chars: usize) -> String {
    let n = text.chars().count();
    if n <= chars {
        return text.to_owned();
    }
    let gsm = gsm_septets(text).is_some();
    let mark = if gsm { ".." } else { "…" };
    let keep = chars.saturating_sub(mark.chars().count());
    let mut out: String = text.chars().take(keep).collect();
    // No ellipsis after a space or a comma ("Avenue,..").
    let kept = out
        .trim_end_matches(|c: char| {
            c.is_whitespace() || c.is_ascii_punctuation() || "，、；：—".contains(c)
        })
        .len();
    out.truncate(kept);
    out.push_str(mark);
    out
}

/// `text` in at most `chars` characters, the first an ellipsis when something was cut: its
/// end kept, as [`shorten`] keeps its start.
fn shorten_start(text: &str, chars: usize) -> String {
    let n = text.chars().count();
    if n <= chars {
        return text.to_owned();
    }
    let mark = if gsm_septets(text).is_some() {
        ".."
    } else {
        "…"
    };
    let keep = chars.saturating_sub(mark.chars().count());
    let tail: String = text.chars().skip(n - keep).collect();
    // No ellipsis before a space or a comma ("..., Gate 2").
    let tail = tail.trim_start_matches(|c: char| {
        c.is_whitespace() || c.is_ascii_punctuation() || "，、；：—".contains(c)
    });
    format!("{mark}{tail}")
}

/// When reminders go out: `hours_before` the session starts, moved out of the quiet hours
/// (venue time) to the evening before them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReminderRule {
    pub hours_before: u32,
    pub quiet: QuietHours,
}

impl Default for ReminderRule {
    /// The day before, never between 21:00 and 08:00.
    fn default() -> Self {
        ReminderRule {
            hours_before: 24,
            quiet: QuietHours::default(),
        }
    }
}

/// Hours of the venue's day when no reminder is sent: from `from` (inclusive) to `until`
/// (exclusive), across midnight when `from > until`; none when they are equal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuietHours {
    pub from: u32,
    pub until: u32,
}

impl Default for QuietHours {
    fn default() -> Self {
        QuietHours { from: 21, until: 8 }
    }
}

impl QuietHours {
    /// From hours of the day (0–23), or why they are not.
    pub fn new(from: u32, until: u32) -> Result<QuietHours, String> {
        if from > 23 || until > 23 {
            return Err(format!("quiet hours {from}–{until}: hours are 0–23"));
        }
        Ok(QuietHours { from, until })
    }

    /// Whether `t` (venue time) falls in the quiet hours.
    pub fn contains(&self, t: &NaiveDateTime) -> bool {
        let h = t.hour();
        match self.from.cmp(&self.until) {
            std::cmp::Ordering::Equal => false,
            std::cmp::Ordering::Less => (self.from..self.until).contains(&h),
            std::cmp::Ordering::Greater => h >= self.from || h < self.until,
        }
    }

    /// The last moment before `t` outside the quiet hours: `t` itself when it is not quiet,
    /// else one minute before the quiet hours began.
    pub fn before(&self, t: NaiveDateTime) -> NaiveDateTime {
        if !self.contains(&t) {
            return t;
        }
        let start = NaiveTime::from_hms_opt(self.from, 0, 0).unwrap_or(NaiveTime::MIN);
        let same_day = t.date().and_time(start);
        let began = if same_day <= t {
            same_day
        } else {
            same_day - Duration::days(1)
        };
        began - Duration::minutes(1)
    }

    /// The first moment from `t` on outside the quiet hours.
    pub fn after(&self, t: NaiveDateTime) -> NaiveDateTime {
        if !self.contains(&t) {
            return t;
        }
        let end = NaiveTime::from_hms_opt(self.until, 0, 0).unwrap_or(NaiveTime::MIN);
        let same_day = t.date().and_time(end);
        if same_day > t {
            same_day
        } else {
            same_day + Duration::days(1)
        }
    }
}

impl ReminderRule {
    /// When the reminder for a session starting at `starts_at` is due (venue time):
    /// `hours_before` earlier, moved back out of the quiet hours. From then until the start
    /// is the reminder window: a message that gave the holder the time and place in it (a
    /// confirmation, a promotion, a move, a change) makes the reminder redundant.
    pub fn due(&self, starts_at: NaiveDateTime) -> NaiveDateTime {
        self.quiet
            .before(starts_at - Duration::hours(i64::from(self.hours_before)))
    }

    /// At `now` (venue time), when to send the reminder for a session starting at
    /// `starts_at`: `None` while it is not due yet, or when it can no longer arrive before
    /// the session outside the quiet hours (booked at the last minute, or at night for the
    /// morning: the booking confirmation said it all). A reminder due while the server was
    /// down goes out as soon as it can.
    pub fn send_at(&self, starts_at: NaiveDateTime, now: NaiveDateTime) -> Option<NaiveDateTime> {
        if now < self.due(starts_at) {
            return None;
        }
        let at = self.quiet.after(now);
        (at < starts_at).then_some(at)
    }
}

/// When to try a message again after its `attempt`-th failed try at `now` (venue time):
/// after the backoff ([`retry_after`]), moved out of the quiet hours as a reminder's first
/// try is, unless the message would then arrive only once it is no longer worth sending
/// (`expires`, venue time). Then news of a booking or of a cancelled or changed session goes
/// at the backoff's time even at night (better than the holder coming for nothing), while a
/// reminder is left for the morning, where it expires: a reminder never wakes anyone.
pub fn retry_at(
    kind: MessageKind,
    attempt: u32,
    now: NaiveDateTime,
    expires: NaiveDateTime,
    quiet: QuietHours,
) -> NaiveDateTime {
    let due = now + retry_after(attempt);
    let outside = quiet.after(due);
    if outside < expires || kind == MessageKind::Reminder {
        outside
    } else {
        due
    }
}

/// Deliveries tried before a message is marked failed.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 8;

/// How long to wait after the `attempt`-th failed try (1-based): 30 s doubling each time,
/// at most an hour, so eight tries span about two hours.
pub fn retry_after(attempt: u32) -> Duration {
    let doublings = attempt.saturating_sub(1).min(7);
    Duration::seconds((30i64 << doublings).min(3600))
}

/// A delivery error as the outbox keeps it: digit runs that could be a phone number (7 or
/// more digits) replaced by `#`, and at most 200 characters. Providers' answers may echo
/// the number they were given.
pub fn scrub_error(error: &str) -> String {
    let mut out = String::new();
    let mut digits = String::new();
    let flush = |digits: &mut String, out: &mut String| {
        if digits.chars().count() >= 7 {
            out.push('#');
        } else {
            out.push_str(digits);
        }
        digits.clear();
    };
    for c in error.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
        } else {
            flush(&mut digits, &mut out);
            out.push(c);
        }
    }
    flush(&mut digits, &mut out);
    out.chars().take(200).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(d: u32, h: u32, m: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 9, d)
            .and_then(|d| d.and_hms_opt(h, m, 0))
            .expect("a date")
    }

    /// Realistic long names from the Jiangxi notice, and a made-up longest English one.
    fn long_facts() -> BookingFacts {
        BookingFacts {
            activity_title: Localised::new(
                "江西省检验检测认证总院食品检验检测研究院开放日——走进食品实验室，看农药残留快速检测",
                "Jiangxi General Institute of Inspection, Testing and Certification – Food \
                 Inspection and Testing Research Institute open day: a visit to the food lab",
            ),
            starts_at: at(21, 9, 30),
            place: Localised::new(
                "南昌市青山湖区昌东大道7999号江西省检验检测认证总院食品检验检测研究院二楼实验室",
                "2nd floor laboratory, 7999 Changdong Avenue, Qingshanhu District, Nanchang",
            ),
            place_is_address: false,
            code: "ABCD2345".into(),
        }
    }

    #[test]
    fn every_booking_message_fits_one_segment_with_long_names_in_both_languages() {
        for kind in BookingEvent::ALL {
            let zh = booking_message(kind, Lang::Zh, &long_facts());
            assert!(
                zh.text.chars().count() <= UCS2_SEGMENT - SIGN_ROOM,
                "{kind:?} zh: {} ({} chars)",
                zh.text,
                zh.text.chars().count()
            );
            assert!(zh.text.contains("ABCD2345"), "{}", zh.text);
            assert!(zh.text.contains("9月21日 09:30"), "{}", zh.text);
            assert!(zh.text.starts_with(match kind {
                BookingEvent::Reminder => "提醒",
                BookingEvent::Confirmed => "预约成功",
                BookingEvent::Promoted => "候补成功",
                BookingEvent::Changed => "场次变更",
                BookingEvent::Cancelled => "抱歉",
                BookingEvent::Moved => "改期成功",
                BookingEvent::MovedToWaiting => "已改为候补",
                BookingEvent::WalkedIn => "已现场登记并签到",
            }));
            let en = booking_message(kind, Lang::En, &long_facts());
            let septets = gsm_septets(&en.text).expect("English texts stay in the GSM alphabet");
            assert!(
                septets <= GSM_SEGMENT - SIGN_ROOM,
                "{kind:?} en: {} ({septets})",
                en.text
            );
            assert!(en.text.contains("ABCD2345") && en.text.contains("21 Sep 09:30"));
            assert!(en.text.contains("Jiangxi"), "the title's start survives");
        }
    }

    #[test]
    fn a_long_market_address_is_cut_from_its_start_and_keeps_the_desk() {
        let market = "中国江西省南昌市青山湖区青山湖大道8号青山湖农贸市场东门入口右侧快检服务台";
        let facts = BookingFacts {
            place: Localised::new(market, "Quick-test desk, east gate"),
            place_is_address: true,
            ..long_facts()
        };
        for kind in [
            BookingEvent::Changed,
            BookingEvent::Reminder,
            BookingEvent::Moved,
        ] {
            // The address keeps twenty characters at least, rather than fit one segment.
            let zh = booking_message(kind, Lang::Zh, &facts);
            assert!(
                zh.text.contains("9月21日 09:30") && zh.text.contains("ABCD2345"),
                "{}",
                zh.text
            );
            assert!(
                zh.text.contains("东门入口右侧快检服务台"),
                "{kind:?}: {}",
                zh.text
            );
            assert!(!zh.text.contains("江西省南昌市"), "{kind:?}: {}", zh.text);
            // A template parameter is cut the same way, to what the platforms take.
            let param = &zh.params[3];
            assert!(param.chars().count() <= PLACE_PARAM_CHARS, "{param}");
            assert!(
                param.starts_with('…') && param.ends_with("东门入口右侧快检服务台"),
                "{param}"
            );
            let en = booking_message(kind, Lang::En, &facts);
            assert!(en.text.contains("east gate"), "{kind:?}: {}", en.text);
        }
        // An English text for a market without an English address names it in Chinese,
        // whole, though that takes a second segment.
        let market = BookingFacts {
            activity_title: Localised::new("测试开放日", "Test open day"),
            place: Localised::new("青山湖农贸市场东门", ""),
            place_is_address: true,
            ..long_facts()
        };
        let en = booking_message(BookingEvent::Changed, Lang::En, &market);
        assert!(en.text.contains(", 青山湖农贸市场东门."), "{}", en.text);
        // A room's name is cut at its end, as before.
        let room = booking_message(BookingEvent::Reminder, Lang::Zh, &long_facts());
        assert!(room.text.contains("南昌市青山湖区"), "{}", room.text);
        assert_eq!(
            shorten_start("Gate 2, 8 Qingshanhu Avenue", 12),
            "..nhu Avenue"
        );
        assert_eq!(shorten_start("Desk 3, Gate 2", 10), "..Gate 2");
        assert_eq!(shorten_start("一楼", 6), "一楼");
    }

    #[test]
    fn short_names_are_never_cut() {
        let facts = BookingFacts {
            activity_title: Localised::new("食品实验室开放日", "Food lab open day"),
            starts_at: at(3, 14, 0),
            place: Localised::new("二楼", "2nd floor"),
            place_is_address: false,
            code: "K7M2P9QX".into(),
        };
        let zh = booking_message(BookingEvent::Confirmed, Lang::Zh, &facts);
        assert_eq!(
            zh.text,
            "预约成功：食品实验室开放日，9月3日 14:00，预约码K7M2P9QX，凭码入场。"
        );
        // A walk-in is already in: given the code, not sent to the door with it.
        let walked_in = booking_message(BookingEvent::WalkedIn, Lang::Zh, &facts);
        assert_eq!(
            walked_in.text,
            "已现场登记并签到：食品实验室开放日，9月3日 14:00，预约码K7M2P9QX。"
        );
        assert_eq!(walked_in.kind, MessageKind::WalkInCheckedIn);
        let en = booking_message(BookingEvent::Reminder, Lang::En, &facts);
        assert_eq!(
            en.text,
            "Reminder: Food lab open day, 3 Sep 14:00, 2nd floor. Your code K7M2P9QX lets you in."
        );
        assert_eq!(
            en.params,
            ["Food lab open day", "3 Sep 14:00", "K7M2P9QX", "2nd floor"]
        );
    }

    #[test]
    fn no_booking_message_sends_an_online_seat_to_a_door() {
        let online = BookingFacts {
            place: Localised::new(
                "线上（链接见预约页面）",
                "online (the link is on your booking page)",
            ),
            ..long_facts()
        };
        for event in BookingEvent::ALL {
            for lang in [Lang::Zh, Lang::En] {
                let text = booking_message(event, lang, &online).text;
                let walked_in = event == BookingEvent::WalkedIn;
                assert!(walked_in || !text.contains("door"), "{text}");
                assert!(!text.contains("出示") && !text.contains("门口"), "{text}");
            }
        }
    }

    #[test]
    fn a_missing_english_title_falls_back_to_chinese_and_still_fits_ucs2() {
        let mut facts = long_facts();
        facts.activity_title.en.clear();
        let en = booking_message(BookingEvent::Confirmed, Lang::En, &facts);
        assert!(gsm_septets(&en.text).is_none());
        assert!(en.text.chars().count() <= UCS2_SEGMENT, "{}", en.text);
        assert!(en.text.contains("江西省"));
    }

    #[test]
    fn odd_unicode_titles_are_cut_on_characters_not_bytes() {
        let mut facts = long_facts();
        facts.activity_title = Localised::new("🧪".repeat(80), "é".repeat(300));
        for lang in [Lang::Zh, Lang::En] {
            for kind in BookingEvent::ALL {
                let m = booking_message(kind, lang, &facts);
                assert!(fits_one_segment(&m.text), "{kind:?} {lang:?}: {}", m.text);
            }
        }
    }

    #[test]
    fn sample_results_say_the_judgement_in_plain_words_and_what_follows_a_positive() {
        let bok_choy = Variety::find("bok_choy").unwrap();
        let facts = |judgement| SampleFacts {
            code: "Q3RT8WXY".into(),
            variety: bok_choy,
            judgement,
        };
        let negative = sample_message(Lang::Zh, &facts(Judgement::Negative));
        assert!(negative.text.contains("阴性"), "{}", negative.text);
        let positive = sample_message(Lang::Zh, &facts(Judgement::Positive));
        assert!(positive.text.contains("阳性") && positive.text.contains("送实验室确认"));
        let en = sample_message(Lang::En, &facts(Judgement::Positive));
        assert!(en.text.contains("positive") && en.text.contains("lab to confirm"));
        for j in Judgement::ALL {
            for lang in [Lang::Zh, Lang::En] {
                let m = sample_message(lang, &facts(j));
                assert!(fits_one_segment(&m.text), "{lang:?} {j:?}: {}", m.text);
                assert!(m.text.contains("Q3RT8WXY"));
            }
        }
        for variety in crate::sample::VARIETIES {
            let any = SampleFacts {
                variety,
                ..facts(Judgement::Positive)
            };
            for lang in [Lang::Zh, Lang::En] {
                assert!(fits_one_segment(&sample_message(lang, &any).text));
            }
        }
    }

    #[test]
    fn a_result_names_a_listed_vegetable_and_other_by_fixed_words() {
        let facts = |key| SampleFacts {
            code: "Q3RT8WXY".into(),
            variety: Variety::find(key).unwrap(),
            judgement: Judgement::Negative,
        };
        let spinach = sample_message(Lang::Zh, &facts("spinach"));
        assert!(
            spinach.text.starts_with("样品Q3RT8WXY（菠菜）"),
            "{}",
            spinach.text
        );
        assert_eq!(spinach.params[1], "菠菜");
        for (lang, words) in [(Lang::Zh, "其他蔬菜"), (Lang::En, "Other vegetable")] {
            let other = sample_message(lang, &facts(OTHER));
            assert_eq!(other.params[1], words);
            assert!(other.text.contains(words), "{}", other.text);
        }
    }

    #[test]
    fn a_cancelled_quick_test_session_tells_sample_holders_in_their_language() {
        let facts = SampleSessionFacts {
            activity_title: Localised::new("蔬菜快检日", "Vegetable test day"),
            starts_at: at(3, 14, 0),
        };
        let zh = sample_session_cancelled_message(Lang::Zh, &facts);
        assert_eq!(
            zh.text,
            "抱歉，主办方已取消蔬菜快检日（9月3日 14:00）快检场次，您登记的样品不再接收检测，可另约其他场次。"
        );
        assert_eq!(zh.kind, MessageKind::SampleSessionCancelled);
        assert_eq!(zh.params, ["蔬菜快检日", "9月3日 14:00"]);
        let en = sample_session_cancelled_message(Lang::En, &facts);
        assert_eq!(
            en.text,
            "Sorry: the organiser cancelled the quick test Vegetable test day on 3 Sep 14:00: \
             your samples will not be tested. Another session can take them."
        );
        assert_eq!((en.lang, en.params[1].as_str()), (Lang::En, "3 Sep 14:00"));
        // Long names still fit one segment: the title shrinks, the date and the news stay.
        let long = SampleSessionFacts {
            activity_title: long_facts().activity_title,
            starts_at: at(21, 9, 30),
        };
        for lang in [Lang::Zh, Lang::En] {
            let m = sample_session_cancelled_message(lang, &long);
            assert!(fits_one_segment(&m.text), "{lang:?}: {}", m.text);
            assert!(m.text.contains(&when(lang, &long.starts_at)), "{}", m.text);
            assert!(
                m.text.contains("不再接收检测") || m.text.contains("will not be tested"),
                "{}",
                m.text
            );
        }
        assert!(gsm_septets(&sample_session_cancelled_message(Lang::En, &long).text).is_some());
    }

    #[test]
    fn gsm_counts_extension_characters_twice_and_refuses_chinese() {
        assert_eq!(gsm_septets("abc"), Some(3));
        assert_eq!(gsm_septets("a[b]€"), Some(8));
        assert_eq!(gsm_septets("预约"), None);
        assert_eq!(gsm_septets("Café – open"), None);
        assert_eq!(gsm_septets(&plain_punctuation("Café – “open”")), Some(13));
    }

    #[test]
    fn the_default_reminder_is_the_day_before_outside_quiet_hours() {
        let rule = ReminderRule::default();
        assert_eq!(rule.due(at(21, 9, 30)), at(20, 9, 30));
        // A session at 07:00: the day before at 07:00 is quiet; the evening before that.
        assert_eq!(rule.due(at(21, 7, 0)), at(19, 20, 59));
        // 21:30 the day before is quiet: 20:59 that evening.
        assert_eq!(rule.due(at(21, 21, 30)), at(20, 20, 59));
        assert_eq!(rule.due(at(21, 8, 0)), at(20, 8, 0));
    }

    #[test]
    fn a_reminder_is_sent_only_when_due_and_never_in_quiet_hours() {
        let rule = ReminderRule::default();
        let start = at(21, 9, 30);
        assert_eq!(rule.send_at(start, at(20, 9, 29)), None, "not yet due");
        assert_eq!(rule.send_at(start, at(20, 9, 30)), Some(at(20, 9, 30)));
        // Booked at 22:00 the evening before: wait for 08:00, still before 09:30.
        assert_eq!(rule.send_at(start, at(20, 22, 0)), Some(at(21, 8, 0)));
        // A session at 08:00 booked at 23:00: it cannot arrive in time outside quiet hours.
        assert_eq!(rule.send_at(at(21, 8, 0), at(20, 23, 0)), None);
        assert_eq!(rule.send_at(start, at(21, 9, 30)), None, "started");
        let never_quiet = ReminderRule {
            hours_before: 2,
            quiet: QuietHours::new(0, 0).expect("valid"),
        };
        assert_eq!(
            never_quiet.send_at(at(21, 3, 0), at(21, 1, 0)),
            Some(at(21, 1, 0))
        );
        assert!(QuietHours::new(24, 8).is_err());
    }

    #[test]
    fn quiet_hours_within_one_day_work_too() {
        let q = QuietHours::new(12, 14).expect("valid");
        assert!(q.contains(&at(1, 12, 0)) && q.contains(&at(1, 13, 59)));
        assert!(!q.contains(&at(1, 14, 0)) && !q.contains(&at(1, 11, 59)));
        assert_eq!(q.before(at(1, 13, 0)), at(1, 11, 59));
        assert_eq!(q.after(at(1, 13, 0)), at(1, 14, 0));
    }

    #[test]
    fn retries_back_off_doubling_up_to_an_hour() {
        let waits: Vec<i64> = (1..=10).map(|a| retry_after(a).num_seconds()).collect();
        assert_eq!(waits, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]);
        assert_eq!(retry_after(0).num_seconds(), 30);
        assert_eq!(retry_after(u32::MAX).num_seconds(), 3600);
    }

    #[test]
    fn retries_wait_out_the_quiet_hours_unless_the_news_would_come_too_late() {
        let quiet = QuietHours::default();
        let tomorrow_noon = at(22, 12, 0);
        // 20:59 + 30 s is still outside; 20:59:40 + 30 s is quiet: 08:00 next morning.
        let before = at(21, 20, 59);
        assert_eq!(
            retry_at(MessageKind::SampleResult, 1, before, tomorrow_noon, quiet),
            before + Duration::seconds(30)
        );
        let late = before + Duration::seconds(40);
        for kind in MessageKind::ALL {
            assert_eq!(
                retry_at(kind, 1, late, tomorrow_noon, quiet),
                at(22, 8, 0),
                "{kind:?}"
            );
        }
        // A session at 07:30: the morning is too late. News of it goes at night; a
        // reminder does not (it waits for 08:00, past its expiry).
        let early = at(22, 7, 30);
        assert_eq!(
            retry_at(MessageKind::SessionCancelled, 3, late, early, quiet),
            late + Duration::seconds(120)
        );
        assert_eq!(
            retry_at(MessageKind::Reminder, 3, late, early, quiet),
            at(22, 8, 0)
        );
        // Without quiet hours nothing moves.
        let none = QuietHours::new(0, 0).expect("valid");
        assert_eq!(
            retry_at(MessageKind::Reminder, 2, late, early, none),
            late + Duration::seconds(60)
        );
    }

    #[test]
    fn a_long_place_is_cut_to_a_template_variable_by_characters_with_an_ellipsis() {
        let zh = booking_message(BookingEvent::Reminder, Lang::Zh, &long_facts());
        let place = &zh.params[3];
        assert_eq!(place.chars().count(), PLACE_PARAM_CHARS, "{place}");
        assert!(place.starts_with("南昌市青山湖区昌东大道7999号"), "{place}");
        assert!(place.ends_with('…'), "{place}");
        assert!(
            place.len() > PLACE_PARAM_CHARS * 2,
            "counted in characters, not bytes"
        );
        let en = booking_message(BookingEvent::Reminder, Lang::En, &long_facts());
        let place = &en.params[3];
        assert!(place.chars().count() <= PLACE_PARAM_CHARS, "{place}");
        assert!(place.starts_with("2nd floor laboratory, 7999"), "{place}");
        assert!(
            place.ends_with(".."),
            "GSM text keeps a GSM ellipsis: {place}"
        );
        // Emoji and accents: whole characters, never a split one.
        let mut facts = long_facts();
        facts.place = Localised::new("🧪".repeat(50), "é".repeat(50));
        for lang in [Lang::Zh, Lang::En] {
            let place = &booking_message(BookingEvent::Moved, lang, &facts).params[3];
            assert_eq!(place.chars().count(), PLACE_PARAM_CHARS, "{place}");
        }
        // A place that fits is passed whole.
        facts.place = Localised::new("二楼实验室", "2nd floor lab");
        let m = booking_message(BookingEvent::Changed, Lang::Zh, &facts);
        assert_eq!(m.params[3], "二楼实验室");
    }

    #[test]
    fn only_events_that_move_or_end_the_booking_withdraw_its_reminder() {
        let withdrawing: Vec<BookingEvent> = BookingEvent::ALL
            .into_iter()
            .filter(|e| {
                e.makes_stale()
                    .is_some_and(|s| s.withdrawn().contains(&MessageKind::Reminder))
            })
            .collect();
        assert_eq!(
            withdrawing,
            [
                BookingEvent::Changed,
                BookingEvent::Cancelled,
                BookingEvent::Moved,
                BookingEvent::MovedToWaiting
            ]
        );
    }

    #[test]
    fn a_waiting_message_is_withdrawn_or_written_again_never_both_and_reads_as_it_was() {
        for event in BookingEvent::ALL {
            let Some(stale) = event.makes_stale() else {
                continue;
            };
            for kind in stale.rewritten() {
                assert!(!stale.withdrawn().contains(kind), "{event:?} {kind:?}");
                // Written again as the news it was, with the booking's state now.
                let told = BookingEvent::told_by(*kind, false).expect("a booking's news");
                assert_eq!(told.kind(), *kind);
            }
        }
        // A cancellation leaves nothing about the booking waiting.
        let everything = Stale::Everything.withdrawn();
        for event in BookingEvent::ALL {
            let Some(stale) = event.makes_stale() else {
                continue;
            };
            for kind in stale.withdrawn().iter().chain(stale.rewritten()) {
                assert!(everything.contains(kind), "{kind:?}");
            }
        }
        assert_eq!(
            BookingEvent::told_by(MessageKind::Rescheduled, true),
            Some(BookingEvent::MovedToWaiting)
        );
        for kind in MessageKind::ALL {
            if let Some(event) = BookingEvent::told_by(kind, true) {
                assert_eq!(event.kind(), kind);
            }
        }
    }

    #[test]
    fn errors_lose_phone_numbers_and_length() {
        assert_eq!(
            scrub_error("HTTP 400: bad mobile 13800138000 (code 40)"),
            "HTTP 400: bad mobile # (code 40)"
        );
        assert_eq!(scrub_error(&"x".repeat(500)).len(), 200);
        assert_eq!(scrub_error("+8613800138000"), "+#");
    }

    #[test]
    fn a_quick_test_moved_says_when_and_where_now_in_one_segment() {
        let change = SampleSessionChange {
            activity_title: Localised::new("食品安全周快检", "Food safety week quick test"),
            starts_at: at(22, 14, 30),
            place: Localised::new("一楼大厅", "Ground floor hall"),
            place_is_address: false,
        };
        let zh = sample_session_changed_message(Lang::Zh, &change);
        assert_eq!(
            zh.text,
            "快检变更：食品安全周快检改为9月22日 14:30，地点一楼大厅，请届时送样。"
        );
        assert_eq!(zh.kind, MessageKind::SampleSessionChanged);
        let en = sample_session_changed_message(Lang::En, &change);
        assert_eq!(
            en.text,
            "Quick test changed: Food safety week quick test is now 22 Sep 14:30, Ground floor \
             hall. Bring your samples then."
        );
        // The longest names still fit one segment, keeping the time and the address's end.
        let long = SampleSessionChange {
            activity_title: Localised::new("长".repeat(60), "Long ".repeat(40)),
            place: Localised::new(
                format!("{}青山湖农贸市场东门快检点", "江西省南昌市".repeat(6)),
                "",
            ),
            place_is_address: true,
            ..change
        };
        let zh = sample_session_changed_message(Lang::Zh, &long);
        assert!(fits_one_segment(&zh.text), "{}", zh.text);
        assert!(
            zh.text.contains("9月22日 14:30") && zh.text.contains("东门快检点"),
            "{}",
            zh.text
        );
        let en = sample_session_changed_message(Lang::En, &long);
        assert!(en.text.contains("22 Sep 14:30"), "{}", en.text);
    }

    #[test]
    fn kinds_and_languages_read_back_what_they_write() {
        for k in MessageKind::ALL {
            assert_eq!(MessageKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(Lang::parse("en"), Some(Lang::En));
        assert_eq!(Lang::parse("fr"), None);
        assert_eq!(Lang::default(), Lang::Zh);
    }
}
