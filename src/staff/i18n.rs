//! The console's own strings (scheduling, accounts, audit log, media and photos), kept apart
//! from `crate::i18n` so the citizen bundle's strings and these never collide in a merge.
//! Also: the label of every field the staff API reports errors against, and the staff-only
//! field error codes, so an error reads "地点：请填写地点" rather than a raw key.

use crate::i18n::{messages, Msg};
use labday_domain::organisation::OrgKind;
use labday_domain::staff::{AuditAction, Role};
use labday_domain::{ErrorCode, FieldCode};

messages! {
    MESSAGES;
    REFRESH = "刷新", "Refresh";
    NEW_ACTIVITY = "新建活动", "New activity";
    EDIT_ACTIVITY = "修改活动", "Edit activity";
    CREATE_ACTIVITY = "创建活动", "Create activity";
    CREATE_SESSION = "创建场次", "Create session";
    NEW_SESSION = "新增场次", "Add a session";
    EDIT_SESSION = "修改场次", "Edit session";
    EDIT = "修改", "Edit";
    SAVE = "保存", "Save";
    CLOSE_FORM = "收起", "Close";
    SAVED = "已保存", "Saved";
    NO_ACTIVITY_YET = "还没有活动：先新建一个活动。", "No activities yet: create one first.";
    NO_SESSIONS_YET = "这个活动还没有场次。", "This activity has no sessions yet.";
    SESSION_CANCELLED = "已取消", "Cancelled";
    SESSION_OVER = "已结束", "Over";
    CANCEL_SESSION = "取消场次", "Cancel session";
    CANCEL_CONFIRM = "确定取消这个场次吗？其上的预约都会被取消，预约人会收到通知，查询时也会看到场次已取消；快检场次尚未送样的样品不再接收检测，登记人也会收到通知。此操作不能撤销。", "Cancel this session? Every booking on it is cancelled: holders are told, and see it when they look it up. A quick test's samples not yet handed in will not be received or tested, and their holders are told too. This cannot be undone.";
    CANCEL_CONFIRM_YES = "确认取消场次", "Yes, cancel the session";
    CANCEL_CONFIRM_NO = "不取消", "Keep it";
    ORGANISATION = "主办单位", "Organisation";
    ACTIVITY_KIND = "活动类型", "Kind";
    ACTIVITY_TITLE = "活动名称", "Activity title";
    ACTIVITY_TITLE_EN = "英文名称（可选）", "English title (optional)";
    ACTIVITY_DESCRIPTION = "活动简介", "Description";
    ACTIVITY_SAFETY = "安全须知", "Safety notes";
    ACTIVITY_STARTS = "活动开始日期", "First day";
    ACTIVITY_ENDS = "活动结束日期", "Last day";
    ACTIVITY_CREATED = "活动已创建", "Activity created";
    SESSION_FORMAT = "场次形式", "Format";
    SESSION_NAME = "名称", "Title";
    SESSION_PLACE = "集合地点", "Meeting place";
    SESSION_ADDRESS = "举办地址（不在本单位时填写，如农贸市场快检点）", "Address, if not at the organiser's (a quick-test desk at a market)";
    SESSION_LINK = "线上链接（云课堂）", "Online link (cloud classroom)";
    SESSION_DATE = "日期", "Date";
    SESSION_STARTS = "开始时间", "Starts";
    SESSION_ENDS = "结束时间", "Ends";
    ENDS_NEXT_DAY = "结束时间不晚于开始时间：场次在次日这个时间结束。", "The end is not after the start: the session ends at that time the next day.";
    SESSION_CAPACITY = "名额", "Places";
    SESSION_LIMIT = "每单最多人数", "Most people per booking";
    SESSION_RESERVED = "预留现场名额", "Places kept for walk-ins";
    PLACES_BOTH = "线上余 {online} · 现场可约 {door}（预留 {reserved}，现场已约 {walk_ins}）", "Online left {online} · at the door {door} (kept {reserved}, walk-ins {walk_ins})";
    FIG_WALK_INS = "其中现场预约人数", "Of them walk-in people";
    FIG_MESSAGES = "短信 已发送 / 失败", "Text messages sent / failed";
    FIELD_RESERVED_ABOVE_CAPACITY = "预留名额不能超过总名额", "Cannot keep more places than the session has";
    ACTION_BOOK_WALK_IN = "现场预约", "Walk-in booked";
    ACTION_REGISTER_WALK_IN_SAMPLES = "现场登记样品", "Walk-in samples registered";
    ACTION_MOVE_BOOKING = "预约改期", "Booking moved to another session";
    MOVE_TITLE = "改期", "Move a visitor";
    MOVE_OPEN = "将预约改到本活动的其他场次", "Move a booking to another session of this activity";
    MOVE_HOLDER = "预约人", "Booking";
    MOVE_TO = "改到场次", "New session";
    MOVE_PLACES_LEFT = "剩余 {n}", "{n} left";
    MOVE_ACCEPT_WAITING = "新场次已满时进入候补", "Join the waiting list if the new session is full";
    MOVE_CONFIRM = "确认改期", "Move";
    MOVE_CLOSE = "收起", "Close";
    MOVE_NOTHING = "没有可改期的预约或其他场次。", "No booking to move, or no other session.";
    HOLDERS_MASKED = "姓名和号码只对举办本场次的单位的工作人员完整显示。", "Names and numbers are shown in full only to the staff of the organisation running this session.";
    MOVED_ANNOUNCE = "预约 {code} 已改到 {when}（{status}）。", "Booking {code} moved to {when} ({status}).";
    WALK_IN_TITLE = "现场预约（无智能手机）", "Walk-in (no smartphone)";
    WALK_IN_HINT = "姓名、手机可不填；登记后立即签到，先占用预留名额。", "Name and phone are optional; the walk-in is checked in at once and takes a reserved place first.";
    WALK_IN_NAME = "姓名（可选）", "Name (optional)";
    WALK_IN_PHONE = "手机号码（可选）", "Mobile number (optional)";
    WALK_IN_BOOK = "现场预约并签到", "Book walk-in and check in";
    WALK_IN_BOOKED_ANNOUNCE = "现场预约 {people} 人已签到（{code}）。现场还可约 {door} 人，线上余 {online} 人。", "Walk-in party of {people} checked in ({code}). Places left: {door} at the door, {online} online.";
    WALK_IN_MARK = "现场", "Walk-in";
    WALK_IN_EARLIER_LANDED = "网络中断前发出的那次登记已经成功，已在名单中；表单改过了，所以这次没有提交。如果这是另一位，请再点一次。", "What you sent before the connection broke was registered, and is on the list; the form has changed since, so this was not sent. If this is someone else, send it again.";
    WALK_IN_SAMPLE_TITLE = "现场登记样品（无智能手机）", "Register a walk-in's vegetable (no smartphone)";
    WALK_IN_SAMPLE_REGISTER = "登记并收样", "Register and receive";
    WALK_IN_SAMPLE_ANNOUNCE = "样品码 {code}（{variety}）：请写在袋子上。", "Sample code {code} ({variety}): write it on the bag.";
    SESSION_OPENS = "开始预约", "Booking opens";
    SESSION_CLOSES = "截止预约", "Booking closes";
    SESSION_CANCEL_BY = "取消截止", "Cancel by";
    NAV_ACCOUNTS = "账号", "Accounts";
    NAV_AUDIT = "操作记录", "Audit log";
    NAV_MEDIA = "媒体与照片", "Media and photos";
    ACCOUNTS_TITLE = "新建工作人员账号", "New staff account";
    ACCOUNTS_INTRO = "组织者可查看所有单位；实验室工作人员只能管理本单位的活动。", "Organisers see every organisation; lab staff manage only their own lab's activities.";
    DISPLAY_NAME = "显示名称", "Display name";
    NEW_PASSWORD = "初始密码（至少 10 位，对方首次登录时须改掉）", "Initial password (at least 10 characters; they replace it at first sign-in)";
    ROLE = "角色", "Role";
    ROLE_LAB_STAFF = "实验室工作人员", "Lab staff";
    ROLE_ORGANISER = "组织者", "Organiser";
    CREATE_ACCOUNT = "创建账号", "Create account";
    ORGANISERS_ONLY = "只有组织者可以使用此页面。", "Only organisers can use this page.";
    // Organisations, accounts run for a season, and passwords (issue 16).
    NAV_ORGANISATIONS = "单位", "Organisations";
    NAV_PASSWORD = "修改密码", "Change password";
    ORGS_TITLE = "单位", "Organisations";
    ORGS_INTRO = "您管辖的单位：省局 → 市局 → 县（区）局，实验室和检测机构可设在任一局下。", "The organisations you act for: province bureau → city bureaus → county bureaus, with labs and institutes under any bureau.";
    ORGS_EMPTY = "您的账号还不属于任何单位。", "Your account does not act for any organisation yet.";
    ORG_KIND = "单位类型", "Kind";
    ORG_PARENT = "上级单位", "Sits under";
    ORG_NAME_ZH = "单位名称（中文）", "Name (Chinese)";
    ORG_NAME_EN = "英文名称（可选）", "English name (optional)";
    ORG_CITY_ZH = "所在城市", "City (Chinese)";
    ORG_CITY_EN = "城市英文名（可选）", "City in English (optional)";
    ORG_COUNTY_ZH = "所在县（区）", "County or district (Chinese)";
    ORG_COUNTY_EN = "县（区）英文名（可选）", "County in English (optional)";
    ORG_ADDRESS_ZH = "地址", "Address (Chinese)";
    ORG_ADDRESS_EN = "英文地址（可选）", "Address in English (optional)";
    ORG_CONTACT = "联系电话或邮箱", "Contact phone or e-mail";
    ORG_OFFSET = "时区（与 UTC 相差的分钟数，北京时间为 480）", "Time zone (minutes east of UTC; China Standard Time is 480)";
    ORG_OFFSET_KEEPS_TIMES = "场次时间按当地时间保存：改时区后，已排场次的当地时间不变，预约截止、提醒和签到按新时区计。", "Session times are kept as local times: after a change of time zone, sessions keep their local times, and booking deadlines, reminders and check-in follow the new zone.";
    ORG_NAME_REQUIRED = "请填写单位名称", "Enter the organisation's name";
    ORG_NAME_TOO_LONG = "单位名称太长（最多 80 字）", "The name is too long (80 characters at most)";
    ORG_ADD_CHILD = "新建下级单位", "Add an organisation under it";
    ORG_CREATE = "创建单位", "Create organisation";
    KIND_PROVINCE_BUREAU = "省局", "Province bureau";
    KIND_CITY_BUREAU = "市局", "City bureau";
    KIND_COUNTY_BUREAU = "县（区）局", "County bureau";
    KIND_LAB = "实验室", "Lab";
    KIND_INSTITUTE = "检测机构", "Institute";
    ORG_ADD_UNDER_NAMED = "新建下级单位 · {name}", "Add an organisation under it · {name}";
    ORG_EDIT_NAMED = "修改 {name}", "Edit {name}";
    ORG_CREATED_NAMED = "已创建单位: {name}", "Organisation created: {name}";
    ORG_SAVED_NAMED = "已保存单位: {name}", "Organisation saved: {name}";
    ACCOUNTS_LIST = "账号", "Accounts";
    ACCOUNTS_LIST_INTRO = "您管辖范围内的全部账号。停用、重置密码或强制下线前都会请您确认。", "Every account within your reach. Disabling, resetting a password or signing out everywhere asks you to confirm first.";
    ACCOUNTS_EMPTY = "暂无账号。", "No accounts yet.";
    ACCOUNT_ACTIVE = "正常", "Active";
    ACCOUNT_DISABLED = "已停用", "Disabled";
    ACCOUNT_MUST_CHANGE = "待修改密码", "Must change password";
    ACCOUNT_EVERYWHERE = "全部单位", "Every organisation";
    DISABLE = "停用", "Disable";
    ENABLE = "启用", "Enable";
    RESET_PASSWORD = "重置密码", "Reset password";
    END_SESSIONS = "强制下线", "Sign out everywhere";
    CONFIRM_NO = "不要", "Keep as it is";
    DISABLE_YES = "确认停用", "Yes, disable it";
    ENABLE_YES = "确认启用", "Yes, enable it";
    RESET_YES = "确认重置密码", "Yes, reset the password";
    END_SESSIONS_YES = "确认强制下线", "Yes, sign it out everywhere";
    DISABLE_CONFIRM = "停用后该账号立即下线，且不能再登录，直到重新启用。", "Once disabled, the account is signed out at once and cannot sign in until it is enabled again.";
    ENABLE_CONFIRM = "启用后该账号可以再次登录。", "Once enabled, the account can sign in again.";
    RESET_CONFIRM = "为该账号设置一个临时密码（至少 10 位），请当面或电话告诉本人。该账号立即下线，下次登录须先改密码。", "Set a temporary password (at least 10 characters) and tell its holder in person or by phone. The account is signed out at once and must choose a new password at the next sign-in.";
    END_SESSIONS_CONFIRM = "该账号在所有设备上立即下线，须重新登录。", "The account is signed out on every device at once and must sign in again.";
    TEMPORARY_PASSWORD = "临时密码（至少 10 位）", "Temporary password (at least 10 characters)";
    ACTION_ON_NAMED = "{action} {username}", "{action} {username}";
    DISABLED_NAMED = "已停用账号: {username}", "Account disabled: {username}";
    ENABLED_NAMED = "已启用账号: {username}", "Account enabled: {username}";
    RESET_NAMED = "已重置密码: {username}，下次登录须修改密码", "Password reset: {username} must change it at the next sign-in";
    ENDED_NAMED = "已强制下线: {username} · 结束的登录数 {n}", "Signed out everywhere: {username} · sessions ended {n}";
    PASSWORD_TITLE = "修改密码", "Change your password";
    PASSWORD_FORCED = "您的密码是组织者设置或重置的。请先设置一个只有您知道的新密码，然后才能继续使用工作台。", "An organiser set or reset your password. Choose a new one only you know before you go on using the console.";
    CURRENT_PASSWORD = "当前密码", "Current password";
    CHOSEN_PASSWORD = "新密码（至少 10 位）", "New password (at least 10 characters)";
    CHANGE_PASSWORD = "修改密码", "Change password";
    PASSWORD_CHANGED = "密码已修改。其他设备上的登录已结束。", "Password changed. Your sign-ins on other devices have ended.";
    AUDIT_TITLE = "操作记录", "Audit log";
    AUDIT_INTRO = "您管辖范围内工作人员的每一次修改、登录和导出，最新的在前。", "Every change, sign-in and export by staff within your reach, newest first.";
    AUDIT_EMPTY = "暂无记录。", "Nothing recorded yet.";
    COL_TIME = "时间", "Time";
    COL_WHO = "账号", "Account";
    COL_ACTION = "操作", "Action";
    COL_SUBJECT = "对象", "Subject";
    MEDIA_TITLE = "媒体报道与活动照片", "Media coverage and photos";
    MEDIA_INTRO = "记录媒体报道和活动照片，它们会出现在可打印的活动总结中。", "Record press coverage and photos; they appear in the printable summary.";
    MEDIA_ADD = "添加媒体报道", "Add media coverage";
    MEDIA_LINK = "报道链接", "Link";
    MEDIA_OUTLET = "媒体名称", "Outlet";
    MEDIA_HEADLINE = "标题", "Headline";
    MEDIA_DATE = "发布日期", "Published on";
    MEDIA_SAVE = "保存报道", "Save coverage";
    MEDIA_NONE = "暂无媒体报道。", "No media coverage yet.";
    PHOTO_ADD = "上传活动照片", "Upload a photo";
    PHOTO_FILE = "照片（JPEG、PNG 或 WebP，最大 5 MB）", "Photo (JPEG, PNG or WebP, at most 5 MB)";
    PHOTO_CAPTION = "照片说明", "Caption";
    PHOTO_UPLOAD = "上传照片", "Upload photo";
    PHOTO_SAVED = "已上传照片", "Photo uploaded";
    PHOTO_NONE = "暂无活动照片。", "No photos yet.";
    MEDIA_CORRECT = "修改媒体报道", "Correct media coverage";
    MEDIA_UPDATED = "已修改报道", "Coverage corrected";
    PHOTO_CORRECT = "修改照片说明", "Correct a photo caption";
    PHOTO_UPDATED = "已修改照片说明", "Caption corrected";
    STOP_EDITING = "取消修改", "Stop editing";
    DELETE = "删除", "Delete";
    DELETED = "已删除", "Deleted";
    EDIT_NAMED = "修改：{what}", "Edit: {what}";
    DELETE_NAMED = "删除：{what}", "Delete: {what}";
    CONFIRM_DELETE_NAMED = "确定删除“{what}”吗？删除后无法恢复。", "Delete “{what}”? This cannot be undone.";
    REPORT_TITLE = "质量月逐级汇总", "Quality Month report, rolled up";
    REPORT_INTRO = "{year} 年内开始的活动。各局合计 = 本级 + 下级全部单位。", "Activities that began in {year}. Each bureau's total is its own plus everything under it.";
    REPORT_DOCX = "下载 Word 报告（.docx）", "Download the Word report (.docx)";
    REPORT_UNIT = "单位", "Unit";
    REPORT_OPEN_DAYS = "开放日", "Open days";
    REPORT_MEDIA_ITEMS = "媒体报道", "Media items";
    REPORT_PHOTOS = "照片", "Photos";
    REPORT_TOTAL = "合计", "Total";
    REPORT_WITHOUT_OPEN_DAY = "尚未举办开放日的单位", "Units without an open day";
    REPORT_ALL_HELD = "所有单位都已安排开放日。", "Every unit has an open day.";
    REPORT_DEADLINES = "报送时限", "Reporting deadlines";
    REPORT_COUNTY_TO_CITY = "县（区）局向市局报送总结", "County bureaus report to the city";
    REPORT_CITY_TO_PROVINCE = "市局向省局报送总结", "City bureaus report to the province";
    REPORT_DAYS_LEFT = "{date}，还有 {n} 天", "{date}, days left: {n}";
    REPORT_DUE_TODAY = "{date}，今日截止", "{date}, due today";
    REPORT_OVERDUE = "{date}，已逾期 {n} 天", "{date}, days overdue: {n}";
    REPORT_COMPLETE = "报送单位材料齐全。", "Every filing bureau is complete.";
    GAP_NO_OPEN_DAY = "尚无开放日", "no open day";
    GAP_NO_FIGURES = "尚无参与数据（签到、已开课的云课堂座位或检测样品）", "no participation figures (check-ins, seats of cloud classes held, or tested samples)";
    GAP_NO_PHOTOS = "尚无照片", "no photos";
    GAP_NO_MEDIA = "尚无媒体报道", "no media coverage";
    SUMMARY_MEDIA = "媒体报道", "Media coverage";
    SUMMARY_PHOTOS = "活动照片", "Photos";
    ACTION_SIGN_IN = "登录", "Signed in";
    ACTION_CREATE_STAFF = "创建账号", "Created an account";
    ACTION_CREATE_ACTIVITY = "新建活动", "Created an activity";
    ACTION_UPDATE_ACTIVITY = "修改活动", "Edited an activity";
    ACTION_CREATE_SESSIONS = "新增场次", "Added sessions";
    ACTION_UPDATE_SESSION = "修改场次", "Edited a session";
    ACTION_CANCEL_SESSION = "取消场次", "Cancelled a session";
    ACTION_CHECK_IN = "签到", "Checked a visitor in";
    ACTION_MARK_NO_SHOWS = "标记未到场", "Marked no-shows";
    ACTION_EXPORT_ROSTER = "导出名单", "Exported a roster";
    ACTION_EXPORT_SUMMARY = "导出统计表", "Exported the summary";
    ACTION_EXPORT_REPORT = "导出活动报告", "Exported the event report";
    ACTION_ADD_MEDIA = "添加媒体报道", "Added media coverage";
    ACTION_ADD_PHOTO = "上传照片", "Uploaded a photo";
    ACTION_UPDATE_MEDIA = "修改媒体报道", "Corrected media coverage";
    ACTION_DELETE_MEDIA = "删除媒体报道", "Deleted media coverage";
    ACTION_UPDATE_PHOTO = "修改照片说明", "Corrected a photo caption";
    ACTION_DELETE_PHOTO = "删除照片", "Deleted a photo";
    ACTION_RECEIVE_SAMPLE = "接收样品", "Received a sample";
    ACTION_RECORD_TEST = "录入检测结果", "Entered a test result";
    ACTION_CREATE_ORGANISATION = "新建单位", "Created an organisation";
    ACTION_UPDATE_ORGANISATION = "修改单位", "Edited an organisation";
    ACTION_DISABLE_STAFF = "停用账号", "Disabled an account";
    ACTION_ENABLE_STAFF = "启用账号", "Enabled an account";
    ACTION_RESET_PASSWORD = "重置密码", "Reset a password";
    ACTION_END_SESSIONS = "强制下线", "Signed an account out everywhere";
    ACTION_CHANGE_PASSWORD = "修改本人密码", "Changed own password";
    SIGNED_IN_AS_NAME = "当前用户 · {name}", "Signed in as · {name}";
    CHECKED_IN_ANNOUNCE = "已签到: {name} · {people} 人", "Checked in: {name} · party of {people}";
    CHECKING_IN_CODE = "正在签到 {code}…", "Checking in {code}…";
    OFFLINE_QUEUED_NAME = "离线签到: {name}（联网后同步）", "Checked in offline: {name} (syncs when back online)";
    OFFLINE_QUEUED_CODE = "离线记录 {code}: 本机名单中没有，联网后由服务器核对", "Recorded offline {code}: not in this phone's roster; the server checks it when back online";
    OFFLINE_PENDING_N = "待同步 {n}", "{n} waiting to sync";
    OFFLINE_NOTICE = "离线：签到保存在本机，联网后自动同步。", "Offline: check-ins are kept on this phone and sync when the network returns.";
    OFFLINE_SYNCED_N = "已同步 {n} 条离线签到", "Offline check-ins synced: {n}";
    OFFLINE_CONFLICTS = "同步后未能签到", "Not checked in after sync";
    OFFLINE_CONFLICTS_DISMISS = "知道了", "Dismiss";
    OFFLINE_UNKNOWN_CODE = "没有这个预约码。", "There is no booking with this code.";
    OFFLINE_BAD_TIME = "这台手机的日期或时间不对，服务器没有接受这条签到：请校正手机时间后重新签到。", "This phone's date or time is wrong, so the server did not take this check-in: set the phone's clock right and check the visitor in again.";
    MOVE_TARGET_CANCELLED = "要改到的场次已被主办方取消，预约没有改动。", "The session to move to was cancelled by the organiser; the booking did not change.";
    NO_SHOWS_MARKED_N = "已标记未到场: {n}", "No-shows marked: {n}";
    CHECK_IN_NAME = "签到 {name}", "Check in {name}";
    RECEIVED_ANNOUNCE = "已收样: {code} · {variety}", "Received: {code} · {variety}";
    RESULT_SAVED_ANNOUNCE = "已保存: {code} · {verdict}", "Saved: {code} · {verdict}";
    RECEIVE_CODE = "确认收样 {code}", "Mark received {code}";
    HOLDER_IS = "登记人 {holder}", "Holder {holder}";
    HOLDER_ERASED = "登记人信息已删除", "The holder's details are erased";
    WITHDRAWN = "登记人信息已删除，不能收样（登记人送样前撤回，或已过保存期）", "Its holder's details are erased, so it cannot be received (withdrawn before hand-in, or past retention)";
    RETESTS_STILL = "还需复检次数 {n}", "Re-tests still needed {n}";
    CORRECT_TEST_N = "更正 #{n}", "Correct #{n}";
    SERIES_CREATED_N = "已生成场次数: {n}", "Sessions created: {n}";
    SERIES_WILL_CREATE_N = "将生成场次数: {n}", "Sessions to create: {n}";
    SAVED_PROMOTED = "已保存 · 候补转为确认的人数: {n}", "Saved · People moved from the waiting list: {n}";
    SESSION_CREATED_AT = "场次已创建: {slot}", "Session created: {slot}";
    BOOKED_NOW_N = "目前已预约: {n} 人", "People booked now: {n}";
    SESSION_CANCELLED_N = "场次已取消，取消的预约数: {n}", "Session cancelled; bookings cancelled: {n}";
    BOOKED_COUNT = "已预约 {booked}/{capacity} 人", "Booked {booked}/{capacity} people";
    WAITING_COUNT = "候补 {n}", "Waiting {n}";
    OPEN_ROSTER_OF = "签到名单 {session}", "Roster {session}";
    OPEN_SAMPLES_OF = "收样与结果 {session}", "Samples and results {session}";
    EDIT_SESSION_NAMED = "修改 {session}", "Edit {session}";
    CANCEL_SESSION_NAMED = "取消场次 {session}", "Cancel session {session}";
    ACCOUNT_CREATED_NAMED = "已创建账号: {username}", "Account created: {username}";
    MEDIA_SAVED_NAMED = "已添加报道: {outlet}", "Coverage added: {outlet}";
    FIELD_WITH_ERROR = "{label}：{error}", "{label}: {error}";
    FIELD_SERIES_FROM = "开始日期", "From";
    FIELD_TITLE_REQUIRED = "请填写名称", "Enter a title";
    FIELD_TITLE_TOO_LONG = "名称太长（最多 80 字）", "The title is too long (80 characters at most)";
    FIELD_END_BEFORE_START = "结束不能早于开始", "The end cannot be before the start";
    FIELD_SPAN_TOO_LONG = "时间跨度太长", "This spans too long";
    FIELD_PLACE_REQUIRED = "请填写地点", "Say where";
    FIELD_JOIN_LINK_REQUIRED = "云课堂需要线上链接", "A cloud classroom needs an online link";
    FIELD_JOIN_LINK_INVALID = "请填写以 https:// 开头的会议链接", "Enter a meeting link starting with https://";
    FIELD_LINK_INVALID = "请填写以 https:// 或 http:// 开头的网址", "Enter a web address starting with https:// or http://";
    FIELD_DATE_INVALID = "请填写 2000 至 2999 年间的日期", "Enter a date in the years 2000 to 2999";
    FIELD_NOT_A_COUNT = "请填写 0 或更大的整数", "Enter a whole number, 0 or more";
    FIELD_CAPACITY_INVALID = "名额应为 1 至 100000", "Places must be from 1 to 100,000";
    FIELD_LIMIT_INVALID = "每单人数应为 1 至 20", "People per booking must be from 1 to 20";
    FIELD_LIMIT_ABOVE_CAPACITY = "每单人数不能多于名额", "People per booking cannot exceed the places";
    FIELD_WINDOW_EMPTY = "截止预约须晚于开始预约", "Booking must close after it opens";
    FIELD_CLOSES_AFTER_START = "截止预约不能晚于场次开始", "Booking cannot close after the session starts";
    FIELD_DEADLINE_AFTER_START = "取消截止不能晚于场次开始", "The cancellation deadline cannot be after the start";
    FIELD_ALREADY_OVER = "活动的最后一天已经过去", "The activity's last day is already over";
    FIELD_IN_PAST = "新场次的开始时间须在未来", "A new session must start in the future";
    FIELD_OUTLET_REQUIRED = "请填写媒体名称", "Enter the outlet";
    FIELD_IN_FUTURE = "日期不能晚于今天", "The date cannot be after today";
    FIELD_USERNAME_INVALID = "用户名为 3–32 位小写字母、数字或 . _ -", "3–32 lower-case letters, digits or . _ -";
    FIELD_PASSWORD_TOO_SHORT = "密码至少 10 位", "At least 10 characters";
    FIELD_PASSWORD_TOO_LONG = "密码最多 128 位", "At most 128 characters";
    FIELD_PASSWORD_WEAK = "密码太容易被猜到：不要用重复或连续的字符、常见密码，也不要包含用户名", "Too easy to guess: no repeated or consecutive characters, no common password, and not the username";
    FIELD_ORGANISATION_REQUIRED = "请选择所属单位", "Choose the organisation";
    FIELD_ORGANISATION_UNEXPECTED = "组织者账号不属于某个单位", "Organisers do not belong to one organisation";
    FIELD_ORGANISATION_UNKNOWN = "没有这个单位", "No such organisation";
    FIELD_CAPTION_REQUIRED = "请填写照片说明", "Enter a caption";
    FIELD_PHOTO_REQUIRED = "请选择照片", "Choose a photo";
    FIELD_PHOTO_TYPE = "只接受 JPEG、PNG 或 WebP 图片", "Only JPEG, PNG or WebP images";
    FIELD_PHOTO_TOO_LARGE = "照片不能超过 5 MB 或 5000 万像素", "The photo must be 5 MB and 50 megapixels at most";
    FIELD_PHOTO_DAMAGED = "照片文件不完整或已损坏，请重新选择原图", "The photo file is incomplete or damaged: choose the original again";
    FIELD_PHOTO_TOO_LARGE_UPRIGHT = "这张照片需转正后保存，转正后会超过 5 MB：请缩小照片（降低像素或画质）后再上传", "This photo must be turned upright to be kept, and would then be over 5 MB: make it smaller (fewer pixels or a lower quality) and upload it again";
    FIELD_WEEKDAYS_INVALID = "请至少选择一天", "Choose at least one day";
    FIELD_NO_SESSIONS = "这些条件生成不了任何场次", "These settings make no session";
    FIELD_TOO_MANY_SESSIONS = "一次最多生成 500 场", "At most 500 sessions at once";
    FIELD_LENGTH_INVALID = "时长应为 5 分钟到 24 小时", "Length must be from 5 minutes to 24 hours";
    FIELD_GAP_INVALID = "间隔不能超过一天", "The gap cannot exceed a day";
    FIELD_KIND_NOT_ALLOWED = "该类型的单位不能设在这里", "An organisation of this kind cannot sit here";
    FIELD_PARENT_CHANGED = "单位不能移到其他上级单位下", "An organisation cannot move under another one";
    FIELD_OUTSIDE_ACTIVITY = "不在活动的起止日期内", "Outside the activity's first and last days";
    FIELD_ACTIVITY_EXISTS = "本单位已有同名、同一天开始的活动（可能重复提交了）", "Your organisation already has an activity of this title starting that day (sent twice?)";
    FIELD_ORGANISATION_EXISTS = "上级单位下已有同名单位（可能重复提交了）", "The organisation above already has one of this name (sent twice?)";
    FIELD_ALREADY_SCHEDULED = "本活动已有同名、同地点、同一时间开始的场次（可能重复提交了）", "The activity already has a session of this name and place starting then (sent twice?)";
    FIELD_SESSIONS_OUTSIDE = "有场次在这些日期之外，请先调整或取消这些场次", "Some sessions fall outside these days: move or cancel them first";
    FIELD_HOLDS_SAMPLES = "本场次已有样品登记，须保持农残快检形式（样品只在本场次的快检点接收和检测）", "Samples are registered on this session: it stays a quick test (they are received and tested at its bench alone)";
    FIELD_HOLDS_BOOKINGS = "本活动已有预约或样品登记，不能改由其他单位主办：登记人的信息只交给了本单位", "This activity holds bookings or samples, so it stays with its organisation: their holders left their details with it";
    FIELD_KIND_HAS_STAFF = "该单位已有与此类型不符的账号（局设组织者，实验室和检测机构设实验室人员）", "This organisation has accounts that do not fit this kind (organisers belong to a bureau, lab staff to a lab or institute)";
    FIELD_PASSWORD_WRONG = "当前密码不正确", "The current password is not right";
    FIELD_PASSWORD_UNCHANGED = "新密码不能与当前密码相同，请另设一个", "The new password must not be the current one: choose another";
    FIELD_TEXT_INVALID = "含有不能使用的字符", "Contains characters that cannot be used";
}

