//! Organisations as a hierarchy (province → city → county bureaus, and the labs and
//! institutes under any of them), written once for both databases.
//!
//! The subtree rule has one home, [`reach!`]: a recursive CTE naming `reach(id)`, the
//! organisation bound (twice) and everything under it, or every organisation when the bound
//! value is `NULL`. Every statement scoped to an organisation starts with it and filters
//! `x.organisation_id IN (SELECT id FROM reach)`, so a scope `Some(id)` means "this
//! organisation and everything under it" everywhere. It is `UNION`, not `UNION ALL`: should
//! bad data ever hold a cycle, the walk still ends.
//!
//! Parents never move (an edit keeps the parent), so no cycle can be made through the API;
//! where an organisation may sit is [`OrgKind::may_sit_under`], checked under the parent's
//! row lock so a concurrent kind change cannot slip between the check and the write.

use super::audit::commit_audited;
use super::columns::Name;
use super::db::{Statement, Tx};
use super::{Parts, StorageError};
use async_trait::async_trait;
use labday_domain::activity::Localised;
use labday_domain::organisation::{
    OrgKind, OrganisationDetails, OrganisationDraft, ValidOrganisation,
};
use labday_domain::schedule::OrganisationChoice;
use labday_domain::staff::{AuditAction, Role};
use labday_domain::{ApiError, ErrorCode, FieldCode};
use std::collections::HashMap;

/// The organisations within a scope, as the CTE `reach(id)`: prepend it to a statement and
/// bind the scope (`Option<i64>`) twice, before the statement's own values.
macro_rules! reach {
    () => {
        "WITH RECURSIVE reach(id) AS (SELECT id FROM organisations \
         WHERE CAST(? AS BIGINT) IS NULL OR id = ? \
         UNION SELECT o.id FROM organisations o JOIN reach r ON o.parent_id = r.id) "
    };
}
pub(crate) use reach;

/// What an organisation write answers: storage failing (the outer error), or the caller's
/// mistake (the inner one, an `ApiError` to answer with: 404 or 422).
pub type Written<T> = Result<Result<T, ApiError>, StorageError>;

fn misplaced(field: &str, code: FieldCode, message: &str) -> ApiError {
    ApiError::new(ErrorCode::Invalid, message).with_field(field, code)
}

fn kind_not_allowed() -> ApiError {
    misplaced(
        "kind",
        FieldCode::KindNotAllowed,
        "An organisation of this kind cannot sit here",
    )
}

/// A kind change refused because an account of the organisation could not be made on it
/// (lab staff on a bureau, an organiser on a lab or institute), as account creation
/// refuses it.
fn kind_has_staff() -> ApiError {
    misplaced(
        "kind",
        FieldCode::KindHasStaff,
        "Staff accounts of this organisation do not fit this kind: an organiser belongs to a \
        bureau, lab staff to a lab or institute",
    )
}

/// [`reach!`] as a constant, for statements put together with `format!`.
pub(super) const REACH: &str = reach!();
const REACH_IDS: &str = concat!(reach!(), "SELECT id FROM reach");
const ORGANISATION_SELECT: &str = "SELECT id, parent_id, kind, name_zh, name_en, city_zh, \
    city_en, county_zh, county_en, address_zh, address_en, contact, utc_offset_minutes \
    FROM organisations WHERE id = ?";
/// The kind of an organisation about to gain a child or change; locked with the dialect's
/// row lock until the change commits.
const KIND_FOR_CHANGE: &str = "SELECT parent_id, kind FROM organisations WHERE id = ?";
const CHILD_KINDS: &str = "SELECT DISTINCT kind FROM organisations WHERE parent_id = ?";
/// The roles of an organisation's staff accounts, disabled ones too (they may be enabled
/// again).
const STAFF_ROLES: &str = "SELECT DISTINCT role FROM staff WHERE organisation_id = ?";
/// An organisation of this Chinese name under this parent.
const TWIN_ORGANISATION: &str = "SELECT id FROM organisations WHERE parent_id = ? AND name_zh = ?";
const INSERT_ORGANISATION: &str = "INSERT INTO organisations (kind, name_zh, name_en, \
    city_zh, city_en, county_zh, county_en, address_zh, address_en, contact, \
    utc_offset_minutes, parent_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id";
const UPDATE_ORGANISATION: &str = "UPDATE organisations SET kind = ?, name_zh = ?, \
    name_en = ?, city_zh = ?, city_en = ?, county_zh = ?, county_en = ?, address_zh = ?, \
    address_en = ?, contact = ?, utc_offset_minutes = ? WHERE id = ?";

