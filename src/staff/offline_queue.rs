//! The check-in desk without network. While a session's desk is open its roster is kept on
//! the device (localStorage, one entry per signed-in staff member and session; the roster
//! goes when the desk closes or at sign-out, check-ins not yet sent stay until sent); a code checked in while offline is checked against that copy and queued with
//! its time; the queue is sent when the network returns (the `online` event, and a retry
//! every 15 seconds) as offline check-ins, which the server counts once however often they
//! arrive and from however many phones. What the server refused meanwhile (a booking
//! cancelled, a code for another session, an unknown code) is listed for staff after sync.
//! Check-ins another staff member left waiting on the device for the same session are sent
//! by whoever opens that desk next (a shift change on one phone).

use crate::staff::api;
use labday_domain::offline_check_in::send_again;
use labday_domain::session::SessionView;
use labday_domain::staff::RosterEntry;
use labday_domain::time::{venue_local, SHANGHAI_OFFSET_MINUTES};
use labday_domain::{BookingCode, BookingStatus, ErrorCode};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Every desk's entry starts so: sign-out clears their rosters.
const PREFIX: &str = "labday.desk.";

/// A check-in made without network, waiting to be sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Queued {
    pub code: String,
    /// When it was made, on the venue's clock (`YYYY-MM-DDTHH:MM:SS`), as the API reads
    /// `offline_at`.
    pub at: String,
}

/// What one desk keeps on the device.
#[derive(Default, Serialize, Deserialize)]
struct Saved {
    roster: Vec<RosterEntry>,
    queue: Vec<Queued>,
    /// The venue's minutes east of UTC, as the session said when the desk was last online
    /// (absent in what earlier versions kept: China Standard Time).
    #[serde(default)]
    offset: Option<i32>,
}

/// A queued check-in the server refused when it arrived.
#[derive(Debug, Clone, PartialEq)]
pub struct Conflict {
    pub code: String,
    /// The holder's name, when this device's roster had the code.
    pub name: Option<String>,
    pub reason: ErrorCode,
    /// The session of the organisation the code is for, when it is another one
    /// (`wrong_session`), as the server read it then.
    pub elsewhere: Option<SessionView>,
}

/// What checking a code in on the device itself did.
pub enum Local {
    /// Queued: the holder's name, or `None` for a code this device's roster lacks (the
    /// server decides when it arrives).
    Queued(Option<String>),
    /// Refused here already: the roster on the device says why.
    Refused(ErrorCode),
}