// Moved from the citizen messages: sign-in, the door (roster, check-in, scanning), the
// summary figures, series generation and the samples bench.
messages! {
    MOVED_MESSAGES;
    STAFF_APP_NAME = "开放日工作台", "Open-day staff console";
    STAFF_SIGN_IN = "工作人员登录", "Staff sign-in";
    USERNAME = "用户名", "Username";
    PASSWORD = "密码", "Password";
    SIGN_IN = "登录", "Sign in";
    SIGN_OUT = "退出登录", "Sign out";
    SIGN_OUT_FAILED = "尚未退出：连不上服务器。联网后请再点“退出登录”。", "Not signed out: the server cannot be reached. Sign out again once online.";
    SIGN_IN_FAILED = "用户名或密码错误。", "Wrong username or password.";
    CHOOSE_ACTIVITY = "选择活动", "Choose an activity";
    COL_ACTIVITY = "活动", "Activity";
    CHOOSE_SESSION = "选择场次", "Choose a session";
    OPEN_ROSTER = "签到名单", "Roster";
    ROSTER_TITLE = "签到名单", "Roster and check-in";
    CHECK_IN_BY_CODE = "输入预约码签到", "Check in by booking code";
    CHECK_IN = "签到", "Check in";
    SCAN_QR = "扫码签到", "Scan QR code";
    SCAN_SAMPLE = "扫码收样", "Scan a sample's code";
    ERR_CODE_NOT_FOUND = "没有找到这个码：请核对后再试。", "No such code here: check it and try again.";
    SCAN_STOP = "停止扫码", "Stop scanning";
    SCAN_UNSUPPORTED = "此浏览器无法使用相机扫码，请在上方输入编码。", "This browser cannot use the camera to scan; type the code above.";
    SCAN_NEEDS_HTTPS = "相机扫码需要 https 安全连接，请在上方输入编码。", "Scanning with the camera needs a secure (https) connection; type the code above.";
    CAMERA_DENIED = "未获得相机权限：请在浏览器或手机设置中允许本网站使用相机，或在上方输入编码。", "Camera permission was refused: allow this site to use the camera in the browser or phone settings, or type the code above.";
    CAMERA_NONE = "没有找到可用的相机，请在上方输入编码。", "No camera was found; type the code above.";
    CAMERA_BUSY = "相机无法启动，可能正被其他应用使用：请关闭该应用后重试，或在上方输入编码。", "The camera would not start; another app may be using it. Close that app and try again, or type the code above.";
    CAMERA_FAILED = "相机无法启动，请重试或在上方输入编码。", "The camera would not start; try again or type the code above.";
    TORCH = "手电筒", "Torch";
    ROSTER_EMPTY = "本场暂无预约。", "No bookings for this session yet.";
    MARK_NO_SHOWS = "标记未到场", "Mark no-shows";
    NO_SHOWS_WAIT_SYNC = "本机还有离线签到待同步：同步后才能标记未到场。", "This phone still holds offline check-ins to sync: no-shows can be marked once they are sent.";
    NO_SHOWS_CONFIRM = "把本场已确认但没有签到的预约都标记为未到场吗？一个号码多次未到场后会暂停预约。", "Mark every confirmed booking of this session that did not check in as a no-show? A number with repeated no-shows is paused from booking.";
    NO_SHOWS_CONFIRM_YES = "确认标记", "Yes, mark them";
    NO_SHOWS_CONFIRM_NO = "不标记", "Not now";
    EXPORT_CSV = "导出 CSV", "Export CSV";
    COL_NAME = "姓名", "Name";
    COL_PHONE = "手机", "Phone";
    COL_PARTY = "人数", "Party";
    COL_ARRIVED = "已到", "Arrived";
    COL_STATUS = "状态", "Status";
    COL_MESSAGE = "短信", "Text message";
    MESSAGE_SENT = "已发送", "Sent";
    MESSAGE_PENDING = "待发送", "Not sent yet";
    MESSAGE_FAILED = "发送失败", "Failed";
    MESSAGE_NONE = "无", "None";
    NAV_SUMMARY = "活动总结", "Summary";
    SUMMARY_TITLE = "活动总结数据", "Figures for the event summary";
    SUMMARY_OVERALL = "总体", "Overall";
    SUMMARY_BY_ORG = "按单位", "By organisation";
    SUMMARY_BY_ACTIVITY = "按活动", "By activity";
    SUMMARY_PER_DAY = "每日新增预约（含候补和之后取消的）", "Bookings made per day (waiting and later cancelled ones included)";
    SUMMARY_NONE = "暂无预约数据。", "No bookings yet.";
    FIG_SESSIONS = "场次", "Sessions";
    FIG_PLACES = "提供名额", "Places offered";
    FIG_BOOKED = "预约人数", "People booked";
    FIG_CHECKED_IN = "到场人数", "People checked in";
    FIG_NO_SHOW_RATE = "未到场率", "No-show rate";
    FIG_WAITLISTED = "候补人数", "People waitlisted";
    FIG_CLOUD = "其中云课堂座位", "Of them cloud-classroom seats";
    FIG_BOOKINGS = "预约单数", "Bookings";
    FIG_SAMPLES = "快检样品（已出结果）", "Quick-test samples (with result)";
    FIG_SAMPLE_JUDGEMENTS = "阴性 / 可疑 / 阳性", "Negative / suspicious / positive";
    PRINT = "打印", "Print";
    SERIES_TITLE = "批量生成场次", "Generate sessions";
    SERIES_FROM = "开始日期", "From";
    SERIES_TO = "结束日期", "To";
    SERIES_WEEKDAYS = "每周", "Days of the week";
    SERIES_DAY_STARTS = "每日开始", "Daily start";
    SERIES_DAY_ENDS = "每日结束（00:00 即当晚午夜）", "Daily end (00:00 is midnight)";
    SERIES_LENGTH = "每场时长（分钟）", "Length (minutes)";
    SERIES_GAP = "间隔（分钟）", "Gap (minutes)";
    SERIES_CAPACITY = "每场名额", "Places per session";
    SERIES_PER_BOOKING = "每单上限", "Per-booking limit";
    SERIES_SESSION_TITLE = "场次名称", "Session title";
    SERIES_PREVIEW = "预览", "Preview";
    SERIES_CREATE = "确认生成", "Create them";
    WEEKDAYS = "周一 周二 周三 周四 周五 周六 周日", "Mon Tue Wed Thu Fri Sat Sun";
    DAY = "日期", "Day";
    METHOD = "检测方法", "Method";
    STRIP_READING = "试纸结果", "Strip reading";
    STAFF_SAMPLES = "样品收检", "Samples";
    OPEN_SAMPLES = "收样与结果", "Samples and results";
    SAMPLE_QUEUE = "待检样品", "Samples to test";
    SAMPLES_DONE = "已出结果", "Results done";
    SAMPLES_WAITING = "未送样", "Not handed in";
    SAMPLE_SESSION_CANCELLED = "场次已取消：不再收样，不作检测", "Session cancelled: not to be received or tested";
    QUEUE_EMPTY = "没有待检测的样品。", "Nothing waiting for a test.";
    RECEIVE = "确认收样", "Mark received";
    FIND_OR_RECEIVE = "扫码或输入样品码收样", "Scan or type a sample code to receive it";
    SAVE_RESULT = "保存结果", "Save result";
    CORRECTING = "更正这次检测", "Correcting this test";
    FALSE_POSITIVE_RISK = "易假阳性品种", "Prone to false positives";
    // The test results' field errors (the samples bench).
    FIELD_PERCENT_INVALID = "请输入 0–100 之间的抑制率", "Enter an inhibition rate from 0 to 100";
    FIELD_PEOPLE_REQUIRED = "签到人数至少为 1", "At least 1 person must be checked in";
    FIELD_PESTICIDE_REQUIRED = "请填写试纸检测的农药", "Name the pesticide the strip tests for";
    FIELD_STRIP_REQUIRED = "请选择试纸结果", "Choose what the strip shows";
    SAMPLE_CHANGED_MEANWHILE = "样品 {code} 刚由另一处录入了检测，未保存你的录入：下面是它现在的结果，请核对后再录入。", "Sample {code} was just tested at another desk, so your entry was not saved: it is shown as it is now; check it before entering again.";
    FIELD_FELLOW_ORGANISER = "本单位的其他组织者账号须由上级单位创建和管理", "Another organiser of your own bureau is created, and managed, by the bureau above";
    FIELD_RETEST_DIFFERS = "复检须与初检方法相同（胶体金试纸须检同一种农药）", "A re-test uses the first test's method (a strip, the same pesticide)";
    FIELD_RESULT_FINAL = "结果已确定：如某次检测录错，请更正该次检测", "The result is final: if a test was entered wrongly, correct that test";
    FIELD_CORRECTION_INVALID = "这次检测已被更正，请刷新后重试", "That test was already corrected; reload and try again";
    // The API's error codes only the console meets (see `console_error_msg`).
    ERR_UNAUTHORIZED = "请先登录。", "Please sign in.";
    ERR_FORBIDDEN = "无权操作其他单位的数据。", "This belongs to another organisation.";
    ERR_WRONG_SESSION = "这个码不是本场次的。", "This code is not for this session.";
    ERR_NOT_CONFIRMED = "该预约仍在候补中，尚未确认。", "This booking is still on the waiting list.";
    ERR_ALREADY_CHECKED_IN = "该预约已全部签到。", "Everyone in this booking has already checked in.";
    ERR_SESSION_NOT_OVER = "场次结束后才能标记未到场。", "No-shows can be marked only after the session ends.";
    ERR_SESSION_OVER = "场次已开始或已结束：时间不能再改（结束后也不能取消），也不能改到已经开始的时间。", "The session has begun or is over: its times cannot change (once over it cannot be cancelled either), nor can it move to a start already past.";
    ERR_BEFORE_SESSION_DAY = "还没到本场次的日期：签到、现场预约和收样都从场次当天开始。", "Not the session's day yet: check-in, walk-ins and sample receipt open on the session's day.";
    ERR_USERNAME_TAKEN = "该用户名已被使用。", "That username is taken.";
    ERR_EDITED_MEANWHILE = "你编辑期间，其他人保存了修改，你的修改没有保存。表单中仍是你填写的内容：请先记下要改的地方，再点“收起”、重新点“修改”，在现在保存的内容上再改。", "Someone else saved a change while you were editing, so your changes were not saved. The form still holds what you typed: note what you meant to change, then choose Close and Edit again, and redo it on what is saved now.";
    ERR_CAPACITY_BELOW_BOOKED = "名额不能少于已预约人数与仍空着的预留名额。", "Capacity cannot go below the people already booked and the reserved places still free.";
    ERR_NOT_RECEIVED = "样品尚未收样，请先确认收样再录入结果。", "The sample has not been received yet; mark it received before entering a result.";
    ERR_ACCOUNT_DISABLED = "该账号已停用，请联系组织方。", "This account is disabled; ask an organiser.";
    ERR_PASSWORD_CHANGE_REQUIRED = "密码已被重置，请先设置新密码。", "Your password was reset; choose a new one first.";
    ACCOUNT_FROM_ABOVE = "同级组织方账号由上级单位管理。", "A fellow organiser of your bureau is managed by the bureau above it.";
    ERR_OWN_ACCOUNT = "不能停用自己的账号，也不能在这里重设自己的密码：请用“修改密码”。", "You cannot disable your own account or reset its password here: use Change password.";
    CODE_ELSEWHERE = "它是本单位另一场次的：{session}。", "It is for another session of yours: {session}.";
    ELSEWHERE_GO = "请引导持码人前往该场次。", "Send its holder there.";
    ELSEWHERE_CANCELLED = "该场次已被取消。", "That session was cancelled.";
    ELSEWHERE_OVER = "该场次已结束。", "That session is over.";
    ERR_DESK_SESSION_CANCELLED = "该场次已被主办方取消：不再签到、收样或接待现场预约（取消前已收的样品照常检测）。", "The organiser cancelled this session: no more check-ins, sample receipts or walk-ins (samples received before it are still tested).";
    ERR_WITHDRAWN = "这份样品的登记人信息在送样前已删除（已撤回），不能收样：请作为现场登记重新登记。", "This sample's holder details were erased before it was handed in (withdrawn): it cannot be received; register it again as a walk-in.";
}

