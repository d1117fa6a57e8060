//! Over 400 lines: about 90 are unit tests; the code is the one list of JSON:API errors.
//! The operator family's errors as JSON:API error objects:
//! `{"errors":[{"status":"422","code":"...","title":"...","detail":"...","source":{...}}]}`.
//! Body problems point at the member (`source.pointer`), query problems name the parameter
//! (`source.parameter`).

use hyper::StatusCode;
use hyper::header::ALLOW;
use serde_json::{Map, Value, json};

use super::jsonapi::MEDIA_TYPE;
use crate::engine::family::IntoReply;
use crate::engine::problem::{Location, Problem, ProblemKind};
use crate::engine::reply::Reply;

/// Where an error object says the problem is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A JSON pointer into the request document (`/data/attributes/codecs`).
    Pointer(String),
    /// A query parameter's name (`sort`).
    Parameter(String),
}

/// One JSON:API error object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorObject {
    pub status: StatusCode,
    pub code: String,
    pub title: String,
    pub detail: String,
    pub source: Option<Source>,
}

impl ErrorObject {
    pub fn new(status: StatusCode, code: &str, title: &str, detail: impl Into<String>) -> Self {
        Self {
            status,
            code: code.to_string(),
            title: title.to_string(),
            detail: detail.into(),
            source: None,
        }
    }

    pub fn at(mut self, source: Source) -> Self {
        self.source = Some(source);
        self
    }

    pub fn to_json(&self) -> Value {
        let mut e = Map::new();
        e.insert("status".into(), json!(self.status.as_str()));
        e.insert("code".into(), json!(self.code));
        e.insert("title".into(), json!(self.title));
        e.insert("detail".into(), json!(self.detail));
        match &self.source {
            Some(Source::Pointer(p)) => {
                e.insert("source".into(), json!({ "pointer": p }));
            }
            Some(Source::Parameter(p)) => {
                e.insert("source".into(), json!({ "parameter": p }));
            }
            None => {}
        }
        Value::Object(e)
    }
}

/// An error document with its status. Several errors answer the most general status that
/// covers them (400 for a mix of 4xx), as JSON:API asks.
pub fn error_reply(errors: &[ErrorObject]) -> Reply {
    let status = match errors {
        [] => StatusCode::INTERNAL_SERVER_ERROR,
        [first, rest @ ..] if rest.iter().all(|e| e.status == first.status) => first.status,
        all if all.iter().all(|e| e.status.is_client_error()) => StatusCode::BAD_REQUEST,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    let body = json!({ "errors": errors.iter().map(ErrorObject::to_json).collect::<Vec<_>>() });
    Reply::json_as(status, body, MEDIA_TYPE)
}

/// One problem with the query string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryIssue {
    pub parameter: String,
    pub code: &'static str,
    pub title: &'static str,
    pub detail: String,
}

