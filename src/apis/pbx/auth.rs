//! pbx sign-in: `POST /api/auth/sign_in` `{username, password, domain}` answers a Bearer
//! token with `expires_in`; `POST /api/auth/refresh` is trunkmock's design for the refresh
//! token. The vendor material names no permission scheme, so ours is small and written down:
//! a user's `roles` hold `admin` (everything) or `viewer` (reads only); `domain` is the one
//! the user signs in to.

use hyper::StatusCode;
use serde::Deserialize;
use serde_json::json;

use super::Call;
use super::errors::{PbxError, error_body};
use super::model::PbxState;
use crate::engine::auth::{AuthScheme, AuthUser, TokenPair};
use crate::engine::family::{StateError, VendorError};
use crate::engine::reply::Reply;

pub const SCHEME: AuthScheme = AuthScheme {
    challenge: "Bearer realm=\"pbx\"",
    bearer: true,
    basic: false,
    cookie: None,
    open_operations: &["pbx_sign_in", "pbx_refresh"],
};

/// The family's sign-in rules, as the engine asks for them.
pub static RULES: crate::engine::auth::AuthRules = crate::engine::auth::AuthRules {
    scheme: SCHEME,
    check_user,
    permits: |user, attempt| permits(user, attempt.operation_id),
};

const ROLES: &[&str] = &["admin", "viewer"];

pub fn check_user(user: &AuthUser) -> Result<(), StateError> {
    if user.domain.is_none() {
        return Err(StateError::new(
            "/domain",
            "a pbx user needs the domain it signs in to",
        ));
    }
    if user.roles.is_empty() {
        return Err(StateError::new(
            "/roles",
            "a pbx user needs a role: admin or viewer",
        ));
    }
    for (i, role) in user.roles.iter().enumerate() {
        if !ROLES.contains(&role.as_str()) {
            return Err(StateError::new(
                format!("/roles/{i}"),
                format!("unknown pbx role {role:?}: expected admin or viewer"),
            ));
        }
    }
    if user.level.is_some() || user.tenant.is_some() || user.group.is_some() {
        return Err(StateError::new(
            "",
            "a pbx user has username, password, domain and roles only",
        ));
    }
    Ok(())
}

/// A viewer reads; only an admin changes anything.
pub fn permits(user: &AuthUser, operation_id: &str) -> Result<(), String> {
    let reads = matches!(
        operation_id,
        "pbx_list_providers"
            | "pbx_get_provider"
            | "pbx_get_provider_status"
            | "pbx_export_providers"
    );
    if reads || user.roles.iter().any(|r| r == "admin") {
        Ok(())
    } else {
        Err(format!("{} may only read (role viewer)", user.username))
    }
}

/// The codes this family answers a refused call with, also for `Prefer: code=401|403`.
pub fn vendor_error(status: StatusCode) -> Option<VendorError> {
    let (code, message) = match status.as_u16() {
        401 => ("UNAUTHORIZED", "authentication required"),
        403 => ("FORBIDDEN", "permission denied"),
        _ => return None,
    };
    Some(VendorError {
        code: Some(json!(code)),
        message: message.into(),
    })
}

#[derive(Deserialize, Default)]
struct SignIn {
    username: String,
    password: String,
    domain: String,
}

#[derive(Deserialize, Default)]
struct Refresh {
    refresh_token: String,
}

fn failed(message: &str) -> Reply {
    Reply::json(
        StatusCode::UNAUTHORIZED,
        error_body("INVALID_CREDENTIALS", message, None),
    )
    .with_header(hyper::header::WWW_AUTHENTICATE, SCHEME.challenge)
}

fn tokens(pair: TokenPair) -> Reply {
    Reply::json(
        StatusCode::OK,
        json!({
            "token_type": "Bearer",
            "access_token": pair.access_token,
            "refresh_token": pair.refresh_token,
            "expires_in": pair.expires_in,
        }),
    )
}

/// `POST /api/auth/sign_in`.
pub fn sign_in(_: &mut PbxState, call: &mut Call<'_>) -> Result<Reply, PbxError> {
    let body: SignIn = call.body_as()?;
    let Some(desk) = call.auth else {
        return Ok(failed("sign-in is not available"));
    };
    let ok = desk
        .users
        .verify(&body.username, &body.password)
        .is_some_and(|u| u.domain.as_deref() == Some(body.domain.as_str()));
    if !ok {
        return Ok(failed("invalid username, password or domain"));
    }
    let lifetime = call.settings.token_lifetime_secs.max(1);
    Ok(tokens(desk.issue(&body.username, call.now_ms, lifetime)))
}

/// `POST /api/auth/refresh`: trunkmock's design, see the contract.
pub fn refresh(_: &mut PbxState, call: &mut Call<'_>) -> Result<Reply, PbxError> {
    let body: Refresh = call.body_as()?;
    let Some(desk) = call.auth else {
        return Ok(failed("sign-in is not available"));
    };
    let lifetime = call.settings.token_lifetime_secs.max(1);
    match desk.refresh(&body.refresh_token, call.now_ms, lifetime) {
        Ok(pair) => Ok(tokens(pair)),
        Err(p) => Ok(failed(p.message())),
    }
}