/// The words for an API error code only the console's requests meet (sign-in, the door,
/// accounts, the samples bench); `crate::i18n::error_msg` asks here once the console has
/// mounted, so these strings weigh on no citizen bundle. Any other code: "something went
/// wrong" (the citizen's words cover it).
pub fn console_error_msg(code: ErrorCode) -> Msg {
    match code {
        ErrorCode::Unauthorized => ERR_UNAUTHORIZED,
        ErrorCode::Forbidden => ERR_FORBIDDEN,
        ErrorCode::WrongSession => ERR_WRONG_SESSION,
        ErrorCode::NotConfirmed => ERR_NOT_CONFIRMED,
        ErrorCode::AlreadyCheckedIn => ERR_ALREADY_CHECKED_IN,
        ErrorCode::SessionNotOver => ERR_SESSION_NOT_OVER,
        ErrorCode::SessionOver => ERR_SESSION_OVER,
        ErrorCode::BeforeSessionDay => ERR_BEFORE_SESSION_DAY,
        ErrorCode::UsernameTaken => ERR_USERNAME_TAKEN,
        ErrorCode::EditedMeanwhile => ERR_EDITED_MEANWHILE,
        ErrorCode::CapacityBelowBooked => ERR_CAPACITY_BELOW_BOOKED,
        ErrorCode::NotReceived => ERR_NOT_RECEIVED,
        ErrorCode::Withdrawn => ERR_WITHDRAWN,
        ErrorCode::AccountDisabled => ERR_ACCOUNT_DISABLED,
        ErrorCode::PasswordChangeRequired => ERR_PASSWORD_CHANGE_REQUIRED,
        ErrorCode::OwnAccount => ERR_OWN_ACCOUNT,
        _ => crate::i18n::ERR_INTERNAL,
    }
}