impl QueryIssue {
    pub fn new(parameter: &str, code: &'static str, title: &'static str, detail: String) -> Self {
        Self {
            parameter: parameter.to_string(),
            code,
            title,
            detail,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum OperatorError {
    /// A problem the engine found in the request (a body the handler's type cannot hold).
    Request(Box<Problem>),
    /// 404: no resource of this type with this id.
    NotFound { ty: &'static str, id: String },
    /// 404: a relationship names a resource that does not exist.
    RelatedNotFound {
        ty: &'static str,
        id: String,
        pointer: String,
    },
    /// 403: `data.id` in a create request of a type whose ids the server generates.
    ClientGeneratedId { ty: &'static str },
    /// 409: `data.type` is not the endpoint's type.
    TypeMismatch { expected: &'static str, got: String },
    /// 409: `data.id` differs from the URL's id.
    IdMismatch { url: String, body: String },
    /// 409: a client-supplied id that is already taken.
    IdTaken { ty: &'static str, id: String },
    /// 403: a relationship that cannot be changed after creation.
    RelationshipNotUpdatable { name: &'static str },
    /// 422: a server-generated attribute sent with another value.
    ReadOnlyAttribute { name: &'static str },
    /// 409: a customer that still owns incoming trunks.
    CustomerHasTrunks { id: String, count: usize },
    /// 403: the session already holds the configured maximum of this type.
    LimitReached { ty: &'static str, limit: usize },
    /// 400: unsupported query parameters, fields, sorts, includes or filters.
    BadQuery(Vec<QueryIssue>),
}

impl OperatorError {
    pub fn objects(&self) -> Vec<ErrorObject> {
        use OperatorError::*;
        let one = |e: ErrorObject| vec![e];
        match self {
            Request(p) => problem_objects(p),
            NotFound { ty, id } => one(ErrorObject::new(
                StatusCode::NOT_FOUND,
                "record_not_found",
                "Record not found",
                format!("The record identified by {id} could not be found in {ty}."),
            )),
            RelatedNotFound { ty, id, pointer } => one(ErrorObject::new(
                StatusCode::NOT_FOUND,
                "related_record_not_found",
                "Related record not found",
                format!("The related record identified by {id} could not be found in {ty}."),
            )
            .at(Source::Pointer(pointer.clone()))),
            ClientGeneratedId { ty } => one(ErrorObject::new(
                StatusCode::FORBIDDEN,
                "client_generated_id",
                "Client generated ids are not supported",
                format!("The server generates the ids of {ty}; send the resource without data.id."),
            )
            .at(Source::Pointer("/data/id".into()))),
            TypeMismatch { expected, got } => one(ErrorObject::new(
                StatusCode::CONFLICT,
                "type_mismatch",
                "Type mismatch",
                format!("{got} is not a valid type for this operation; expected {expected}."),
            )
            .at(Source::Pointer("/data/type".into()))),
            IdMismatch { url, body } => one(ErrorObject::new(
                StatusCode::CONFLICT,
                "key_not_included_in_url",
                "Key is not included in URL",
                format!("The id {body} in the document does not match the id {url} in the URL."),
            )
            .at(Source::Pointer("/data/id".into()))),
            IdTaken { ty, id } => one(ErrorObject::new(
                StatusCode::CONFLICT,
                "id_taken",
                "Resource already exists",
                format!("A resource of {ty} with id {id} already exists."),
            )
            .at(Source::Pointer("/data/id".into()))),
            RelationshipNotUpdatable { name } => one(ErrorObject::new(
                StatusCode::FORBIDDEN,
                "relationship_not_updatable",
                "Relationship is not updatable",
                format!("The {name} relationship cannot be changed after creation."),
            )
            .at(Source::Pointer(format!("/data/relationships/{name}")))),
            ReadOnlyAttribute { name } => one(ErrorObject::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "read_only_attribute",
                "Attribute is read-only",
                format!("{name} is generated by the server and cannot be set."),
            )
            .at(Source::Pointer(format!("/data/attributes/{name}")))),
            CustomerHasTrunks { id, count } => one(ErrorObject::new(
                StatusCode::CONFLICT,
                "customer_has_incoming_trunks",
                "Customer still has incoming trunks",
                format!("Customer {id} still has {count} incoming trunk(s); delete them first."),
            )),
            LimitReached { ty, limit } => one(ErrorObject::new(
                StatusCode::FORBIDDEN,
                "resource_limit_reached",
                "Resource limit reached",
                format!(
                    "This session already holds {limit} {ty} (setting operator.max_resources)."
                ),
            )),
            BadQuery(issues) => issues
                .iter()
                .map(|i| {
                    ErrorObject::new(StatusCode::BAD_REQUEST, i.code, i.title, i.detail.clone())
                        .at(Source::Parameter(i.parameter.clone()))
                })
                .collect(),
        }
    }
}

impl IntoReply for OperatorError {
    fn into_reply(self) -> Reply {
        error_reply(&self.objects())
    }
}

/// The error object of one body violation, pointing at the member (the engine names an
/// unexpected or missing member itself, not its parent).
fn body_errors(pointer: &str, message: &str) -> Vec<ErrorObject> {
    let field = pointer.trim_start_matches('/').replace('/', ".");
    let field = if field.is_empty() {
        "document".to_string()
    } else {
        field.replace("~1", "/").replace("~0", "~")
    };
    vec![
        ErrorObject::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_error",
            "Validation error",
            format!("{field}: {message}"),
        )
        .at(Source::Pointer(pointer.to_string())),
    ]
}

impl From<Problem> for OperatorError {
    fn from(p: Problem) -> Self {
        Self::Request(Box::new(p))
    }
}

/// Renders an engine problem as JSON:API errors.
pub fn render_problem(p: &Problem) -> Reply {
    let errors = problem_objects(p);
    let mut reply = error_reply(&errors);
    if p.kind == ProblemKind::Injected {
        // An injected fault keeps the status the rule asked for, whatever its errors say.
        reply.status = p.status;
    }
    if !p.allow.is_empty() {
        reply = reply.with_header(ALLOW, p.allow.join(", "));
    }
    reply
}

/// An engine problem's JSON:API error objects.
fn problem_objects(p: &Problem) -> Vec<ErrorObject> {
    let simple = |status: StatusCode, code: &str, title: &str| {
        vec![ErrorObject::new(status, code, title, p.message.clone())]
    };
    let errors = match p.kind {
        ProblemKind::Validation => p
            .violations
            .iter()
            .flat_map(|v| match v.location {
                // JSON:API answers 422 for a document that breaks the schema ...
                Location::Body => body_errors(&v.field, &v.message),
                // ... and 400 for a query parameter it cannot use.
                _ => vec![
                    ErrorObject::new(
                        StatusCode::BAD_REQUEST,
                        "invalid_parameter_value",
                        "Invalid parameter value",
                        format!("{}: {}", v.field, v.message),
                    )
                    .at(Source::Parameter(v.field.clone())),
                ],
            })
            .collect(),
        ProblemKind::RouteNotFound => {
            simple(StatusCode::NOT_FOUND, "route_not_found", "Route not found")
        }
        ProblemKind::MethodNotAllowed => simple(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "Method not allowed",
        ),
        ProblemKind::MalformedJson => {
            simple(StatusCode::BAD_REQUEST, "malformed_json", "Malformed JSON")
        }
        ProblemKind::UnsupportedMediaType => simple(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Unsupported media type",
        ),
        ProblemKind::NotAcceptable => simple(
            StatusCode::NOT_ACCEPTABLE,
            "not_acceptable",
            "Not acceptable",
        ),
        ProblemKind::PayloadTooLarge => simple(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "Payload too large",
        ),
        ProblemKind::TooManySessions => simple(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_sessions",
            "Too many sessions",
        ),
        ProblemKind::Internal => simple(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_server_error",
            "Internal server error",
        ),
        ProblemKind::Injected => {
            let code = match &p.vendor_code {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Null) | None => p.status.as_str().to_string(),
                Some(other) => other.to_string(),
            };
            // A vendor code the family answers itself keeps that answer's title.
            let title = match code.as_str() {
                "record_not_found" => "Record not found",
                _ => p.status.canonical_reason().unwrap_or("Error"),
            };
            vec![ErrorObject::new(p.status, &code, title, p.message.clone())]
        }
    };
    if errors.is_empty() {
        // A validation problem without violations still needs one error object.
        vec![ErrorObject::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_error",
            "Validation error",
            p.message.clone(),
        )]
    } else {
        errors
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::problem::Violation;

    fn body(reply: &Reply) -> Value {
        reply.json_body().cloned().unwrap_or(Value::Null)
    }

    #[test]
    fn an_injected_fault_keeps_its_status_and_gives_its_code_as_a_string() {
        let mut p = Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ProblemKind::Injected,
            "maintenance",
        );
        p.vendor_code = Some(json!(4711));
        let reply = render_problem(&p);
        assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            body(&reply),
            json!({"errors": [{"status": "503", "code": "4711", "title": "Service Unavailable", "detail": "maintenance"}]})
        );
        assert_eq!(reply.headers.get("content-type").unwrap(), MEDIA_TYPE);
    }

    #[test]
    fn body_violations_are_422_with_pointers_and_query_ones_400_with_parameters() {
        let body_only = render_problem(&Problem::validation(vec![Violation::body(
            "/data/type",
            "is required",
        )]));
        let mixed = render_problem(&Problem::validation(vec![
            Violation::body("/data/type", "is required"),
            Violation::query("page[size]", "must be at least 1"),
        ]));
        assert_eq!(body_only.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            body(&body_only)["errors"][0]["source"],
            json!({"pointer": "/data/type"})
        );
        // Mixed 4xx errors answer the most general status, 400, each error keeping its own.
        assert_eq!(mixed.status, StatusCode::BAD_REQUEST);
        assert_eq!(body(&mixed)["errors"][0]["status"], "422");
        assert_eq!(
            body(&mixed)["errors"][1]["source"],
            json!({"parameter": "page[size]"})
        );
    }

    #[test]
    fn a_body_error_points_at_its_member_and_names_it_unescaped() {
        let objects = body_errors("/data/attributes/a~1b", "is not a documented field");
        assert_eq!(
            objects[0].source,
            Some(Source::Pointer("/data/attributes/a~1b".into()))
        );
        assert_eq!(
            objects[0].detail,
            "data.attributes.a/b: is not a documented field"
        );
        let other = body_errors("/data/type", "is required");
        assert_eq!(other[0].source, Some(Source::Pointer("/data/type".into())));
        assert_eq!(other[0].detail, "data.type: is required");
    }

    #[test]
    fn every_engine_problem_renders_as_json_api_errors_with_its_status() {
        for (kind, status) in [
            (ProblemKind::RouteNotFound, 404),
            (ProblemKind::MethodNotAllowed, 405),
            (ProblemKind::MalformedJson, 400),
            (ProblemKind::UnsupportedMediaType, 415),
            (ProblemKind::NotAcceptable, 406),
            (ProblemKind::Validation, 422),
            (ProblemKind::PayloadTooLarge, 413),
            (ProblemKind::TooManySessions, 429),
            (ProblemKind::Internal, 500),
        ] {
            let reply = render_problem(&Problem::new(StatusCode::BAD_REQUEST, kind, "x"));
            assert_eq!(reply.status.as_u16(), status, "{kind:?}");
            assert_eq!(
                body(&reply)["errors"][0]["status"],
                status.to_string(),
                "{kind:?}"
            );
        }
    }
}