/// Binds an organisation's columns, in `INSERT_ORGANISATION` / `UPDATE_ORGANISATION` order:
/// the kind, each text in Chinese then English, the contact and the time zone.
fn bind_organisation<'q>(statement: Statement<'q>, o: &'q OrganisationDraft) -> Statement<'q> {
    [&o.name, &o.city, &o.county, &o.address]
        .into_iter()
        .fold(statement.bind(o.kind.as_str()), Statement::bind_localised)
        .bind(&o.contact)
        .bind(i64::from(o.utc_offset_minutes))
}

from_row! {
    struct OrganisationRow {
        id: i64,
        parent_id: Option<i64>,
        kind: OrgKind,
        name: Localised,
        city: Localised,
        county: Localised,
        address: Localised,
        contact: String,
        utc_offset_minutes: i64,
    }
}

impl OrganisationRow {
    fn details(self) -> Result<OrganisationDetails, sqlx::Error> {
        let offset = i32::try_from(self.utc_offset_minutes).map_err(|_| {
            sqlx::Error::Decode(
                format!("utc offset out of range: {}", self.utc_offset_minutes).into(),
            )
        })?;
        Ok(OrganisationDetails {
            id: self.id,
            draft: OrganisationDraft {
                parent_id: self.parent_id,
                kind: self.kind,
                name: self.name,
                city: self.city,
                county: self.county,
                address: self.address,
                contact: self.contact,
                utc_offset_minutes: offset,
            },
        })
    }
}

/// Takes the row lock of an organisation about to gain a child or change, and returns its
/// `(parent_id, kind)`; `None` when there is no such organisation.
async fn lock_for_change(
    tx: &mut Tx,
    id: i64,
) -> Result<Option<(Option<i64>, OrgKind)>, sqlx::Error> {
    let sql = format!("{KIND_FOR_CHANGE}{}", tx.dialect().for_update());
    let row: Option<(Option<i64>, Name<OrgKind>)> =
        tx.query(&sql).bind(id).fetch_optional().await?;
    Ok(row.map(|(parent, Name(kind))| (parent, kind)))
}

/// A list of organisations in name order, put so that a parent comes before its children:
/// each top one (no parent in the list) followed by its subtree, depth first, siblings in
/// the order they came. Whatever no top one leads to (a cycle in bad data) comes last.
pub(super) fn parents_first(list: Vec<OrganisationChoice>) -> Vec<OrganisationChoice> {
    let position: HashMap<i64, usize> = list.iter().enumerate().map(|(i, o)| (o.id, i)).collect();
    let mut children: HashMap<Option<usize>, Vec<usize>> = HashMap::new();
    for (i, o) in list.iter().enumerate() {
        let parent = o.parent_id.and_then(|p| position.get(&p).copied());
        children.entry(parent).or_default().push(i);
    }
    let mut placed = vec![false; list.len()];
    let mut order = Vec::with_capacity(list.len());
    let tops = children.get(&None).cloned().unwrap_or_default();
    let mut stack: Vec<usize> = tops.into_iter().rev().collect();
    while let Some(i) = stack.pop() {
        if std::mem::replace(&mut placed[i], true) {
            continue;
        }
        order.push(i);
        if let Some(kids) = children.get(&Some(i)) {
            stack.extend(kids.iter().rev());
        }
    }
    order.extend((0..list.len()).filter(|&i| !placed[i]));
    let mut slots: Vec<Option<OrganisationChoice>> = list.into_iter().map(Some).collect();
    order.into_iter().filter_map(|i| slots[i].take()).collect()
}

#[async_trait]
pub trait Organisations: Parts {
    /// `root` and every organisation under it (none when there is no `root`).
    async fn reach(&self, root: i64) -> Result<Vec<i64>, StorageError> {
        Ok(self
            .db()
            .read(REACH_IDS)
            .bind(Some(root))
            .bind(Some(root))
            .scalars()
            .await?)
    }

    /// `id` when there is such an organisation: an organisation is its own owner.
    async fn organisation_itself(&self, id: i64) -> Result<Option<i64>, StorageError> {
        Ok(self.organisation(id).await?.map(|o| o.id))
    }

    /// An organisation as the console edits it.
    async fn organisation(&self, id: i64) -> Result<Option<OrganisationDetails>, StorageError> {
        let row: Option<OrganisationRow> = self
            .db()
            .read(ORGANISATION_SELECT)
            .bind(id)
            .fetch_optional()
            .await?;
        Ok(row.map(OrganisationRow::details).transpose()?)
    }