/// The label of a field the staff API names in an error, for errors shown away from it.
pub fn field_label(field: &str) -> Option<Msg> {
    use crate::i18n as c;
    Some(match field {
        "title" => SESSION_NAME,
        "place" => c::WHERE,
        "join_link" => SESSION_LINK,
        "starts_at" => SESSION_STARTS,
        "ends_at" => SESSION_ENDS,
        "capacity" => SESSION_CAPACITY,
        "per_booking_limit" => SESSION_LIMIT,
        "reserved_places" => SESSION_RESERVED,
        "booking_opens_at" => SESSION_OPENS,
        "booking_closes_at" => SESSION_CLOSES,
        "cancel_deadline" => SESSION_CANCEL_BY,
        "organisation_id" => ORGANISATION,
        "description" => ACTIVITY_DESCRIPTION,
        "safety_notes" => ACTIVITY_SAFETY,
        "starts_on" => ACTIVITY_STARTS,
        "ends_on" => ACTIVITY_ENDS,
        "from" => FIELD_SERIES_FROM,
        "to" => SERIES_TO,
        "weekdays" => SERIES_WEEKDAYS,
        "day_starts" => SERIES_DAY_STARTS,
        "day_ends" => SERIES_DAY_ENDS,
        "length_minutes" => SERIES_LENGTH,
        "gap_minutes" => SERIES_GAP,
        "username" => USERNAME,
        "kind" => ORG_KIND,
        "parent_id" => ORG_PARENT,
        "current" => CURRENT_PASSWORD,
        "password" => NEW_PASSWORD,
        "display_name" => DISPLAY_NAME,
        "link" => MEDIA_LINK,
        "outlet" => MEDIA_OUTLET,
        "headline" => MEDIA_HEADLINE,
        "published_on" => MEDIA_DATE,
        "caption" => PHOTO_CAPTION,
        "photo" => PHOTO_FILE,
        _ => return None,
    })
}

