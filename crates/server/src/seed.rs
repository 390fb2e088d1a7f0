//! Demo data: the activities of the 2022 Jiangxi Quality Month notice (see docs/domain.md),
//! placed relative to today so there is always something bookable in the next two weeks.
//! Loaded only into an empty database.

use crate::storage::{NewActivity, NewOrganisation, Storage, StorageError};
use chrono::{Duration, NaiveDate, NaiveTime};
use labday_domain::activity::{ActivityKind, Localised};
use labday_domain::schedule::SessionDraft;
use labday_domain::SessionFormat;

/// Text in Chinese and in English.
type Text = (&'static str, &'static str);

fn l((zh, en): Text) -> Localised {
    Localised::new(zh, en)
}

/// One demo organisation.
struct Organisation {
    name: Text,
    city: Text,
    address: Text,
    contact: &'static str,
}

/// One demo activity and its sessions; `span` is its first and last day, as offsets from
/// today.
struct Activity {
    organisation: usize,
    kind: ActivityKind,
    title: Text,
    description: Text,
    safety_notes: Text,
    span: (i64, i64),
    slots: &'static [Slots],
}

/// The days a session pattern runs on.
#[derive(Clone, Copy)]
enum Days {
    /// These days, as offsets from today.
    On(&'static [i64]),
    /// Every day of the activity.
    EveryDay,
}

/// One demo session pattern: which days, when, and how big.
struct Slots {
    format: SessionFormat,
    title: Text,
    place: Text,
    /// Its own address, when it is not held at its organiser's.
    held_at: Option<Text>,
    join_link: Option<&'static str>,
    days: Days,
    times: &'static [(u32, u32)],
    minutes: i64,
    capacity: u32,
    per_booking: u32,
}

const NANCHANG: Text = ("南昌", "Nanchang");
const INDUSTRIAL: usize = 0;
const FOOD: usize = 1;
const NCU: usize = 2;
const BUREAU: usize = 3;
const GANZHOU: usize = 4;

const ORGANISATIONS: [Organisation; 5] = [
    Organisation {
        name: ("江西省检验检测认证总院 工业产品检验检测院", "Jiangxi Institute of Inspection, Testing & Certification — Industrial Products"),
        city: NANCHANG,
        address: ("南昌市青山湖区（演示地址）电子信息产品检测中心", "Electronic Information Product Test Centre, Qingshanhu District, Nanchang (demo address)"),
        contact: "0791-0000 0001",
    },
    Organisation {
        name: (
            "江西省检验检测认证总院 食品检验检测研究院",
            "Jiangxi Institute of Inspection, Testing & Certification — Food Testing",
        ),
        city: NANCHANG,
        address: (
            "南昌市红谷滩区（演示地址）食品检验实验楼",
            "Food Testing Laboratory Building, Honggutan District, Nanchang (demo address)",
        ),
        contact: "0791-0000 0002",
    },
    Organisation {
        name: (
            "南昌大学 食品科学与技术国家重点实验室",
            "State Key Laboratory of Food Science and Technology, Nanchang University",
        ),
        city: NANCHANG,
        address: (
            "南昌市红谷滩区学府大道999号 南昌大学前湖校区",
            "Qianhu Campus, Nanchang University, 999 Xuefu Avenue, Nanchang",
        ),
        contact: "0791-0000 0003",
    },
    Organisation {
        name: (
            "江西省市场监督管理局 认证监督管理处",
            "Jiangxi Administration for Market Regulation — Certification Supervision",
        ),
        city: NANCHANG,
        address: ("南昌市（演示地址）", "Nanchang (demo address)"),
        contact: "0791-0000 0004",
    },
    Organisation {
        name: (
            "赣州市市场监督管理局",
            "Ganzhou Administration for Market Regulation",
        ),
        city: ("赣州", "Ganzhou"),
        address: (
            "赣州市章贡区（演示地址）",
            "Zhanggong District, Ganzhou (demo address)",
        ),
        contact: "0797-0000 0005",
    },
];

const LAB_SAFETY: Text = (
    "请按指定路线参观，勿触碰仪器设备；未经允许请勿拍照；全程由工作人员陪同，参观须登记。",
    "Follow the marked route and do not touch equipment; no photos without approval; staff accompany every group and every visit is logged.",
);
const NONE: Text = ("", "");
const DEMO_HALL: Text = (
    "电子信息产品检测中心 一楼演示厅",
    "Demo hall, ground floor, test centre",
);
const ONLINE: Text = ("线上直播", "Online");

/// A certification week of the bureau: consultations and visits at 10:00 every day.
const fn certification_week(title: Text, description: Text, span: (i64, i64)) -> Activity {
    Activity {
        organisation: BUREAU,
        kind: ActivityKind::CertificationWeek,
        title,
        description,
        safety_notes: NONE,
        span,
        slots: CERTIFICATION_DESK,
    }
}

const CERTIFICATION_DESK: &[Slots] = &[Slots {
    format: SessionFormat::Visit,
    title: ("咨询与参观", "Consultation and visit"),
    place: ("宣传咨询台（演示）", "Information desk (demo)"),
    held_at: Some((
        "南昌市红谷滩区 秋水广场（演示地址）",
        "Qiushui Square, Honggutan District, Nanchang (demo address)",
    )),
    join_link: None,
    days: Days::EveryDay,
    times: &[(10, 0)],
    minutes: 120,
    capacity: 50,
    per_booking: 5,
}];

const ACTIVITIES: [Activity; 7] = [
    Activity {
        organisation: INDUSTRIAL,
        kind: ActivityKind::LabOpenDay,
        title: ("检验检测机构开放日：电子信息产品检测中心", "Testing-lab open day: Electronic Information Product Test Centre"),
        description: (
            "走进“质量课堂”，专家现场答疑；观看虚拟现实（VR）、电磁兼容（EMC）和电气安全检测演示，了解家电和电子产品如何被检测。",
            "Join the \"quality classroom\" and ask the experts; watch virtual-reality (VR), electromagnetic-compatibility (EMC) and electrical-safety test demonstrations and see how appliances and electronics are tested.",
        ),
        safety_notes: LAB_SAFETY,
        span: (1, 12),
        slots: &[
            Slots {
                format: SessionFormat::Demo,
                title: ("电磁兼容（EMC）检测演示", "EMC testing demonstration"),
                place: ("电波暗室参观区", "Anechoic chamber viewing area"),
                held_at: None,
                join_link: None,
                days: Days::On(&[1, 2, 3, 6, 8, 10]),
                times: &[(9, 30)],
                minutes: 60,
                capacity: 30,
                per_booking: 5,
            },
            Slots {
                format: SessionFormat::Demo,
                title: (
                    "电气安全检测演示",
                    "Electrical-safety testing demonstration",
                ),
                place: DEMO_HALL,
                held_at: None,
                join_link: None,
                days: Days::On(&[1, 2, 3, 6, 8, 10]),
                times: &[(14, 30)],
                minutes: 60,
                capacity: 30,
                per_booking: 5,
            },
            Slots {
                format: SessionFormat::Demo,
                title: ("VR 虚拟现实检测体验", "VR testing experience"),
                place: DEMO_HALL,
                held_at: None,
                join_link: None,
                days: Days::On(&[2, 4, 9]),
                times: &[(10, 0), (15, 30)],
                minutes: 45,
                capacity: 12,
                per_booking: 3,
            },
        ],
    },
    Activity {
        organisation: FOOD,
        kind: ActivityKind::LabOpenDay,
        title: ("检验检测机构开放日：食品实验室参观与蔬菜农残快检", "Testing-lab open day: food lab tours and vegetable pesticide quick tests"),
        description: (
            "市民走进食品实验室，了解食品从抽样到出具报告的全过程；技术人员走进社区和农贸市场，现场快检居民购买的蔬菜农药残留。",
            "Tour the food laboratory and follow a sample from collection to report; technicians visit communities and farmers' markets and quick-test vegetables residents have bought for pesticide residues.",
        ),
        safety_notes: LAB_SAFETY,
        span: (1, 13),
        slots: &[
            Slots {
                format: SessionFormat::Visit,
                title: ("食品实验室参观", "Food laboratory tour"),
                place: (
                    "食品检验实验楼 大厅集合",
                    "Meet in the lobby of the food testing building",
                ),
                held_at: None,
                join_link: None,
                days: Days::On(&[1, 3, 5, 8, 11]),
                times: &[(9, 0), (14, 0)],
                minutes: 90,
                capacity: 25,
                per_booking: 5,
            },
            Slots {
                format: SessionFormat::QuickTest,
                title: ("社区蔬菜农残快检点", "Community vegetable quick-test point"),
                place: ("农贸市场 快检服务台（演示）", "Quick-test desk at the market (demo)"),
                held_at: Some((
                    "南昌市青山湖区 青山湖农贸市场（演示地址）",
                    "Qingshanhu farmers' market, Qingshanhu District, Nanchang (demo address)",
                )),
                join_link: None,
                days: Days::On(&[2, 4, 6, 9, 13]),
                times: &[(8, 30)],
                minutes: 180,
                capacity: 40,
                per_booking: 3,
            },
        ],
    },
    Activity {
        organisation: NCU,
        kind: ActivityKind::Training,
        title: ("国家重点实验室云课堂：禁用农兽药残留检测新方法", "State key lab cloud classroom: new methods for detecting banned pesticide and veterinary-drug residues"),
        description: (
            "南昌大学食品科学与技术国家重点实验室专家在线授课，介绍禁用农药、兽药残留检测的新方法与新技术。报名后可见直播链接。",
            "Experts of the State Key Laboratory of Food Science and Technology lecture online on new methods for detecting banned pesticide and veterinary-drug residues. The live link is shown once you have a seat.",
        ),
        safety_notes: ("线上课程，请提前 10 分钟进入直播间。", "Online lecture: please join 10 minutes early."),
        span: (2, 9),
        slots: &[Slots {
            format: SessionFormat::CloudClassroom,
            title: ("云课堂直播", "Live cloud classroom"),
            place: ONLINE,
            held_at: None,
            join_link: Some("https://live.example.cn/labday/ncu-food-safety"),
            days: Days::On(&[2, 5, 9]),
            times: &[(19, 0)],
            minutes: 90,
            capacity: 300,
            per_booking: 1,
        }],
    },
    Activity {
        organisation: BUREAU,
        kind: ActivityKind::CertificationWeek,
        title: ("服务认证体验周：走进江西金达莱环保股份有限公司", "Service-certification experience week: visit Jiangxi JDL Environmental Protection Co."),
        description: (
            "参观获得服务认证的环保服务企业，了解服务认证如何提升服务质量。",
            "Visit a service-certified environmental-services company and learn how service certification raises service quality.",
        ),
        safety_notes: ("请穿平底鞋，听从企业安全员指引。", "Wear flat shoes and follow the company's safety officer."),
        span: (3, 7),
        slots: &[Slots {
            format: SessionFormat::Visit,
            title: ("企业参观", "Company visit"),
            place: (
                "江西金达莱环保股份有限公司（南昌）",
                "Jiangxi JDL Environmental Protection Co., Nanchang",
            ),
            held_at: None,
            join_link: None,
            days: Days::On(&[3, 5, 7]),
            times: &[(9, 30)],
            minutes: 120,
            capacity: 30,
            per_booking: 4,
        }],
    },
    Activity {
        organisation: GANZHOU,
        kind: ActivityKind::Training,
        title: ("赣州市广告业质量提升培训", "Ganzhou advertising-industry quality training"),
        description: ("面向广告从业者的服务质量与合规培训，现场与线上同步进行。", "Service-quality and compliance training for the advertising trade, on site and online at once."),
        safety_notes: NONE,
        span: (4, 4),
        slots: &[
            Slots {
                format: SessionFormat::Visit,
                title: ("现场培训", "On-site training"),
                place: (
                    "赣州市市场监督管理局 三楼会议室",
                    "Meeting room, 3rd floor, Ganzhou bureau",
                ),
                held_at: None,
                join_link: None,
                days: Days::On(&[4]),
                times: &[(9, 0)],
                minutes: 180,
                capacity: 60,
                per_booking: 2,
            },
            Slots {
                format: SessionFormat::CloudClassroom,
                title: ("线上同步直播", "Live online"),
                place: ONLINE,
                held_at: None,
                join_link: Some("https://live.example.cn/labday/ganzhou-ad-training"),
                days: Days::On(&[4]),
                times: &[(9, 0)],
                minutes: 180,
                capacity: 500,
                per_booking: 1,
            },
        ],
    },
    certification_week(
        ("有机产品认证宣传周", "Organic-product certification week"),
        ("宣讲有机产品认证知识，提供现场咨询，组织走进有机产品生产基地。", "Talks and consultations on organic certification, and visits to certified organic producers."),
        (1, 5),
    ),
    certification_week(
        ("绿色产品认证与标识宣传周", "Green-product certification and labelling week"),
        ("普及绿色产品认证与标识，提供咨询，组织走进获证企业。", "Learn what green-product certification and its label mean; consultations and visits to certified companies."),
        (8, 12),
    ),
];

async fn add_slots(
    db: &dyn Storage,
    activity_id: i64,
    today: NaiveDate,
    span: (i64, i64),
    s: &Slots,
) -> Result<(), StorageError> {
    let days: Vec<i64> = match s.days {
        Days::On(days) => days.to_vec(),
        Days::EveryDay => (span.0..=span.1).collect(),
    };
    for day in days {
        for &(h, m) in s.times {
            let date = today + Duration::days(day);
            let starts_at = date.and_time(NaiveTime::from_hms_opt(h, m, 0).unwrap_or_default());
            db.add_session(
                activity_id,
                SessionDraft {
                    format: s.format,
                    title: l(s.title),
                    place: l(s.place),
                    address: s.held_at.map(l).unwrap_or_default(),
                    join_link: s.join_link.map(str::to_owned),
                    starts_at,
                    ends_at: starts_at + Duration::minutes(s.minutes),
                    capacity: s.capacity,
                    reserved_places: 0,
                    per_booking_limit: s.per_booking,
                    booking_opens_at: starts_at - Duration::days(14),
                    booking_closes_at: starts_at - Duration::hours(1),
                    cancel_deadline: starts_at - Duration::hours(2),
                },
            )
            .await?;
        }
    }
    Ok(())
}

/// Loads the demo activities. `today` is the venue-local date.
pub async fn load_demo_data(db: &dyn Storage, today: NaiveDate) -> Result<(), StorageError> {
    let mut organisation_ids = Vec::with_capacity(ORGANISATIONS.len());
    for o in &ORGANISATIONS {
        let id = db
            .add_organisation(NewOrganisation {
                name: l(o.name),
                city: l(o.city),
                address: l(o.address),
                contact: o.contact.into(),
                utc_offset_minutes: labday_domain::time::SHANGHAI_OFFSET_MINUTES,
            })
            .await?;
        organisation_ids.push(id);
    }
    for a in &ACTIVITIES {
        let activity_id = db
            .add_activity(NewActivity {
                organisation_id: organisation_ids[a.organisation],
                kind: a.kind,
                title: l(a.title),
                description: l(a.description),
                safety_notes: l(a.safety_notes),
                starts_on: today + Duration::days(a.span.0),
                ends_on: today + Duration::days(a.span.1),
            })
            .await?;
        for slots in a.slots {
            add_slots(db, activity_id, today, a.span, slots).await?;
        }
    }
    Ok(())
}