    /// Creates an organisation under its draft's parent (at the top without one): 422 when
    /// the parent is unknown or the kind may not sit under it. Audited as `staff_id`'s when
    /// given (the command line, which makes the first one, has no staff account).
    async fn create_organisation(
        &self,
        staff_id: Option<i64>,
        org: &ValidOrganisation,
    ) -> Written<i64> {
        let o = org.get();
        let mut tx = self.db().begin().await?;
        let parent_kind = match o.parent_id {
            None => None,
            Some(parent) => match lock_for_change(&mut tx, parent).await? {
                Some((_, kind)) => Some(kind),
                None => {
                    return Ok(Err(misplaced(
                        "parent_id",
                        FieldCode::OrganisationUnknown,
                        "No such organisation",
                    )))
                }
            },
        };
        if !o.kind.may_sit_under(parent_kind) {
            return Ok(Err(kind_not_allowed()));
        }
        // Under the parent's lock: the same form sent twice (a lost answer) makes one.
        if let Some(parent) = o.parent_id {
            let twin: Option<i64> = tx
                .query(TWIN_ORGANISATION)
                .bind(parent)
                .bind(&o.name.zh)
                .scalar_optional()
                .await?;
            if twin.is_some() {
                return Ok(Err(misplaced(
                    "name",
                    FieldCode::OrganisationExists,
                    "The organisation above already has one of this name",
                )));
            }
        }
        let id: i64 = bind_organisation(tx.query(INSERT_ORGANISATION), o)
            .bind(o.parent_id)
            .scalar()
            .await?;
        let subject = format!("organisation {id}: {} ({})", o.name.zh, o.kind.as_str());
        match staff_id {
            Some(staff_id) => {
                commit_audited(tx, staff_id, AuditAction::CreateOrganisation, &subject).await?
            }
            None => tx.commit().await?,
        }
        Ok(Ok(id))
    }

    /// Replaces everything but the parent: 404 for no such organisation, 422 when the new
    /// kind may not sit under the parent or above one of the children, or does not fit one
    /// of its staff accounts (lab staff of a bureau, an organiser of a lab).
    async fn update_organisation(
        &self,
        staff_id: i64,
        id: i64,
        org: &ValidOrganisation,
    ) -> Written<()> {
        let o = org.get();
        let mut tx = self.db().begin().await?;
        let Some((parent, _)) = lock_for_change(&mut tx, id).await? else {
            return Ok(Err(ApiError::new(
                ErrorCode::NotFound,
                "No such organisation",
            )));
        };
        // The parent's row lock too (child before parent, as every change takes them), so
        // the parent's kind cannot change under this check.
        let parent_kind = match parent {
            Some(parent) => lock_for_change(&mut tx, parent).await?.map(|(_, k)| k),
            None => None,
        };
        let children: Vec<(Name<OrgKind>,)> = tx.query(CHILD_KINDS).bind(id).fetch_all().await?;
        let fits_children = children
            .iter()
            .all(|(Name(child),)| child.may_sit_under(Some(o.kind)));
        if !o.kind.may_sit_under(parent_kind) || !fits_children {
            return Ok(Err(kind_not_allowed()));
        }
        let roles: Vec<(Name<Role>,)> = tx.query(STAFF_ROLES).bind(id).fetch_all().await?;
        if !roles.iter().all(|(Name(role),)| role.may_belong_to(o.kind)) {
            return Ok(Err(kind_has_staff()));
        }
        bind_organisation(tx.query(UPDATE_ORGANISATION), o)
            .bind(id)
            .execute()
            .await?;
        let subject = format!("organisation {id}: {} ({})", o.name.zh, o.kind.as_str());
        commit_audited(tx, staff_id, AuditAction::UpdateOrganisation, &subject).await?;
        Ok(Ok(()))
    }
}

impl<S: Parts> Organisations for S {}

#[cfg(test)]
mod tests {
    use super::*;

    fn choice(id: i64, parent_id: Option<i64>) -> OrganisationChoice {
        OrganisationChoice {
            id,
            name: Localised::new(format!("org {id}"), ""),
            kind: OrgKind::CityBureau,
            parent_id,
        }
    }

    fn ids(list: &[OrganisationChoice]) -> Vec<i64> {
        list.iter().map(|o| o.id).collect()
    }

    #[test]
    fn a_parent_comes_before_its_children_and_siblings_keep_their_order() {
        // Name order: 5, 1, 4, 2, 3; tree 1 → {4, 2}, 4 → {5}; 3 has a parent outside.
        let list = vec![
            choice(5, Some(4)),
            choice(1, None),
            choice(4, Some(1)),
            choice(2, Some(1)),
            choice(3, Some(99)),
        ];
        assert_eq!(ids(&parents_first(list)), vec![1, 4, 5, 2, 3]);
    }

    #[test]
    fn a_cycle_in_bad_data_still_lists_everyone_once() {
        let list = vec![choice(1, Some(2)), choice(2, Some(1)), choice(3, None)];
        assert_eq!(ids(&parents_first(list)), vec![3, 1, 2]);
    }

    #[test]
    fn the_reach_is_one_recursive_union_bound_twice() {
        assert!(REACH_IDS.starts_with(REACH));
        assert!(REACH.starts_with("WITH RECURSIVE reach(id) AS ("));
        assert!(REACH.contains(" UNION SELECT") && !REACH.contains("UNION ALL"));
        assert_eq!(REACH_IDS.matches('?').count(), 2);
    }
}