/// The text of a field error code in the console. Every code is listed: a new one does not
/// compile until it has words here.
pub fn field_error(code: FieldCode) -> Msg {
    use FieldCode::*;
    match code {
        TitleRequired => FIELD_TITLE_REQUIRED,
        TitleTooLong => FIELD_TITLE_TOO_LONG,
        TextTooLong => crate::i18n::FIELD_TOO_LONG,
        EndBeforeStart => FIELD_END_BEFORE_START,
        SpanTooLong => FIELD_SPAN_TOO_LONG,
        PlaceRequired => FIELD_PLACE_REQUIRED,
        JoinLinkRequired => FIELD_JOIN_LINK_REQUIRED,
        JoinLinkInvalid => FIELD_JOIN_LINK_INVALID,
        LinkInvalid => FIELD_LINK_INVALID,
        NotACount => FIELD_NOT_A_COUNT,
        CapacityInvalid => FIELD_CAPACITY_INVALID,
        LimitInvalid => FIELD_LIMIT_INVALID,
        LimitAboveCapacity => FIELD_LIMIT_ABOVE_CAPACITY,
        WindowEmpty => FIELD_WINDOW_EMPTY,
        ClosesAfterStart => FIELD_CLOSES_AFTER_START,
        DeadlineAfterStart => FIELD_DEADLINE_AFTER_START,
        InPast => FIELD_IN_PAST,
        AlreadyOver => FIELD_ALREADY_OVER,
        OutletRequired => FIELD_OUTLET_REQUIRED,
        InFuture => FIELD_IN_FUTURE,
        UsernameInvalid => FIELD_USERNAME_INVALID,
        PasswordTooShort => FIELD_PASSWORD_TOO_SHORT,
        PasswordTooLong => FIELD_PASSWORD_TOO_LONG,
        PasswordWeak => FIELD_PASSWORD_WEAK,
        OrganisationRequired => FIELD_ORGANISATION_REQUIRED,
        OrganisationUnexpected => FIELD_ORGANISATION_UNEXPECTED,
        OrganisationUnknown => FIELD_ORGANISATION_UNKNOWN,
        CaptionRequired => FIELD_CAPTION_REQUIRED,
        PhotoRequired => FIELD_PHOTO_REQUIRED,
        PhotoType => FIELD_PHOTO_TYPE,
        PhotoTooLarge => FIELD_PHOTO_TOO_LARGE,
        PhotoDamaged => FIELD_PHOTO_DAMAGED,
        PhotoTooLargeUpright => FIELD_PHOTO_TOO_LARGE_UPRIGHT,
        WeekdaysInvalid => FIELD_WEEKDAYS_INVALID,
        NoSessions => FIELD_NO_SESSIONS,
        TooManySessions => FIELD_TOO_MANY_SESSIONS,
        LengthInvalid => FIELD_LENGTH_INVALID,
        GapInvalid => FIELD_GAP_INVALID,
        KindNotAllowed => FIELD_KIND_NOT_ALLOWED,
        KindHasStaff => FIELD_KIND_HAS_STAFF,
        ParentChanged => FIELD_PARENT_CHANGED,
        OutsideActivity => FIELD_OUTSIDE_ACTIVITY,
        AlreadyScheduled => FIELD_ALREADY_SCHEDULED,
        ActivityExists => FIELD_ACTIVITY_EXISTS,
        OrganisationExists => FIELD_ORGANISATION_EXISTS,
        SessionsOutside => FIELD_SESSIONS_OUTSIDE,
        HoldsSamples => FIELD_HOLDS_SAMPLES,
        HoldsBookings => FIELD_HOLDS_BOOKINGS,
        PasswordWrong => FIELD_PASSWORD_WRONG,
        PasswordUnchanged => FIELD_PASSWORD_UNCHANGED,
        TextInvalid => FIELD_TEXT_INVALID,
        ReservedAboveCapacity => FIELD_RESERVED_ABOVE_CAPACITY,
        CapacityBelowBooked => ERR_CAPACITY_BELOW_BOOKED,
        PercentInvalid => FIELD_PERCENT_INVALID,
        PesticideRequired => FIELD_PESTICIDE_REQUIRED,
        StripRequired => FIELD_STRIP_REQUIRED,
        CorrectionInvalid => FIELD_CORRECTION_INVALID,
        RetestDiffers => FIELD_RETEST_DIFFERS,
        ResultFinal => FIELD_RESULT_FINAL,
        FellowOrganiser => FIELD_FELLOW_ORGANISER,
        PeopleRequired => FIELD_PEOPLE_REQUIRED,
        // The citizen's words serve the console too (the sample desk, a holder's name).
        DateInvalid => FIELD_DATE_INVALID,
        Invalid | NameRequired | NameTooLong | NameInvalid | PhoneInvalid | AdultRequired
        | PartyTooLarge | ConsentRequired | CodeInvalid | VarietyRequired | BoughtAtRequired
        | DateInFuture | BoughtTooLongAgo | SamplesRequired | TooManySamples | Last4Invalid
        | PhoneCodeRequired | PhoneCodeInvalid | PhoneCodeWrong | PhoneCodeExpired
        | PhoneCodeTooSoon | PhoneCodeLimit => crate::i18n::field_msg(code),
    }
}

