//! Every user-visible string, in zh-CN (first) and English, and the reader's current
//! language. Components read the language from context, so switching re-renders in place.

use labday_domain::{ErrorCode, FieldCode};
use leptos::prelude::*;
use std::cell::Cell;

/// The reader's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// The language a booking or sample registration is made in (its text messages').
    pub fn of_messages(self) -> labday_domain::message::Lang {
        match self {
            Lang::Zh => labday_domain::message::Lang::Zh,
            Lang::En => labday_domain::message::Lang::En,
        }
    }

    pub fn from_code(code: &str) -> Lang {
        if code.to_ascii_lowercase().starts_with("en") {
            Lang::En
        } else {
            Lang::Zh
        }
    }
}

/// One message in both languages.
#[derive(Debug, Clone, Copy)]
pub struct Msg {
    pub zh: &'static str,
    pub en: &'static str,
}

impl Msg {
    pub fn get(self, lang: Lang) -> &'static str {
        match lang {
            Lang::Zh => self.zh,
            Lang::En => self.en,
        }
    }

    /// A parameterised message: this one in `lang` with each `{name}` replaced by the value
    /// `args` gives it, so each language puts the values where its own word order wants them.
    pub fn fill(self, lang: Lang, args: &[(&str, &dyn std::fmt::Display)]) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        let mut rest = self.get(lang);
        while let Some((before, after)) = rest.split_once('{') {
            out.push_str(before);
            let Some((name, tail)) = after.split_once('}') else {
                out.push('{');
                rest = after;
                continue;
            };
            match args.iter().find(|(key, _)| *key == name) {
                Some((_, value)) => {
                    let _ = write!(out, "{value}");
                }
                None => {
                    out.push('{');
                    out.push_str(name);
                    out.push('}');
                }
            }
            rest = tail;
        }
        out.push_str(rest);
        out
    }
}

/// The `{name}`s a message text asks for, in order.
#[cfg(test)]
pub(crate) fn placeholders(text: &str) -> Vec<&str> {
    let mut names: Vec<&str> = text
        .split('{')
        .skip(1)
        .filter_map(|part| part.split_once('}').map(|(name, _)| name))
        .collect();
    names.sort_unstable();
    names
}

/// `list; NAME = "中文", "English"; …`: the `Msg` constants, and under test `list`, every
/// one of them by name (so the tests check each message's placeholders).
macro_rules! messages {
    ($list:ident; $($name:ident = $zh:literal, $en:literal;)*) => {
        $(pub const $name: Msg = Msg { zh: $zh, en: $en };)*
        #[cfg(test)]
        pub(crate) const $list: &[(&str, Msg)] = &[$((stringify!($name), $name)),*];
    };
}
pub(crate) use messages;

