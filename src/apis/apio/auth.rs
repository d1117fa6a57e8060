//! apio sign-in: `POST /api/v1/login/` sets the `sessionid` cookie (the same token is taken
//! as `Authorization: Bearer`, which scripted clients prefer); `POST /api/v1/logout/` ends it.
//! Each operation needs the document's minimum authorization level, and a user's level is
//! scoped: a Tenant Admin to its tenant, a Group Admin to its tenant and group. The document's
//! "minimum Enterprise Group" (trunk group delete) reads as Group Admin, as does every
//! operation the document gives no level for. Restricted parameters (`keep_number`) need
//! Tenant Admin.

use hyper::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::Call;
use super::errors::ApioError;
use super::model::ApioState;
use crate::engine::auth::{Attempt, AuthScheme, AuthUser};
use crate::engine::family::StateError;
use crate::engine::reply::Reply;

pub const SCHEME: AuthScheme = AuthScheme {
    challenge: "Bearer realm=\"apio\"",
    bearer: true,
    basic: false,
    cookie: Some("sessionid"),
    open_operations: &["apio_login", "apio_logout"],
};

/// The family's sign-in rules, as the engine asks for them.
pub static RULES: crate::engine::auth::AuthRules = crate::engine::auth::AuthRules {
    scheme: SCHEME,
    check_user,
    permits,
};

/// The levels, lowest first.
const LEVELS: &[&str] = &["Group Admin", "Tenant Admin", "System"];

fn rank(level: &str) -> Option<usize> {
    LEVELS.iter().position(|l| *l == level)
}

fn minimum(operation_id: &str) -> &'static str {
    match operation_id {
        "apio_assign_itc_numbers"
        | "apio_remove_itc_numbers"
        | "apio_list_itc_available_numbers"
        | "apio_assign_itc_prefixes"
        | "apio_remove_itc_prefixes"
        | "apio_list_itc_available_prefixes" => "Tenant Admin",
        _ => "Group Admin",
    }
}

pub fn check_user(user: &AuthUser) -> Result<(), StateError> {
    let Some(level) = &user.level else {
        return Err(StateError::new(
            "/level",
            "an apio user needs a level: System, Tenant Admin or Group Admin",
        ));
    };
    match rank(level) {
        None => Err(StateError::new(
            "/level",
            format!("unknown level {level:?}: expected System, Tenant Admin or Group Admin"),
        )),
        Some(0) if user.tenant.is_none() || user.group.is_none() => Err(StateError::new(
            "",
            "a Group Admin is scoped to a tenant and a group",
        )),
        Some(1) if user.tenant.is_none() || user.group.is_some() => Err(StateError::new(
            "",
            "a Tenant Admin is scoped to a tenant (and no group)",
        )),
        Some(2) if user.tenant.is_some() || user.group.is_some() => {
            Err(StateError::new("", "a System user has no tenant or group"))
        }
        _ if !user.roles.is_empty() || user.domain.is_some() => Err(StateError::new(
            "",
            "an apio user has username, password, level, tenant and group only",
        )),
        _ => Ok(()),
    }
}

pub fn permits(user: &AuthUser, attempt: &Attempt<'_>) -> Result<(), String> {
    let (operation_id, params) = (attempt.operation_id, attempt.path_params);
    let have = user.level.as_deref().and_then(rank).unwrap_or(0);
    let need = minimum(operation_id);
    if have < rank(need).unwrap_or(0) {
        return Err(format!("{} needs at least {need}", operation_id));
    }
    if let Some(t) = &user.tenant
        && params.get("tenant_id") != Some(t.as_str())
    {
        return Err(format!("{} may not act outside tenant {t}", user.username));
    }
    if let Some(g) = &user.group
        && params.get("group_id") != Some(g.as_str())
    {
        return Err(format!("{} may not act outside group {g}", user.username));
    }
    // The restricted parameter may come in the query or the body (the contract takes both).
    let in_body = serde_json::from_slice::<Value>(attempt.body)
        .ok()
        .is_some_and(|b| b.get("keep_number").is_some());
    let restricted = in_body || attempt.query.contains("keep_number");
    if operation_id == "apio_delete_trunk_group" && restricted && have < 1 {
        return Err("keep_number needs at least Tenant Admin".into());
    }
    Ok(())
}

#[derive(Deserialize, Default)]
struct Login {
    username: String,
    password: String,
}

fn cookie(token: &str, max_age: u64) -> String {
    format!("sessionid={token}; Path=/; HttpOnly; Max-Age={max_age}")
}

/// `POST /api/v1/login/`.
pub fn login(_: &mut ApioState, call: &mut Call<'_>) -> Result<Reply, ApioError> {
    let body: Login = call.body_as()?;
    let desk = call
        .auth
        .filter(|d| d.users.verify(&body.username, &body.password).is_some());
    let Some(desk) = desk else {
        return Ok(Reply::json(
            StatusCode::UNAUTHORIZED,
            json!({ "details": "Invalid username or password" }),
        )
        .with_header(hyper::header::WWW_AUTHENTICATE, SCHEME.challenge));
    };
    let lifetime = call.settings.token_lifetime_secs.max(1);
    let pair = desk.issue(&body.username, call.now_ms, lifetime);
    Ok(Reply::json(
        StatusCode::OK,
        json!({ "username": body.username, "token": pair.access_token }),
    )
    .with_header(
        hyper::header::SET_COOKIE,
        cookie(&pair.access_token, lifetime),
    ))
}

/// `POST /api/v1/logout/`: the token the request carries no longer works.
pub fn logout(_: &mut ApioState, call: &mut Call<'_>) -> Result<Reply, ApioError> {
    if let (Some(desk), Some(crate::engine::auth::Credentials::Token(t))) = (
        call.auth,
        crate::engine::auth::Credentials::from_headers(call.headers, &SCHEME),
    ) {
        desk.revoke(&t);
    }
    Ok(Reply::empty(StatusCode::NO_CONTENT).with_header(hyper::header::SET_COOKIE, cookie("", 0)))
}
