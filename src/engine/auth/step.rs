//! The pipeline's auth step, between routing and the fault step: who is calling, whether the
//! family's mode lets them, and whether their permissions cover the operation. A refusal is a
//! 401 (with `WWW-Authenticate`) or a 403 in the family's own error shape, rendered like an
//! injected error so it looks exactly like `Prefer: code=401|403`.

use bytes::Bytes;
use hyper::StatusCode;
use hyper::header::WWW_AUTHENTICATE;
use serde_json::Value;

use super::{AuthDesk, AuthMode, AuthSection, Credentials, FamilyUsers};
use crate::engine::Engine;
use crate::engine::call::Pairs;
use crate::engine::problem::{Problem, ProblemKind};
use crate::engine::reply::Reply;
use crate::engine::store::Session;

/// The parts of a routed request the auth step reads.
pub struct AuthRequest<'a> {
    pub headers: &'a hyper::HeaderMap,
    pub path_params: &'a Pairs,
    pub query: &'a Pairs,
    pub raw: &'a Bytes,
    pub now_ms: i64,
}

impl Engine {
    /// The mode in force for `family` in `session`: `--auth` when given, else the family's
    /// `auth_mode` setting (a broken value was refused when the scenario loaded).
    pub fn auth_mode(&self, session: &Session, family: usize) -> AuthMode {
        if let Some(mode) = self.config.auth {
            return mode;
        }
        let settings = session.settings();
        settings
            .raw
            .0
            .get(self.families[family].name())
            .and_then(|v| v.get("auth_mode"))
            .and_then(|v| serde_json::from_value(v.clone()).ok())
            .unwrap_or_default()
    }

    /// Whether an operation is one of its family's sign-in operations (open to all, and its
    /// body holds secrets the journal must not keep).
    pub fn is_sign_in(&self, operation: usize) -> bool {
        let family = self.targets[operation].family;
        let id = &self.contracts.operations[operation].operation_id;
        self.families[family]
            .auth_scheme()
            .is_some_and(|s| s.open_operations.contains(&&**id))
    }

    /// What a family's handlers may reach of sign-in: `None` for a family without a scheme.
    pub fn auth_desk<'a>(
        &self,
        session: &'a Session,
        family: usize,
        users: &'a AuthSection,
    ) -> Option<AuthDesk<'a>> {
        static NOBODY: std::sync::LazyLock<FamilyUsers> =
            std::sync::LazyLock::new(FamilyUsers::default);
        let f = &self.families[family];
        f.auth_scheme()?;
        Some(AuthDesk {
            family: f.name(),
            users: users.get(f.name()).unwrap_or(&NOBODY),
            tokens: &session.auth.tokens,
        })
    }

    /// The auth step: `Ok(user)` to go on (`None`: anonymous), `Err` with the 401 or 403.
    pub(crate) fn authenticate_request(
        &self,
        session: &Session,
        operation: usize,
        request: &AuthRequest<'_>,
    ) -> Result<Option<String>, Reply> {
        let family = self.targets[operation].family;
        let fam = &self.families[family];
        let Some(scheme) = fam.auth_scheme() else {
            return Ok(None);
        };
        let op_id = self.contracts.operations[operation].operation_id.as_ref();
        let mode = self.auth_mode(session, family);
        if mode == AuthMode::Off || scheme.open_operations.contains(&op_id) {
            return Ok(None);
        }
        let users = session.auth.users();
        let nobody = FamilyUsers::default();
        let users = users.get(fam.name()).unwrap_or(&nobody);
        let refuse = |status: StatusCode, message: &str| {
            let vendor = fam.vendor_error(op_id, status, None, request.path_params);
            // The 403 keeps the vendor's documented wording when it has one; the 401 says
            // what was wrong with the credentials, which a client author needs most.
            let message = match (&vendor, status) {
                (Some(v), StatusCode::FORBIDDEN) => format!("{}: {message}", v.message),
                _ => message.to_string(),
            };
            let mut p = Problem::new(status, ProblemKind::Injected, message);
            p.vendor_code = vendor.and_then(|v| v.code);
            let reply = fam.render_problem(&p).with_problem(&p.message);
            if status == StatusCode::UNAUTHORIZED {
                reply.with_header(WWW_AUTHENTICATE, scheme.challenge)
            } else {
                reply
            }
        };
        let unauthorized = |m: &str| Err(refuse(StatusCode::UNAUTHORIZED, m));
        let (user, who) = match Credentials::from_headers(request.headers, &scheme) {
            None if mode == AuthMode::Required => {
                return unauthorized("credentials are required");
            }
            None => match users.seeded_admin() {
                Some(u) => (u, None),
                None => return Ok(None),
            },
            Some(Credentials::Unreadable(why)) => return unauthorized(&why),
            Some(Credentials::Token(token)) => {
                match session
                    .auth
                    .tokens
                    .user_of(fam.name(), &token, request.now_ms)
                {
                    Ok(name) => match users.find(&name) {
                        Some(u) => (u, Some(name)),
                        None => return unauthorized("the token's user no longer exists"),
                    },
                    Err(p) => return unauthorized(p.message()),
                }
            }
            Some(Credentials::Basic { username, password }) => {
                match users.verify(&username, &password) {
                    Some(u) => (u, Some(username)),
                    None => return unauthorized("unknown user or wrong password"),
                }
            }
        };
        let attempt = super::Attempt {
            operation_id: op_id,
            path_params: request.path_params,
            query: request.query,
            body: request.raw,
        };
        match fam.permits(user, &attempt) {
            Ok(()) => Ok(who),
            Err(why) => Err(refuse(StatusCode::FORBIDDEN, &why)),
        }
    }
}

/// An `Authorization` or `Cookie` value as the journal keeps it: the scheme (or the cookie
/// names), never the secret.
pub fn redact_header(value: &[u8]) -> String {
    let text = String::from_utf8_lossy(value);
    if let Some((scheme, _)) = text.split_once(' ')
        && !scheme.contains('=')
    {
        return format!("{scheme} <redacted>");
    }
    text.split(';')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) => format!("{}=<redacted>", name.trim()),
            None => "<redacted>".to_string(),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// A sign-in body (asked or answered) as the journal keeps it: every `password` and token
/// value masked, at any depth.
pub fn redact_secrets(raw: &Bytes) -> Bytes {
    let Ok(mut v) = serde_json::from_slice::<Value>(raw) else {
        return if raw.is_empty() {
            raw.clone()
        } else {
            Bytes::from_static(b"<redacted>")
        };
    };
    mask(&mut v);
    Bytes::from(serde_json::to_vec(&v).unwrap_or_default())
}

fn mask(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for (k, value) in map.iter_mut() {
                if k.contains("password") || k.contains("token") {
                    *value = Value::String("<redacted>".into());
                } else {
                    mask(value);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(mask),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_masked() {
        assert_eq!(redact_header(b"Bearer abc"), "Bearer <redacted>");
        assert_eq!(
            redact_header(b"a=1; sessionid=x"),
            "a=<redacted>; sessionid=<redacted>"
        );
        let body = redact_secrets(&Bytes::from_static(br#"{"username":"u","password":"p"}"#));
        assert_eq!(&body[..], br#"{"username":"u","password":"<redacted>"}"#);
        let answer = redact_secrets(&Bytes::from_static(br#"{"data":[{"access_token":"t"}]}"#));
        assert_eq!(&answer[..], br#"{"data":[{"access_token":"<redacted>"}]}"#);
    }
}