messages! {
    MESSAGES;
    APP_NAME = "实验室开放日预约", "Lab open-day bookings";
    SWITCH_LANG = "English", "中文";
    SWITCH_LANG_LABEL = "Switch to English", "切换到中文";
    NAV_LABEL = "主导航", "Main navigation";
    ELDER_MODE = "长辈版", "Large text";
    ELDER_MODE_LABEL = "长辈版：大字体、高对比度", "Elder-friendly mode: large text, high contrast";
    NAV_MY = "我的预约", "My bookings";
    LOADING = "正在加载…", "Loading…";
    RETRY = "重试", "Try again";
    HOME_TITLE = "近期开放活动", "Upcoming open days";
    HOME_INTRO = "检验检测机构开放日、认证宣传周与云课堂：选择活动，预约场次。", "Testing-lab open days, certification weeks and cloud classrooms: pick an activity and book a session.";
    FILTER_CATEGORY = "类型", "Type";
    FILTER_CITY = "城市", "City";
    FILTER_DATE = "日期", "Date";
    FILTER_ALL = "全部", "All";
    FILTER_CLEAR = "清除筛选", "Clear filters";
    NO_ACTIVITIES = "没有符合条件的活动。", "No activities match.";
    CAT_LAB_OPEN_DAY = "实验室开放日", "Lab open day";
    CAT_DEMO = "检测演示", "Demonstrations";
    CAT_QUICK_TEST = "蔬菜快检", "Vegetable quick tests";
    CAT_CLOUD = "云课堂", "Cloud classroom";
    CAT_CERT_WEEK = "认证宣传周", "Certification weeks";
    KIND_TRAINING = "培训讲座", "Training";
    FORMAT_VISIT = "现场参观", "On-site visit";
    FORMAT_DEMO = "检测演示", "Demonstration";
    FORMAT_QUICK_TEST = "快检服务", "Quick test";
    FORMAT_CLOUD = "云课堂", "Cloud classroom";
    AVAIL_OPEN = "可预约", "Places available";
    AVAIL_FEW = "名额紧张", "Few places left";
    AVAIL_FULL = "已约满", "Full";
    AVAIL_CANCELLED = "已取消", "Cancelled";
    ORGANISER = "主办单位", "Organiser";
    ADDRESS = "地址", "Address";
    ORGANISER_ADDRESS = "主办单位地址", "Organiser's address";
    MAP = "在地图中查看", "Open in map";
    SAFETY = "参观须知", "Safety notes";
    CONTACT = "咨询电话", "Contact";
    SESSIONS = "场次", "Sessions";
    NO_SESSIONS = "暂无可预约场次。", "No upcoming sessions.";
    BOOK = "预约", "Book";
    JOIN_WAITLIST = "排队候补", "Join waiting list";
    WINDOW_CLOSED = "预约已截止", "Booking closed";
    SESSION_CANCELLED = "场次已取消", "Session cancelled";
    PEOPLE = "人", "people";
    BACK = "返回", "Back";
    NOT_FOUND = "页面不存在。", "Page not found.";
    TITLE_NOT_FOUND = "页面不存在", "Page not found";
    TITLE_BOOKING = "预约详情", "Booking details";
    BOOK_TITLE = "填写预约信息", "Your booking";
    NAME = "姓名", "Name";
    PHONE = "手机号码", "Mobile number";
    ADULTS = "成人", "Adults";
    CHILDREN = "儿童（须成人陪同）", "Children (with an adult)";
    CONSENT = "我已阅读并同意隐私说明", "I have read and agree to the privacy notice";
    PRIVACY_TITLE = "隐私说明", "Privacy notice";
    TEXTS_ON = "预约或样品有变化时（确认、候补递补、场次变更或取消、活动提醒、检测结果），我们会发短信到您填写的手机。", "We text the mobile you gave when something happens to your booking or sample (confirmed, a place from the waiting list, a change or cancellation, a reminder, a result).";
    TEXTS_OFF = "本站未开通短信，不会给您发送短信：请记下预约码或样品码，回到本站查看。", "This site sends no text messages: keep your booking or sample code and check back here.";
    PRIVACY_TEXT = "我们仅收集姓名和手机号码，用于确认预约、入场核验和必要时联系您。只有举办您所约场次的实验室或监管局的工作人员能看到完整的姓名和号码，其他人看到的都是掩码。", "We collect only your name and mobile number, to confirm the booking, check you in and contact you if needed. Only the staff of the lab or bureau that runs your session see your name and number in full; everyone else sees them masked.";
    PRIVACY_RETENTION = "场次结束 {retention}后自动删除您的姓名和号码，仅保留不含个人信息的人数统计。预约取消后或场次当天过后，您也可以在预约页面自行立即删除姓名和号码。本设备会保存预约码和手机号码，供“我的预约”查询；删除信息或清除浏览器数据后即不再保存。", "Your name and number are erased automatically {retention} after the session; only anonymous head counts are kept. Once a booking is cancelled or the day of its session is over, you can also erase its name and number yourself from the booking's page. This device keeps the booking code and number so that My bookings can find it; erasing your details, or clearing the browser's data, removes them.";
    SUBMIT_BOOKING = "提交预约", "Book now";
    SUBMITTING = "正在提交…", "Booking…";
    FULL_NOTICE = "本场已约满，提交后将进入候补队列：有名额空出时，按排队先后为人数放得下的候补自动确认。", "This session is full. You will join the waiting list: when places free up, waiting bookings that fit are confirmed in the order they joined.";
    BOOKED_TITLE = "预约成功", "You're booked";
    WAITLISTED_TITLE = "已进入候补", "You're on the waiting list";
    CANCELLED_TITLE = "预约已取消", "Booking cancelled";
    SESSION_CANCELLED_TITLE = "主办方已取消该场次", "The organiser cancelled this session";
    SESSION_CANCELLED_TEXT = "您的预约随之取消，名额不再保留。可以预约本活动的其他场次。", "Your booking was cancelled with it and holds no place. You can book another session of the activity.";
    OTHER_SESSIONS = "查看本活动的其他场次", "See the activity's other sessions";
    CHECKED_IN_TITLE = "已签到入场", "You're checked in";
    NO_SHOW_RULE = "爽约规则：{within}内有 {count}预约后既未取消也未到场的号码，自最近一次起 {block}内不能预约。不能来请在取消截止前取消。只有您预约后未到场时，为执行此规则，该预约保留的号码带密钥哈希值在场次结束 {digest}后删除；其他预约不保留号码的任何信息。", "No-show rule: a number that booked and neither cancelled nor came {count} within {within} cannot book for {block} after the latest. If you cannot come, cancel before the cancellation deadline. Only if you booked and did not come is a keyed hash of the number kept, for this rule: it is deleted {digest} after the session. Other bookings keep nothing of the number.";
    DAYS_ONE = "1 天", "1 day";
    DAYS_N = "{n} 天", "{n} days";
    TIMES_ONE = "1 次", "once";
    TIMES_N = "{n} 次", "{n} times";
    NO_SHOW_TITLE = "本次预约记为未到场", "This booking was marked as a no-show";
    WAITLISTED_NO_TICKET = "候补期间不能凭此码入场：递补成功后，本页会显示入场二维码。", "While you wait, this code does not get you in: once you have a place, this page shows the QR code for the door.";
    BOOKING_CODE = "预约码", "Booking code";
    SHOW_AT_DOOR = "入场时出示此二维码或预约码。", "Show this QR code or the booking code at the door.";
    QR_LABEL = "预约码二维码", "QR code of the booking code";
    STATUS = "状态", "Status";
    STATUS_CONFIRMED = "已确认", "Confirmed";
    STATUS_WAITLISTED = "候补中", "Waiting list";
    STATUS_CANCELLED = "已取消", "Cancelled";
    STATUS_CHECKED_IN = "已签到", "Checked in";
    STATUS_NO_SHOW = "未到场", "No-show";
    WHEN = "时间", "When";
    WHERE = "地点", "Where";
    PARTY = "人数", "Party";
    HOLDER = "预约人", "Booked by";
    ADD_TO_CALENDAR = "添加到日历", "Add to calendar";
    JOIN_LINK = "进入直播", "Join the live class";
    JOIN_LINK_HINT = "直播链接仅对预约人可见，请勿转发。", "Only people who booked see this link; please do not share it.";
    CANCEL_BOOKING = "取消预约", "Cancel booking";
    CANCEL_CONFIRM = "确定取消？名额将立即释放。", "Cancel for sure? Your places are released at once.";
    LEAVE_QUEUE_CONFIRM = "确定取消？您将离开候补名单。", "Cancel for sure? You leave the waiting list.";
    CANCEL_YES = "确定取消", "Yes, cancel";
    CANCEL_NO = "不取消", "Keep it";
    ERASE_TITLE = "删除我的信息", "Delete my details";
    ERASE_HINT = "现在就删除本预约中的姓名和手机号码，不必等待自动删除；删除后无法再查看此预约。", "Erase this booking's name and number now instead of waiting; it cannot be opened afterwards.";
    ERASE_CONFIRM = "确定删除？此操作无法撤销。", "Delete them? This cannot be undone.";
    ERASE_YES = "确定删除", "Yes, delete";
    ERASE_NO = "不删除", "Keep them";
    ERASED_TITLE = "您的信息已删除", "Your details are erased";
    ERASED_TEXT = "姓名和手机号码已删除，本设备也不再保存此预约。", "Name and number are erased; this device no longer keeps the booking.";
    RESCHEDULE = "改期", "Change time";
    RESCHEDULE_TITLE = "改到本活动的其他场次", "Move to another session of this activity";
    RESCHEDULE_HINT = "新场次确认后才释放原名额；预约码不变。", "You keep your place until the new one is confirmed; the booking code stays the same.";
    RESCHEDULE_PICK = "选择新的场次", "Choose the new session";
    RESCHEDULE_NONE = "本活动没有其他仍有名额的场次。", "No other session of this activity has places left.";
    RESCHEDULE_TARGET_CANCELLED = "所选场次已被主办方取消，您的预约没有改动。", "The organiser cancelled the session you chose; your booking did not change.";
    RESCHEDULE_CONFIRM = "确认改期", "Move my booking";
    RESCHEDULE_KEEP = "不改了", "Keep this time";
    RESCHEDULED = "已改期，预约码不变。", "Your booking has been moved; the code is the same.";
    SUBSCRIBE_CALENDAR = "订阅日历", "Subscribe";
    SUBSCRIBE_CALENDAR_LABEL = "订阅日历：在日历应用中订阅本活动的全部场次", "Subscribe to all sessions of this activity in your calendar app";
    CANCEL_TOO_LATE = "已过取消截止时间，无法在线取消。", "The cancellation deadline has passed; it can no longer be cancelled online.";
    MY_TITLE = "我的预约", "My bookings";
    MY_EMPTY = "本设备上还没有预约记录。", "No bookings on this device yet.";
    MY_DEVICE_NOTE = "在本设备上完成的预约会显示在这里。", "Bookings made on this device appear here.";
    FIND_TITLE = "查找预约", "Find a booking";
    PHONE_CODE = "短信验证码", "Code from the text message";
    SEND_CODE = "获取验证码", "Send code";
    CODE_SENT = "验证码已发送到该手机，几分钟内有效；60秒后可重新获取。我们只保存验证码的加密摘要，过期后即删除。", "Code sent to this phone; it works for a few minutes, and another can be sent after 60 seconds. We keep only a keyed hash of it, deleted once it expires.";
    PHONE_VERIFIED = "该手机号已验证。", "This mobile number is verified.";
    FIELD_PHONE_CODE_REQUIRED = "请输入发送到该手机的6位验证码。", "Enter the 6-digit code sent to this phone.";
    FIELD_PHONE_CODE_INVALID = "验证码为6位数字。", "The code is 6 digits.";
    FIELD_PHONE_CODE_WRONG = "验证码不正确，请重新输入。", "That is not the code sent to this phone.";
    FIELD_PHONE_CODE_EXPIRED = "验证码已过期或尝试次数已用完，请重新获取。", "This code has expired or run out of tries: ask for a new one.";
    FIELD_PHONE_CODE_TOO_SOON = "验证码刚刚已发送，请60秒后再获取。", "A code was sent less than a minute ago; wait before asking again.";
    FIELD_PHONE_CODE_LIMIT = "获取验证码次数过多，请稍后再试。", "Too many codes asked for; try again later.";
    FIND_PHONE_TITLE = "按手机号查找", "Find by mobile number";
    FIND_PHONE_HINT = "丢了预约码？验证手机号后，列出该号码的全部预约和样品。", "Lost a code? Verify your mobile number to list all its bookings and samples.";
    FIND_PHONE_NONE = "该号码没有预约或样品。", "This number has no bookings or samples.";
    FIND_HINT = "在其他设备上预约的？输入预约码和手机号码查找。", "Booked on another device? Enter the booking code and mobile number.";
    FIND = "查找", "Find";
    ENTER_PHONE = "请输入预约时填写的手机号码以查看此预约。", "Enter the mobile number used for this booking to see it.";
    SKIP_TO_CONTENT = "跳到主要内容", "Skip to content";
    FIELD_NAME_REQUIRED = "请填写姓名", "Please enter your name";
    FIELD_NAME_TOO_LONG = "姓名过长（最多 40 字）", "Name is too long (40 characters at most)";
    FIELD_NAME_INVALID = "姓名包含无效字符", "Name contains characters that are not allowed";
    FIELD_PHONE_INVALID = "请输入 11 位手机号码", "Enter an 11-digit mainland mobile number";
    FIELD_ADULT_REQUIRED = "至少需要一名成人", "At least one adult is needed";
    FIELD_PARTY_TOO_LARGE = "人数超过本场每单上限", "More people than this session allows per booking";
    FIELD_CONSENT_REQUIRED = "请阅读并同意隐私说明", "Please read and accept the privacy notice";
    FIELD_CODE_INVALID = "预约码为 8 位字母数字", "A booking code has 8 letters and digits";
    FIELD_INVALID = "请检查此项", "Please check this field";
    FIELD_VARIETY_REQUIRED = "请选择或填写蔬菜品种", "Choose or type the vegetable";
    FIELD_BOUGHT_AT_REQUIRED = "请填写购买地点（市场、摊位）", "Say where you bought it (market, stall)";
    FIELD_DATE_IN_FUTURE = "购买日期不能晚于今天", "The purchase date cannot be after today";
    FIELD_BOUGHT_TOO_LONG_AGO = "只接受 7 天内购买的蔬菜", "Only vegetables bought in the last 7 days can be tested";
    FIELD_TOO_LONG = "内容太长", "This is too long";
    FIELD_SAMPLES_REQUIRED = "请至少登记一份样品", "Register at least one sample";
    FIELD_TOO_MANY_SAMPLES = "一次最多登记 5 份样品", "At most 5 samples at a time";
    FIELD_LAST4_INVALID = "请输入手机号后 4 位数字", "Enter the last 4 digits of the phone number";
    ERR_BAD_REQUEST = "请求无法识别，请刷新页面后重试。", "The request was not understood; reload the page and try again.";
    ERR_PAYLOAD_TOO_LARGE = "提交的内容过大，请删减后重试。", "What was sent is too large; shorten it and try again.";
    ERR_INVALID = "请修改标出的内容。", "Please correct the marked fields.";
    ERR_NOT_FOUND = "未找到：请检查预约码和手机号码。", "Not found: check the booking code and mobile number.";
    ERR_PAGE_NOT_FOUND = "没有这个活动或场次：链接可能有误，或已下线。", "There is no such activity or session: the link may be wrong, or it was taken down.";
    ERR_WINDOW_CLOSED = "该场次当前不在预约时间内。", "This session is not open for booking right now.";
    ERR_DUPLICATE = "该手机号码已预约本场次。", "This mobile number already has a booking for this session.";
    ERR_DAILY_LIMIT = "该手机号码在该场次当天的预约人数已达上限。", "This mobile number has reached the limit of people it may book for that day.";
    ERR_PARTY_TOO_LARGE = "人数超过本场每单上限。", "More people than this session allows per booking.";
    ERR_CANCEL_DEADLINE = "已过取消截止时间。", "The cancellation deadline has passed.";
    ERR_ALREADY_CANCELLED = "该预约已取消。", "This booking is already cancelled.";
    ERR_STILL_BOOKED = "预约仍有效：取消后或场次当天过后才能删除。", "The booking still stands: delete your details once it is cancelled or its day is over.";
    ERR_SESSION_CANCELLED = "该场次已被主办方取消。", "The organiser cancelled this session.";
    ERR_NO_SHOW = "因多次预约未到场，该号码暂停预约。", "Bookings are paused for this number after repeated no-shows.";
    ERR_IDEMPOTENCY = "重复提交的内容不一致，请刷新后重试。", "A repeated request did not match; reload and try again.";
    ERR_TOO_MANY = "操作过于频繁，请稍后再试（同一个码错得太多时，次日再试）。", "Too many attempts; try again later (after many wrong tries on one code, the next day).";
    ERR_SESSION_FULL = "名额已满：预留和剩余名额都已用完。", "This session is full: no reserved or free place is left.";
    ERR_OTHER_ACTIVITY = "只能改到同一活动的其他场次。", "A booking can move only to another session of the same activity.";
    SAMPLES_NOT_YET_OPEN = "尚未开放样品登记 · 开放登记 {at}", "Sample registration not open yet · Opens {at}";
    SAMPLES_SESSION_OVER = "本场次已结束，不再接收样品登记。", "This session is over: it takes no more samples.";
    ERR_NOT_QUICK_TEST = "只有农残快检场次可以登记样品。", "Samples can be registered only on a quick-test session.";
    ERR_SAMPLE_LIMIT = "该手机号在本场次登记的样品已达上限（5 份）。", "This phone number has registered the most samples allowed for this session (5).";
    ERR_UNAVAILABLE = "当前访问人数较多，请稍候再试。", "The service is very busy; please try again in a moment.";
    ERR_INTERNAL = "服务器出错了，请稍后再试。", "Something went wrong on our side; please try again later.";
    WINDOW_NOT_YET_OPENS = "尚未开放预约 · 开放预约 {at}", "Booking not open yet · Booking opens {at}";
    BOOK_SESSION = "预约 {session}", "Book {session}";
    JOIN_WAITLIST_FOR = "排队候补 {session}", "Join waiting list {session}";
    AVAILABILITY_OF = "{availability} · 剩余名额 {left}/{capacity}", "{availability} · Places left {left}/{capacity}";
    AVAILABILITY_LEFT = "{availability} · 剩余名额 {left}", "{availability} · Places left {left}";
    PLACES_OF = "剩余名额 {left}/{capacity}", "Places left {left}/{capacity}";
    CANCEL_PASSED_NOTICE = "本场已过取消截止时间：预约后不能在线取消或改期。", "This session's cancellation deadline has passed: once booked, it cannot be cancelled or moved online.";
    CLOSES_AND_CANCEL_BY = "预约截止 {closes} · 取消截止 {cancel}", "Booking closes {closes} · Cancel by {cancel}";
    PER_BOOKING_LIMIT = "每单最多 {n} 人", "Per booking, up to {n} people";
    PER_BOOKING_ONE = "每单限 1 人", "One person per booking";
    WAITLIST_PLACE = "候补位次 {n}", "Place in queue {n}";
    PARTY_ADULTS = "{n} 成人", "{n} adults";
    PARTY_ONE_ADULT = "1 成人", "1 adult";
    PARTY_CHILDREN = "{n} 儿童", "{n} children";
    PARTY_ONE_CHILD = "1 儿童", "1 child";
    ERR_NETWORK = "无法连接服务器，请检查网络后重试。", "Cannot reach the server. Check your connection and try again.";
    OFFLINE_NOTE = "离线 · 最后更新于 {when}", "Offline · last updated {when}";
}