/// The audit log's action names, in words. Every action is listed: a new one does not
/// compile until it has words here.
pub fn action_label(action: AuditAction) -> Msg {
    match action {
        AuditAction::SignIn => ACTION_SIGN_IN,
        AuditAction::CreateStaff => ACTION_CREATE_STAFF,
        AuditAction::CreateActivity => ACTION_CREATE_ACTIVITY,
        AuditAction::UpdateActivity => ACTION_UPDATE_ACTIVITY,
        AuditAction::CreateSessions => ACTION_CREATE_SESSIONS,
        AuditAction::UpdateSession => ACTION_UPDATE_SESSION,
        AuditAction::CancelSession => ACTION_CANCEL_SESSION,
        AuditAction::CheckIn => ACTION_CHECK_IN,
        AuditAction::MarkNoShows => ACTION_MARK_NO_SHOWS,
        AuditAction::ExportRoster => ACTION_EXPORT_ROSTER,
        AuditAction::ExportSummary => ACTION_EXPORT_SUMMARY,
        AuditAction::ExportReport => ACTION_EXPORT_REPORT,
        AuditAction::AddMedia => ACTION_ADD_MEDIA,
        AuditAction::AddPhoto => ACTION_ADD_PHOTO,
        AuditAction::UpdateMedia => ACTION_UPDATE_MEDIA,
        AuditAction::DeleteMedia => ACTION_DELETE_MEDIA,
        AuditAction::UpdatePhoto => ACTION_UPDATE_PHOTO,
        AuditAction::DeletePhoto => ACTION_DELETE_PHOTO,
        AuditAction::ReceiveSample => ACTION_RECEIVE_SAMPLE,
        AuditAction::RecordTest => ACTION_RECORD_TEST,
        AuditAction::CreateOrganisation => ACTION_CREATE_ORGANISATION,
        AuditAction::UpdateOrganisation => ACTION_UPDATE_ORGANISATION,
        AuditAction::DisableStaff => ACTION_DISABLE_STAFF,
        AuditAction::EnableStaff => ACTION_ENABLE_STAFF,
        AuditAction::ResetPassword => ACTION_RESET_PASSWORD,
        AuditAction::EndSessions => ACTION_END_SESSIONS,
        AuditAction::ChangePassword => ACTION_CHANGE_PASSWORD,
        AuditAction::BookWalkIn => ACTION_BOOK_WALK_IN,
        AuditAction::RegisterWalkInSamples => ACTION_REGISTER_WALK_IN_SAMPLES,
        AuditAction::MoveBooking => ACTION_MOVE_BOOKING,
    }
}