/// One desk's offline state: its roster copy, its queue, and what the last sync refused.
#[derive(Clone, Copy)]
pub struct OfflineDesk {
    key: RwSignal<Option<String>>,
    pub roster: RwSignal<Option<Vec<RosterEntry>>>,
    pub queue: RwSignal<Vec<Queued>>,
    pub conflicts: RwSignal<Vec<Conflict>>,
    pub online: RwSignal<bool>,
    /// The venue's minutes east of UTC: a check-in is queued with the time on its clock.
    offset: RwSignal<Option<i32>>,
    /// Set after each sync the server answered anything of: how many queued check-ins it has
    /// recorded since the desk opened (not those in already); those it refused are
    /// `conflicts`.
    pub synced: RwSignal<Option<u32>>,
    taken: RwSignal<u32>,
    syncing: RwSignal<bool>,
    me: crate::staff::Me,
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

fn navigator_online() -> bool {
    web_sys::window().is_none_or(|w| w.navigator().on_line())
}

/// The time now on the clock of a venue `offset` minutes east of UTC (China Standard Time
/// when the desk never learnt it), to the second, as the API writes it.
fn now_text(offset: Option<i32>) -> String {
    let ms = js_sys::Date::now() as i64;
    let utc = chrono::DateTime::from_timestamp_millis(ms - ms % 1000).unwrap_or_default();
    format!(
        "{:?}",
        venue_local(utc, offset.unwrap_or(SHANGHAI_OFFSET_MINUTES))
    )
}

thread_local! {
    /// The open desk's `online` and `offline` listeners (one desk at a time).
    static LISTENERS: std::cell::RefCell<Vec<WindowListenerHandle>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Replaces the open desk's window listeners with `next`.
fn listen<const N: usize>(next: [WindowListenerHandle; N]) {
    let old = LISTENERS.with(|l| std::mem::replace(&mut *l.borrow_mut(), next.into()));
    for h in old {
        h.remove();
    }
}

/// At sign-out: every desk's roster leaves this device; check-ins still waiting to be sent
/// stay (codes and times only), to be sent when that desk opens again.
pub fn forget_rosters() {
    let Some(s) = storage() else { return };
    forget_where(|raw| {
        crate::json::from_str::<Saved>(raw)
            .ok()
            .is_none_or(|saved| saved.queue.is_empty())
    });
    let waiting: Vec<(String, Saved)> = (0..s.length().unwrap_or(0))
        .filter_map(|i| s.key(i).ok().flatten())
        .filter(|k| k.starts_with(PREFIX))
        .filter_map(|k| {
            let raw = s.get_item(&k).ok().flatten()?;
            Some((k, crate::json::from_str::<Saved>(&raw).ok()?))
        })
        .collect();
    for (key, saved) in waiting {
        let kept = Saved {
            roster: Vec::new(),
            queue: saved.queue,
            offset: saved.offset,
        };
        if let Ok(raw) = serde_json::to_string(&kept) {
            let _ = s.set_item(&key, &raw);
        }
    }
}

/// Removes the desks' entries for which `drop` holds (given the entry's text).
fn forget_where(drop: impl Fn(&str) -> bool) {
    let Some(s) = storage() else { return };
    let keys: Vec<String> = (0..s.length().unwrap_or(0))
        .filter_map(|i| s.key(i).ok().flatten())
        .filter(|k| k.starts_with(PREFIX))
        .collect();
    for k in keys {
        if s.get_item(&k).ok().flatten().is_none_or(|v| drop(&v)) {
            let _ = s.remove_item(&k);
        }
    }
}

/// Takes into `queue` the check-ins other staff members left waiting on this device for the
/// same session (`own` is this desk's key, `labday.desk.<staff>.<session>`): after a shift
/// change on one phone, whoever opens the desk next sends them, so no visitor who came is
/// later marked a no-show. Their entries keep no queue afterwards (and go if nothing else).
fn adopt_left_queues(own: &str, queue: &mut Vec<Queued>) {
    let Some(s) = storage() else { return };
    let Some((_, session)) = own.rsplit_once('.') else {
        return;
    };
    let same_session = |k: &String| {
        k.starts_with(PREFIX) && k != own && k.rsplit_once('.').map(|(_, i)| i) == Some(session)
    };
    let keys: Vec<String> = (0..s.length().unwrap_or(0))
        .filter_map(|i| s.key(i).ok().flatten())
        .filter(same_session)
        .collect();
    for k in keys {
        let Some(left) = s.get_item(&k).ok().flatten() else {
            continue;
        };
        let Ok(mut left) = crate::json::from_str::<Saved>(&left) else {
            continue;
        };
        for q in left.queue.drain(..) {
            if !queue.iter().any(|mine| mine.code == q.code) {
                queue.push(q);
            }
        }
        match serde_json::to_string(&left) {
            Ok(raw) if !left.roster.is_empty() => {
                let _ = s.set_item(&k, &raw);
            }
            _ => {
                let _ = s.remove_item(&k);
            }
        }
    }
}

/// Whether a party's booking is all in (or nothing more may come in).
fn all_in(e: &RosterEntry) -> bool {
    e.checked_in >= e.adults.saturating_add(e.children)
}

/// Marks a roster line as checked in, whole party.
fn mark_in(e: &mut RosterEntry) {
    e.checked_in = e.adults.saturating_add(e.children);
    e.status = BookingStatus::CheckedIn;
}

impl OfflineDesk {
    /// The desk of session `id` for the signed-in staff member; follows both, and keeps the
    /// network's state. Entries with nothing waiting are removed when the desk closes.
    pub fn open(id: Memo<Option<i64>>) -> OfflineDesk {
        let me = expect_context::<crate::staff::Me>();
        let desk = OfflineDesk {
            key: RwSignal::new(None),
            roster: RwSignal::new(None),
            queue: RwSignal::new(Vec::new()),
            conflicts: RwSignal::new(Vec::new()),
            online: RwSignal::new(navigator_online()),
            offset: RwSignal::new(None),
            synced: RwSignal::new(None),
            taken: RwSignal::new(0),
            me,
            syncing: RwSignal::new(false),
        };
        Effect::new(move |_| {
            let staff = me.with(|m| m.as_ref().map(|m| m.id));
            let key = staff.zip(id.get()).map(|(s, i)| format!("{PREFIX}{s}.{i}"));
            let mut saved: Saved = key
                .as_deref()
                .and_then(|k| storage()?.get_item(k).ok().flatten())
                .and_then(|raw| crate::json::from_str(&raw).ok())
                .unwrap_or_default();
            let adopted = match key.as_deref() {
                Some(own) => {
                    let before = saved.queue.len();
                    adopt_left_queues(own, &mut saved.queue);
                    saved.queue.len() > before
                }
                None => false,
            };
            desk.key.set(key);
            desk.roster
                .set((!saved.roster.is_empty()).then_some(saved.roster));
            desk.queue.set(saved.queue);
            desk.offset.set(saved.offset);
            desk.conflicts.set(Vec::new());
            desk.taken.set(0);
            if adopted {
                desk.save();
            }
            desk.sync();
        });
        let went = move |online: bool| {
            desk.online.set(online);
            if online {
                desk.sync();
            }
        };
        let on = window_event_listener(leptos::ev::online, move |_| went(true));
        let off = window_event_listener(leptos::ev::offline, move |_| went(false));
        listen([on, off]);
        // Every 15 s: the device's word that it is offline is taken; its word that it is
        // online is not (a Wi-Fi that no longer reaches the server says so too): the desk
        // stays offline after the server could not be reached until a sync reaches it.
        let retry = set_interval_with_handle(
            move || match navigator_online() {
                true => desk.sync(),
                false => desk.online.set(false),
            },
            std::time::Duration::from_secs(15),
        )
        .ok();
        on_cleanup(move || {
            listen([]);
            if let Some(h) = retry {
                h.clear();
            }
            // The roster stays only while its desk is open, unless check-ins still wait.
            forget_where(|raw| {
                crate::json::from_str::<Saved>(raw).is_ok_and(|s| s.queue.is_empty())
            });
        });
        desk
    }

    fn save(&self) {
        let Some(key) = self.key.get_untracked() else {
            return;
        };
        let saved = Saved {
            roster: self.roster.get_untracked().unwrap_or_default(),
            queue: self.queue.get_untracked(),
            offset: self.offset.get_untracked(),
        };
        if let (Some(s), Ok(raw)) = (storage(), serde_json::to_string(&saved)) {
            let _ = s.set_item(&key, &raw);
        }
    }

    /// The session said how far east of UTC its venue is: offline check-ins are timed on
    /// that clock, here and after the network goes.
    pub fn venue_offset(&self, minutes: i32) {
        self.offset.set(Some(minutes));
        self.save();
    }

    /// The server's roster arrived: kept on the device, with what still waits to be sent
    /// shown as in.
    pub fn receive(&self, mut list: Vec<RosterEntry>) {
        let queue = self.queue.get_untracked();
        for e in list.iter_mut() {
            if queue.iter().any(|q| q.code == e.code) {
                mark_in(e);
            }
        }
        self.roster.set(Some(list));
        self.save();
    }

    /// Checks `code` in on the device: against the roster kept here, queued to be sent.
    pub fn check_in_here(&self, code: &str) -> Local {
        let code = match BookingCode::parse(code) {
            Ok(c) => c.as_str().to_owned(),
            Err(_) => return Local::Refused(ErrorCode::Invalid),
        };
        if self
            .queue
            .with_untracked(|q| q.iter().any(|q| q.code == code))
        {
            return Local::Refused(ErrorCode::AlreadyCheckedIn);
        }
        let mut known = None;
        let mut refused = None;
        self.roster.update(|roster| {
            let Some(e) = roster.iter_mut().flatten().find(|e| e.code == code) else {
                return;
            };
            refused = match e.status {
                BookingStatus::Cancelled => Some(ErrorCode::AlreadyCancelled),
                BookingStatus::Waitlisted => Some(ErrorCode::NotConfirmed),
                _ if all_in(e) => Some(ErrorCode::AlreadyCheckedIn),
                _ => None,
            };
            if refused.is_none() {
                mark_in(e);
                known = Some(e.name.clone());
            }
        });
        if let Some(why) = refused {
            return Local::Refused(why);
        }
        self.queue.update(|q| {
            q.push(Queued {
                code,
                at: now_text(self.offset.get_untracked()),
            })
        });
        self.save();
        Local::Queued(known)
    }

    /// The holder's name on this device's roster.
    fn name_of(&self, code: &str) -> Option<String> {
        self.roster.with_untracked(|r| {
            r.iter()
                .flatten()
                .find(|e| e.code == code)
                .map(|e| e.name.clone())
        })
    }

    /// Sends the queue, oldest first, unless a sync is under way or the device is offline;
    /// stops at the first network failure (the rest waits for the next try). Refusals become
    /// conflicts, naming the other session a code is for. Announces through `synced` how
    /// many the server has taken, once it answered any.
    pub fn sync(&self) {
        let desk = *self;
        let Some(session) = desk
            .key
            .get_untracked()
            .and_then(|k| k.rsplit('.').next()?.parse::<i64>().ok())
        else {
            return;
        };
        if desk.syncing.get_untracked() || !navigator_online() {
            return;
        }
        // Nothing to send: an offline desk (the server was out of reach) asks whether it is
        // back, so the door goes online again without waiting for a check-in to queue.
        if desk.queue.with_untracked(Vec::is_empty) {
            if !desk.online.get_untracked() {
                desk.syncing.set(true);
                leptos::task::spawn_local(async move {
                    let back = crate::http::reaches_server().await;
                    desk.syncing.set(false);
                    desk.online.set(back && navigator_online());
                });
            }
            return;
        }
        desk.syncing.set(true);
        leptos::task::spawn_local(async move {
            let mut answered = false;
            let mut unreachable = false;
            while let Some(next) = desk.queue.with_untracked(|q| q.first().cloned()) {
                let Some(at) = labday_domain::time::parse_datetime(&next.at) else {
                    desk.settle(&next, Some((ErrorCode::Invalid, None)));
                    continue;
                };
                match api::check_in_offline(session, &next.code, at).await {
                    Ok(done) => {
                        answered = true;
                        // In already (another phone, a lost answer sent again): nothing taken.
                        if !done.already_in {
                            desk.taken.update(|n| *n += 1);
                        }
                        desk.settle(&next, None);
                    }
                    // Not sent after all (no network, the server failing, a desk to sign in
                    // again): it stays queued, and the rest wait behind it.
                    Err(e) if send_again(e.code) => {
                        match e.code {
                            ErrorCode::Network => unreachable = true,
                            // Signed out meanwhile (elsewhere, or expired): the sign-in page,
                            // as the console shows it; the queue waits on this device and is
                            // sent once this desk is open again.
                            ErrorCode::Unauthorized => crate::staff::signed_out(desk.me),
                            _ => {}
                        }
                        break;
                    }
                    Err(e) => {
                        answered = true;
                        let other = match e.elsewhere {
                            Some(id) => crate::api::session(id).await.ok(),
                            None => None,
                        };
                        desk.settle(&next, Some((e.code, other)));
                    }
                }
            }
            desk.syncing.set(false);
            // Reached the server: online again; could not: offline until a sync does.
            desk.online.set(!unreachable && navigator_online());
            if answered {
                desk.synced.set(Some(desk.taken.get_untracked()));
            }
        });
    }

    /// Takes `done` off the queue; a refusal (why, and the other session it names) becomes a
    /// conflict.
    fn settle(&self, done: &Queued, refused: Option<(ErrorCode, Option<SessionView>)>) {
        self.queue.update(|q| q.retain(|q| q != done));
        if let Some((reason, elsewhere)) = refused {
            let conflict = Conflict {
                code: done.code.clone(),
                name: self.name_of(&done.code),
                reason,
                elsewhere,
            };
            self.conflicts.update(|c| c.push(conflict));
        }
        self.save();
    }
}