// Vegetable samples (pesticide quick tests): citizen pages, board and the staff batch view.
messages! {
    SAMPLE_MESSAGES;
    REGISTER_SAMPLES = "登记送检蔬菜", "Register vegetables";
    SAMPLES_TITLE = "蔬菜农残快检登记", "Pesticide quick test: register your vegetables";
    SAMPLES_INTRO = "带上您买的蔬菜（每份约两片叶子，约 5 克）到快检点。先在这里登记，到场后出示样品码。", "Bring the vegetables you bought (about two leaves, 5 g each) to the test point. Register them here and show the sample code when you arrive.";
    VARIETY = "蔬菜品种", "Vegetable";
    VARIETY_HINT = "输入名称可搜索；列表中没有的请直接填写名称。", "Type to search; if it is not listed, type its name.";
    BOUGHT_AT = "购买地点（市场、摊位）", "Where bought (market, stall)";
    BOUGHT_ON = "购买日期", "Purchase date";
    ADD_SAMPLE = "再加一份样品", "Add another sample";
    REMOVE_SAMPLE = "删除这份样品", "Remove this sample";
    FALSE_POSITIVE_WARNING = "提示：这种蔬菜自身的成分可能让酶抑制法出现假阳性；初检阳性或可疑的，会复检并以实验室结果为准。", "Note: this vegetable's own compounds can make the enzyme test read falsely positive; a positive or suspicious reading is re-tested and confirmed by a laboratory.";
    SUBMIT_SAMPLES = "提交登记", "Register samples";
    SAMPLES_PRIVACY_TEXT = "我们仅收集姓名、手机号码和每份蔬菜的购买地点，用于核对样品和必要时通知您结果。查询结果只需样品码和手机号后 4 位。", "We collect only your name, your mobile number and where you bought each vegetable, to match your samples and tell you the result if needed. Looking up a result needs only the sample code and the last 4 digits of your number.";
    SAMPLES_PRIVACY_RETENTION = "场次结束 {retention}后自动删除您的姓名、号码、购买地点和您自己填写的蔬菜名称，仅保留不含个人信息的检测统计。送样前，或场次结束、复检完成后，您也可以在样品结果页面输入完整手机号码，自行立即删除这些信息（送样前删除即撤回样品）。", "Your name, number, where you bought each vegetable and any vegetable name you typed yourself are erased {retention} after the session; only anonymous test counts are kept. Before you hand a sample in (which withdraws it), or once its session is over and its re-tests are done, you can also erase them yourself at once from the sample's result page, with your whole number.";
    SAMPLES_DONE_TITLE = "登记成功", "Samples registered";
    SAMPLES_DONE_HINT = "请打印标签或保存截图，与蔬菜一起交给工作人员。样品码也保存在本设备的“我的预约”中。", "Print the labels or keep a screenshot, and hand them in with the vegetables. The codes are also kept on this device under “My bookings”.";
    SAMPLE_CODE = "样品码", "Sample code";
    PRINT_LABELS = "打印标签", "Print labels";
    SAMPLE_QR_LABEL = "样品码二维码", "QR code of the sample code";
    SAMPLE_RESULT_TITLE = "快检结果", "Quick-test result";
    LAST4 = "手机号后 4 位", "Last 4 digits of the phone number";
    FIND_SAMPLE = "查询样品结果", "Look up a sample result";
    FIND_SAMPLE_HINT = "输入样品码和登记手机号的后 4 位。", "Enter the sample code and the last 4 digits of the phone number it was registered with.";
    SAMPLE_ERASE_HINT = "现在就删除这份样品登记中的姓名、手机号码、购买地点和您填写的蔬菜名称，不必等待自动删除。删除后无法再查询这份样品的结果，我们也无法再通知您；送样前删除即撤回这份样品，它不能再送检。请输入登记时的完整手机号码。", "Erase this sample's name, number, where you bought it and any vegetable name you typed, now instead of waiting. Afterwards its result cannot be looked up and we cannot tell it to you; erased before you hand it in, the sample is withdrawn and can no longer be handed in. Enter the whole mobile number you registered with.";
    SAMPLE_ERASED_TEXT = "姓名、手机号码、购买地点和您填写的蔬菜名称已删除，本设备也不再保存这份样品。", "Name, number, where you bought it and any vegetable name you typed are erased; this device no longer keeps the sample.";
    ERR_SAMPLE_PHONE = "这不是登记这份样品时的手机号码。", "This is not the number the sample was registered with.";
    ERR_STILL_TESTING = "样品已交给实验室：场次结束、复检完成之前，实验室可能还要复检或更正结果并通知您，之后才能删除您的信息。", "The lab has this sample: until the session is over and its re-tests are done it may re-test it or correct the result and tell you, so you can delete your details after that.";
    MY_SAMPLES = "我的样品", "My samples";
    SAMPLE_STATUS_REGISTERED = "已登记，待送样", "Registered, not handed in yet";
    SAMPLE_STATUS_RECEIVED = "已收样，待检测", "Received, waiting for the test";
    SAMPLE_STATUS_TESTING = "检测中，正在复检", "Testing: re-tests under way";
    SAMPLE_STATUS_READY = "结果已出", "Result ready";
    SAMPLE_STATUS_CANCELLED = "场次已取消，样品不再检测", "Session cancelled: this sample will not be tested";
    NEGATIVE = "阴性", "Negative";
    SUSPICIOUS = "可疑", "Suspicious";
    POSITIVE = "阳性", "Positive";
    NEGATIVE_PLAIN = "本次快检未发现农药残留超标。", "The quick test found no pesticide residue above the limit.";
    SUSPICIOUS_PLAIN = "结果处于临界范围，不能排除农药残留超标，已建议送实验室确认。", "The result is borderline: residue above the limit cannot be ruled out, so laboratory confirmation is advised.";
    POSITIVE_PLAIN = "快检显示农药残留可能超标，样品将送实验室用标准方法确认。", "The quick test suggests pesticide residue above the limit; the sample goes to a laboratory for confirmation by a standard method.";
    SCREENING_NOTICE = "快检是初步筛查，不是最终结论，只对本次检验的样品负责。阳性或可疑的样品将送实验室确认。", "A quick test is a screening, not a final verdict, and applies only to the sample tested. Positive and suspicious samples are sent to a laboratory for confirmation.";
    METHOD_ENZYME = "酶抑制法", "Enzyme inhibition";
    METHOD_GOLD = "胶体金试纸", "Colloidal-gold strip";
    INHIBITION = "抑制率", "Inhibition rate";
    PESTICIDE = "检测农药", "Pesticide";
    FIRST_TEST = "初检", "First test";
    RETEST = "复检", "Re-test";
    BOUGHT = "购买", "Bought";
    BOARD_TITLE = "快检结果公示", "Quick-test results board";
    BOARD_NOTE = "只公示数量，不含任何个人信息。", "Counts only, with no personal data.";
    BOARD_EMPTY = "还没有出结果的样品。", "No results yet.";
    BOARD_TESTED = "已出结果", "Results";
    CORRECTED = "已被更正", "Corrected";
    TOTAL = "合计", "Total";
    REGISTER_SAMPLES_FOR = "登记送检蔬菜 {session}", "Register vegetables {session}";
    SAMPLE_NUMBER = "样品 {n}", "Sample {n}";
    INHIBITION_READING = "抑制率 {value} %", "Inhibition rate {value} %";
    PESTICIDE_READING = "检测农药 {name}", "Pesticide {name}";
    BOUGHT_ON_AT = "购买 {date} · {place}", "Bought {date} · {place}";
    TESTED_ON = "检测时间 {at}", "Tested at {at}";
    TESTED_BY = "检测人 {name}", "Tester {name}";
    JUDGEMENT_IS = "判定：{judgement}", "Judgement: {judgement}";
    RETESTS_LEFT = "还需复检次数: {n}", "Re-tests still needed: {n}";
    STANDARD_OF = "依据{method}：{standard}", "Standard {method}: {standard}";
    BOARD_SUMMARY = "已登记 {registered} · 已收样 {received} · 已出结果 {tested}", "Registered {registered} · Received {received} · Results {tested}";
    ERR_SAMPLE_NOT_FOUND = "未找到：请检查样品码和手机号后 4 位。", "Not found: check the sample code and the last 4 digits of the phone number.";
}

