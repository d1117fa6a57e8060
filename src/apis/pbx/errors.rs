//! The PBX family's errors. Every answer has the vendor's shape
//! `{"errors":[{"code":"VALIDATE_FAILED","message":"field validation failed","detail":...}]}`,
//! with ALL_CAPS codes and `UNKNOWN` for anything without a code of its own.

use hyper::StatusCode;
use serde_json::{Value, json};

use crate::engine::family::IntoReply;
use crate::engine::problem::{Problem, ProblemKind};
use crate::engine::reply::Reply;

#[derive(Debug, Clone, PartialEq)]
pub enum PbxError {
    /// A problem the engine found in the request (a body the handler's type cannot hold).
    Request(Box<Problem>),
    /// 400 VALIDATE_FAILED: one or more fields are wrong; detail maps field → reason.
    Validation(Value),
    /// 400: numeric did_numbers entries overlap another provider's.
    DidNumbersOverlap { entry: String, provider: String },
    /// 404: no provider with this id (retrieve, update, status).
    NotFound(String),
    /// 400: destroy of an unknown id, worded as the vendor does.
    InvalidProviderId,
    /// 400: the session holds `max_providers` providers already (a setting of this fake).
    TooMany(usize),
}

impl PbxError {
    pub fn field(field: &str, reason: impl Into<String>) -> Self {
        let mut detail = serde_json::Map::new();
        detail.insert(field.to_string(), Value::String(reason.into()));
        PbxError::Validation(Value::Object(detail))
    }
}

/// The vendor's error document.
pub fn error_body(code: &str, message: &str, detail: Option<Value>) -> Value {
    let mut e = json!({ "code": code, "message": message });
    if let Some(d) = detail {
        e["detail"] = d;
    }
    json!({ "errors": [e] })
}

impl IntoReply for PbxError {
    fn into_reply(self) -> Reply {
        let (status, code, message, detail) = match self {
            PbxError::Request(p) => return render_problem(&p),
            PbxError::Validation(detail) => (
                StatusCode::BAD_REQUEST,
                "VALIDATE_FAILED",
                "field validation failed".to_string(),
                Some(detail),
            ),
            PbxError::DidNumbersOverlap { entry, provider } => (
                StatusCode::BAD_REQUEST,
                "DID_NUMBERS_OVERLAP",
                format!(
                    "DID/DDI number or range {entry} overlaps the numbers of provider {provider}"
                ),
                Some(json!({ "did_numbers": entry, "provider": provider })),
            ),
            PbxError::NotFound(id) => (
                StatusCode::NOT_FOUND,
                "NOT_FOUND",
                format!("Provider {id} not found."),
                None,
            ),
            PbxError::TooMany(max) => (
                StatusCode::BAD_REQUEST,
                "PROVIDER_LIMIT_REACHED",
                format!("No more than {max} providers can be created (setting max_providers)."),
                Some(json!({ "max_providers": max })),
            ),
            PbxError::InvalidProviderId => (
                StatusCode::BAD_REQUEST,
                "UNKNOWN",
                "Invalid provider ID supplied.".to_string(),
                None,
            ),
        };
        Reply::json(status, error_body(code, &message, detail))
    }
}

impl From<Problem> for PbxError {
    fn from(p: Problem) -> Self {
        Self::Request(Box::new(p))
    }
}

/// Renders an engine problem in the PBX shape.
pub fn render_problem(p: &Problem) -> Reply {
    let (code, message, detail) = match p.kind {
        ProblemKind::Validation | ProblemKind::UnsupportedMediaType => (
            "VALIDATE_FAILED".to_string(),
            "field validation failed".to_string(),
            Some(p.violations_object()),
        ),
        ProblemKind::MalformedJson => (
            "VALIDATE_FAILED".to_string(),
            "field validation failed".to_string(),
            Some(json!({ "body": p.message })),
        ),
        ProblemKind::RouteNotFound => ("NOT_FOUND".into(), p.message.clone(), None),
        ProblemKind::MethodNotAllowed => ("METHOD_NOT_ALLOWED".into(), p.message.clone(), None),
        ProblemKind::NotAcceptable => ("NOT_ACCEPTABLE".into(), p.message.clone(), None),
        ProblemKind::PayloadTooLarge => ("PAYLOAD_TOO_LARGE".into(), p.message.clone(), None),
        ProblemKind::TooManySessions => ("TOO_MANY_SESSIONS".into(), p.message.clone(), None),
        ProblemKind::Internal => ("UNKNOWN".into(), p.message.clone(), None),
        ProblemKind::Injected => (
            match &p.vendor_code {
                Some(Value::String(s)) => s.clone(),
                Some(other) => other.to_string(),
                // No code given (e.g. `Prefer: code=404`): the code this family uses for the status.
                None => match p.status.as_u16() {
                    400 => "VALIDATE_FAILED".into(),
                    404 => "NOT_FOUND".into(),
                    405 => "METHOD_NOT_ALLOWED".into(),
                    413 => "PAYLOAD_TOO_LARGE".into(),
                    _ => "UNKNOWN".into(),
                },
            },
            p.message.clone(),
            None,
        ),
    };
    Reply::json(p.status, error_body(&code, &message, detail))
}
