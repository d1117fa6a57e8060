//! Errors the engine raises before (or around) a handler: no route, bad input, too large,
//! too many sessions, a panic, an injected fault. Each family renders a [`Problem`] in its own
//! error shape, so a client always meets the vendor's format.

use hyper::StatusCode;
use serde_json::Value;

/// What went wrong, independent of any family's wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemKind {
    /// No operation has this path.
    RouteNotFound,
    /// The path exists but not with this method.
    MethodNotAllowed,
    /// The body is not well-formed JSON.
    MalformedJson,
    /// The request's `Content-Type` is not one the operation accepts.
    UnsupportedMediaType,
    /// The client accepts no media type the operation can answer with.
    NotAcceptable,
    /// Parameters or body break the operation's schema.
    Validation,
    /// The body exceeds the configured limit.
    PayloadTooLarge,
    /// A new session would exceed `--max-sessions`.
    TooManySessions,
    /// A handler panicked or the engine failed.
    Internal,
    /// An error asked for by a fault rule or a `Prefer` header.
    Injected,
}

/// One field-level complaint: where (a JSON pointer into the body, or a parameter name) and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub location: Location,
    /// JSON pointer into the body (`/transport`), or the parameter's name.
    pub field: String,
    pub message: String,
}

/// Where a [`Violation`] was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    Body,
    Query,
    Path,
    Header,
}

impl Location {
    pub fn as_str(self) -> &'static str {
        match self {
            Location::Body => "body",
            Location::Query => "query",
            Location::Path => "path",
            Location::Header => "header",
        }
    }
}

impl Violation {
    pub fn body(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            location: Location::Body,
            field: pointer.into(),
            message: message.into(),
        }
    }

    pub fn query(name: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            location: Location::Query,
            field: name.into(),
            message: message.into(),
        }
    }

    pub fn path(name: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            location: Location::Path,
            field: name.into(),
            message: message.into(),
        }
    }

    /// The field as a client reads it: a body pointer without its leading slash and with
    /// `/` between levels turned into dots (`inbound_parameters.caller_num`); a parameter as is.
    pub fn field_name(&self) -> String {
        match self.location {
            Location::Body => {
                let f = self.field.trim_start_matches('/').replace('/', ".");
                if f.is_empty() { "body".to_string() } else { f }
            }
            _ => self.field.clone(),
        }
    }
}

/// An engine-level error, rendered by the family that owns the path.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// The status the engine suggests; a family may choose another (JSON:API answers 422 for
    /// validation failures where the others answer 400).
    pub status: StatusCode,
    pub kind: ProblemKind,
    pub message: String,
    pub violations: Vec<Violation>,
    /// A vendor code chosen by a fault rule (`3080`, `"VALIDATE_FAILED"`, ...).
    pub vendor_code: Option<Value>,
    /// Headers that belong to the problem (`Allow` for a 405).
    pub allow: Vec<String>,
}

impl Problem {
    pub fn new(status: StatusCode, kind: ProblemKind, message: impl Into<String>) -> Self {
        Self {
            status,
            kind,
            message: message.into(),
            violations: Vec::new(),
            vendor_code: None,
            allow: Vec::new(),
        }
    }

    pub fn route_not_found(method: &str, path: &str, hint: Option<&str>) -> Self {
        let mut message = format!("no operation answers {method} {path}");
        if let Some(h) = hint {
            message.push_str(": ");
            message.push_str(h);
        }
        Self::new(StatusCode::NOT_FOUND, ProblemKind::RouteNotFound, message)
    }

    pub fn method_not_allowed(method: &str, path: &str, allow: Vec<String>) -> Self {
        let mut p = Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            ProblemKind::MethodNotAllowed,
            format!(
                "{method} is not allowed on {path}; allowed: {}",
                allow.join(", ")
            ),
        );
        p.allow = allow;
        p
    }

    pub fn validation(violations: Vec<Violation>) -> Self {
        let summary = violations
            .iter()
            .map(|v| format!("{}: {}", v.field_name(), v.message))
            .collect::<Vec<_>>()
            .join("; ");
        let mut p = Self::new(
            StatusCode::BAD_REQUEST,
            ProblemKind::Validation,
            format!("request validation failed: {summary}"),
        );
        p.violations = violations;
        p
    }

    pub fn malformed_json(detail: impl std::fmt::Display) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            ProblemKind::MalformedJson,
            format!("request body is not valid JSON: {detail}"),
        )
    }

    /// A body in a media type the operation does not accept.
    pub fn unsupported_media_type(content_type: &str, accepted: &[String]) -> Self {
        let mut p = Self::new(
            StatusCode::BAD_REQUEST,
            ProblemKind::UnsupportedMediaType,
            format!(
                "Content-Type {content_type} is not accepted; send {}",
                accepted.join(" or ")
            ),
        );
        p.violations.push(Violation {
            location: Location::Header,
            field: "Content-Type".into(),
            message: format!("must be {}", accepted.join(" or ")),
        });
        p
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ProblemKind::Internal,
            message,
        )
    }

    /// The violations as a `{field: message}` object, the detail most shapes want.
    pub fn violations_object(&self) -> Value {
        let mut map = serde_json::Map::new();
        for v in &self.violations {
            map.entry(v.field_name())
                .or_insert_with(|| Value::String(v.message.clone()));
        }
        Value::Object(map)
    }
}