/// The text for an API error code.
pub fn error_msg(code: ErrorCode) -> Msg {
    match code {
        // The app sends only the methods its routes take: a wrong one is a request it could
        // not have made, worded like one it could not read.
        ErrorCode::BadRequest | ErrorCode::MethodNotAllowed => ERR_BAD_REQUEST,
        ErrorCode::PayloadTooLarge => ERR_PAYLOAD_TOO_LARGE,
        ErrorCode::Invalid => ERR_INVALID,
        ErrorCode::NotFound => ERR_NOT_FOUND,
        ErrorCode::WindowClosed => ERR_WINDOW_CLOSED,
        ErrorCode::DuplicateBooking => ERR_DUPLICATE,
        ErrorCode::DailyLimit => ERR_DAILY_LIMIT,
        ErrorCode::PartyTooLarge => ERR_PARTY_TOO_LARGE,
        ErrorCode::CancelDeadlinePassed => ERR_CANCEL_DEADLINE,
        ErrorCode::AlreadyCancelled => ERR_ALREADY_CANCELLED,
        ErrorCode::StillBooked => ERR_STILL_BOOKED,
        ErrorCode::StillTesting => ERR_STILL_TESTING,
        ErrorCode::SessionCancelled => ERR_SESSION_CANCELLED,
        ErrorCode::NoShowBlocked => ERR_NO_SHOW,
        ErrorCode::IdempotencyMismatch => ERR_IDEMPOTENCY,
        ErrorCode::TooManyRequests => ERR_TOO_MANY,
        ErrorCode::SessionFull => ERR_SESSION_FULL,
        ErrorCode::OtherActivity => ERR_OTHER_ACTIVITY,
        ErrorCode::NotQuickTest => ERR_NOT_QUICK_TEST,
        ErrorCode::SampleLimit => ERR_SAMPLE_LIMIT,
        ErrorCode::Unavailable => ERR_UNAVAILABLE,
        ErrorCode::Internal => ERR_INTERNAL,
        ErrorCode::Network => ERR_NETWORK,
        // Only the console's requests meet these (sign-in, the door, accounts, the samples
        // bench): their words are the console's, so no citizen bundle carries them.
        ErrorCode::Unauthorized
        | ErrorCode::Forbidden
        | ErrorCode::WrongSession
        | ErrorCode::NotConfirmed
        | ErrorCode::AlreadyCheckedIn
        | ErrorCode::SessionNotOver
        | ErrorCode::SessionOver
        | ErrorCode::BeforeSessionDay
        | ErrorCode::UsernameTaken
        | ErrorCode::EditedMeanwhile
        | ErrorCode::CapacityBelowBooked
        | ErrorCode::NotReceived
        | ErrorCode::Withdrawn
        | ErrorCode::AccountDisabled
        | ErrorCode::PasswordChangeRequired
        | ErrorCode::OwnAccount => CONSOLE_ERRORS.with(Cell::get)(code),
    }
}