/// What an organisation is, in words.
pub fn kind_label(kind: OrgKind) -> Msg {
    match kind {
        OrgKind::ProvinceBureau => KIND_PROVINCE_BUREAU,
        OrgKind::CityBureau => KIND_CITY_BUREAU,
        OrgKind::CountyBureau => KIND_COUNTY_BUREAU,
        OrgKind::Lab => KIND_LAB,
        OrgKind::Institute => KIND_INSTITUTE,
    }
}

/// A staff role, in words.
pub fn role_label(role: Role) -> Msg {
    match role {
        Role::Organiser => ROLE_ORGANISER,
        Role::LabStaff => ROLE_LAB_STAFF,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_audit_action_reads_as_words_in_both_languages() {
        for &action in AuditAction::ALL {
            let m = action_label(action);
            assert!(
                !m.zh.is_empty() && !m.en.is_empty() && m.zh != m.en,
                "{action}"
            );
        }
    }

    #[test]
    fn every_staff_field_code_reads_as_words_in_both_languages() {
        for code in [
            FieldCode::TitleRequired,
            FieldCode::PlaceRequired,
            FieldCode::JoinLinkRequired,
            FieldCode::JoinLinkInvalid,
            FieldCode::NotACount,
            FieldCode::DateInvalid,
            FieldCode::CapacityInvalid,
            FieldCode::LimitAboveCapacity,
            FieldCode::WindowEmpty,
            FieldCode::ClosesAfterStart,
            FieldCode::DeadlineAfterStart,
            FieldCode::InPast,
            FieldCode::AlreadyOver,
            FieldCode::LinkInvalid,
            FieldCode::OutletRequired,
            FieldCode::UsernameInvalid,
            FieldCode::PasswordTooShort,
            FieldCode::PasswordWeak,
            FieldCode::OrganisationRequired,
            FieldCode::CaptionRequired,
            FieldCode::PhotoType,
            FieldCode::PhotoTooLarge,
            FieldCode::PhotoDamaged,
            FieldCode::PhotoTooLargeUpright,
            FieldCode::NoSessions,
            FieldCode::PercentInvalid,
            FieldCode::PesticideRequired,
            FieldCode::StripRequired,
            FieldCode::CorrectionInvalid,
            FieldCode::RetestDiffers,
            FieldCode::ResultFinal,
            FieldCode::FellowOrganiser,
            FieldCode::KindNotAllowed,
            FieldCode::KindHasStaff,
            FieldCode::OutsideActivity,
            FieldCode::AlreadyScheduled,
            FieldCode::ActivityExists,
            FieldCode::OrganisationExists,
            FieldCode::SessionsOutside,
            FieldCode::HoldsSamples,
            FieldCode::HoldsBookings,
            FieldCode::PasswordWrong,
            FieldCode::PasswordUnchanged,
        ] {
            let m = field_error(code);
            assert_ne!(
                m.zh,
                crate::i18n::FIELD_INVALID.zh,
                "{code} has its own text"
            );
            assert!(!m.en.is_empty() && m.zh != m.en, "{code}");
        }
        for field in [
            "place", "capacity", "caption", "photo", "username", "from", "weekdays",
        ] {
            assert!(field_label(field).is_some(), "{field} has a label");
        }
    }
}
