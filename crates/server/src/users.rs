//! `labday-server user add` and `org add`: create staff accounts and organisations from the
//! command line (the first organiser, and the top organisation, have to come from somewhere).

use crate::auth;
use crate::config::{Config, OrgCommand, UserCommand};
use crate::startup::open_storage;
use crate::storage::staff::{NewStaff, StaffAdded};
use crate::storage::Storage;
use labday_domain::activity::Localised;
use labday_domain::organisation::{OrgKind, OrganisationDraft};
use labday_domain::staff::{
    check_password, parse_username, NewStaffAccount, Role, DISPLAY_NAME_MAX_CHARS,
    PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS,
};
use labday_domain::time::SHANGHAI_OFFSET_MINUTES;
use labday_domain::FieldCode;
use std::sync::Arc;

/// The configured database, without demo data.
async fn storage(config: &Config) -> Result<Arc<dyn Storage>, String> {
    let mut quiet = config.clone();
    quiet.no_demo_data = true;
    open_storage(&quiet).await.map_err(|e| e.to_string())
}

/// Runs an organisation subcommand; the error is one sentence for the operator.
pub async fn run_org(config: &Config, command: OrgCommand) -> Result<String, String> {
    let OrgCommand::Add {
        kind,
        name_zh,
        name_en,
        city_zh,
        parent,
    } = command;
    let kind = OrgKind::parse(&kind.replace('-', "_"))
        .ok_or("the kind must be province-bureau, city-bureau, county-bureau, lab or institute")?;
    let draft = OrganisationDraft {
        parent_id: parent,
        kind,
        name: Localised::new(name_zh, name_en),
        city: Localised::new(city_zh, ""),
        county: Localised::default(),
        address: Localised::default(),
        contact: String::new(),
        utc_offset_minutes: SHANGHAI_OFFSET_MINUTES,
    };
    let valid = draft.validate().map_err(|e| {
        let fields: Vec<String> = e.fields.iter().map(|(f, c)| format!("{f}: {c}")).collect();
        format!("the organisation is not valid ({})", fields.join(", "))
    })?;
    let storage = storage(config).await?;
    let created = storage
        .create_organisation(None, &valid)
        .await
        .map_err(|e| e.to_string())?;
    let id = created.map_err(|e| format!("a {} cannot sit there: {}", kind.as_str(), e.message))?;
    Ok(format!(
        "created {} `{}` (id {id})",
        kind.as_str(),
        valid.get().name.zh
    ))
}

/// Runs a user subcommand; the error is one sentence for the operator.
pub async fn run(
    config: &Config,
    command: UserCommand,
    password: Option<String>,
) -> Result<String, String> {
    let UserCommand::Add {
        username,
        role,
        organisation,
        display_name,
    } = command;
    let username = parse_username(&username).map_err(|_| {
        "the username must be 3–32 characters of a-z, 0-9, '.', '_' or '-'".to_owned()
    })?;
    let role = Role::parse(&role).ok_or("the role must be `organiser` or `lab-staff`")?;
    if role == Role::LabStaff && organisation.is_none() {
        return Err("a lab-staff account needs --organisation <id>".into());
    }
    let password = password.ok_or("give the password in LABDAY_PASSWORD or on standard input")?;
    check_password(&password, &username).map_err(|code| match code {
        FieldCode::PasswordWeak => "the password is too easy to guess: no repeated or consecutive \
                                    characters, no common password, and not the username"
            .to_owned(),
        FieldCode::TextInvalid => {
            "the password cannot hold a control character (a tab, a line break), a line \
             separator or a direction override"
                .to_owned()
        }
        _ => format!(
            "the password must have {PASSWORD_MIN_CHARS} to {PASSWORD_MAX_CHARS} characters"
        ),
    })?;
    // The display name as the console's form takes it: the same rule, the username when
    // none is given.
    let display_name = NewStaffAccount {
        username: username.to_string(),
        display_name,
        password: password.clone(),
        role,
        organisation_id: organisation,
    }
    .validate()
    .map(|valid| valid.display_name)
    .map_err(|e| match e.fields.keys().next().map(String::as_str) {
        Some("display_name") => format!(
            "the display name must be at most {DISPLAY_NAME_MAX_CHARS} characters, with \
             something visible and no control or direction-changing characters"
        ),
        _ => format!("the account is not valid: {:?}", e.fields),
    })?;
    let password_hash = auth::hash_password(&password)?;
    let storage = storage(config).await?;
    if let Some(id) = organisation {
        let found = storage
            .organisation(id)
            .await
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("there is no organisation {id}"))?;
        if !role.may_belong_to(found.draft.kind) {
            return Err(format!(
                "an organiser belongs to a bureau, lab staff to a lab or institute; \
                 organisation {id} is a {}",
                found.draft.kind.as_str()
            ));
        }
    }
    let staff = NewStaff {
        username: username.clone(),
        display_name,
        password_hash,
        role,
        organisation_id: organisation,
        must_change_password: false,
    };
    match storage
        .add_staff(staff, auth::now_local())
        .await
        .map_err(|e| e.to_string())?
    {
        StaffAdded::Added(id) => Ok(format!(
            "created {} account `{username}` (id {id})",
            role.as_str()
        )),
        StaffAdded::UsernameTaken => Err(format!("the username `{username}` is taken")),
        StaffAdded::KindNotAllowed => Err(format!(
            "an organiser belongs to a bureau, lab staff to a lab or institute; the kind of \
             organisation {} changed meanwhile",
            organisation.unwrap_or_default()
        )),
    }
}