thread_local! {
    /// Words for the codes only the console meets: `staff::i18n::console_error_msg` once the
    /// console has mounted ([`word_console_errors`]); in a citizen bundle, which never meets
    /// them, the words for "something went wrong".
    static CONSOLE_ERRORS: Cell<fn(ErrorCode) -> Msg> = const { Cell::new(|_| ERR_INTERNAL) };
}

/// Lets [`error_msg`] word the console's own codes with `words` (the console, as it mounts).
pub fn word_console_errors(words: fn(ErrorCode) -> Msg) {
    CONSOLE_ERRORS.with(|w| w.set(words));
}

/// The text for an error of a sample lookup: "not found" names what to check.
pub fn sample_error_msg(code: ErrorCode) -> Msg {
    match code {
        ErrorCode::NotFound => ERR_SAMPLE_NOT_FOUND,
        other => error_msg(other),
    }
}

/// The text for an error of a page opened by its address (an activity, a session's forms):
/// "not found" is about the address, not about a code and a number.
pub fn page_error_msg(code: ErrorCode) -> Msg {
    match code {
        ErrorCode::NotFound => ERR_PAGE_NOT_FOUND,
        other => error_msg(other),
    }
}

/// The text for a per-field error code. Every code is listed: a new one does not compile
/// until it has words here (the staff console's own are in `staff/i18n.rs`).
pub fn field_msg(code: FieldCode) -> Msg {
    use FieldCode::*;
    match code {
        NameRequired => FIELD_NAME_REQUIRED,
        NameTooLong => FIELD_NAME_TOO_LONG,
        NameInvalid => FIELD_NAME_INVALID,
        PhoneInvalid => FIELD_PHONE_INVALID,
        AdultRequired => FIELD_ADULT_REQUIRED,
        PartyTooLarge => FIELD_PARTY_TOO_LARGE,
        ConsentRequired => FIELD_CONSENT_REQUIRED,
        CodeInvalid => FIELD_CODE_INVALID,
        VarietyRequired => FIELD_VARIETY_REQUIRED,
        BoughtAtRequired => FIELD_BOUGHT_AT_REQUIRED,
        DateInFuture => FIELD_DATE_IN_FUTURE,
        BoughtTooLongAgo => FIELD_BOUGHT_TOO_LONG_AGO,
        TextTooLong | SpanTooLong => FIELD_TOO_LONG,
        SamplesRequired => FIELD_SAMPLES_REQUIRED,
        TooManySamples => FIELD_TOO_MANY_SAMPLES,
        Last4Invalid => FIELD_LAST4_INVALID,
        PhoneCodeRequired => FIELD_PHONE_CODE_REQUIRED,
        PhoneCodeInvalid => FIELD_PHONE_CODE_INVALID,
        PhoneCodeWrong => FIELD_PHONE_CODE_WRONG,
        PhoneCodeExpired => FIELD_PHONE_CODE_EXPIRED,
        PhoneCodeTooSoon => FIELD_PHONE_CODE_TOO_SOON,
        PhoneCodeLimit => FIELD_PHONE_CODE_LIMIT,
        // Nothing more to say than "check this field" (the citizen forms never see the
        // console's codes; the console words them in `staff/i18n.rs`).
        Invalid
        | NotACount
        | PercentInvalid
        | PesticideRequired
        | StripRequired
        | CorrectionInvalid
        | RetestDiffers
        | ResultFinal
        | FellowOrganiser
        | TextInvalid
        | DateInvalid
        | TitleRequired
        | TitleTooLong
        | EndBeforeStart
        | PlaceRequired
        | JoinLinkRequired
        | JoinLinkInvalid
        | LinkInvalid
        | CapacityInvalid
        | LimitInvalid
        | LimitAboveCapacity
        | CapacityBelowBooked
        | WindowEmpty
        | ClosesAfterStart
        | DeadlineAfterStart
        | InPast
        | AlreadyOver
        | InFuture
        | OutletRequired
        | UsernameInvalid
        | PasswordTooShort
        | PasswordTooLong
        | PasswordWeak
        | OrganisationRequired
        | OrganisationUnexpected
        | OrganisationUnknown
        | KindNotAllowed
        | KindHasStaff
        | PasswordWrong
        | CaptionRequired
        | PhotoRequired
        | PhotoType
        | PhotoTooLarge
        | PhotoDamaged
        | PhotoTooLargeUpright
        | WeekdaysInvalid
        | NoSessions
        | TooManySessions
        | LengthInvalid
        | GapInvalid
        | ReservedAboveCapacity
        | PeopleRequired
        | ParentChanged
        | OutsideActivity
        | AlreadyScheduled
        | ActivityExists
        | OrganisationExists
        | SessionsOutside
        | HoldsSamples
        | HoldsBookings
        | PasswordUnchanged => FIELD_INVALID,
    }
}

/// The language signal shared by the whole app.
pub fn use_lang() -> RwSignal<Lang> {
    // Not `expect_context`: its message prints the type and place with `{:?}`, which links
    // the debug escaping of strings (and Unicode's printable tables) into every bundle.
    use_context::<RwSignal<Lang>>().expect("the app's shell provides the language")
}

/// Translates `msg` reactively: re-evaluates when the language changes.
pub fn t(msg: Msg) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    let lang = use_lang();
    move || msg.get(lang.get())
}

/// Current language, read once (tracked when called inside a reactive closure).
pub fn lang() -> Lang {
    use_lang().get()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_code_has_both_languages() {
        word_console_errors(crate::staff::i18n::console_error_msg);
        for &code in ErrorCode::ALL {
            let msg = error_msg(code);
            assert!(!msg.zh.is_empty() && !msg.en.is_empty(), "{code:?}");
            assert_ne!(msg.zh, msg.en);
        }
    }

    #[test]
    fn every_message_has_both_languages_with_the_same_placeholders() {
        let all = MESSAGES
            .iter()
            .chain(SAMPLE_MESSAGES)
            .chain(crate::staff::i18n::MESSAGES)
            .chain(crate::staff::i18n::MOVED_MESSAGES);
        for (name, msg) in all {
            assert!(!msg.zh.is_empty() && !msg.en.is_empty(), "{name}");
            assert_eq!(placeholders(msg.zh), placeholders(msg.en), "{name}");
        }
    }

    #[test]
    fn a_parameterised_message_takes_its_values_in_each_language_order() {
        let msg = Msg {
            zh: "{a} 与 {b}",
            en: "{b} after {a} {unknown} {",
        };
        assert_eq!(msg.fill(Lang::Zh, &[("a", &1), ("b", &"x")]), "1 与 x");
        assert_eq!(
            msg.fill(Lang::En, &[("a", &1), ("b", &"x")]),
            "x after 1 {unknown} {"
        );
        assert_eq!(
            PER_BOOKING_LIMIT.fill(Lang::En, &[("n", &5)]),
            "Per booking, up to 5 people"
        );
    }

    #[test]
    fn language_codes_round_trip() {
        assert_eq!(Lang::from_code("en-GB"), Lang::En);
        assert_eq!(Lang::from_code("zh-CN"), Lang::Zh);
        assert_eq!(Lang::from_code(Lang::En.code()), Lang::En);
    }
}
