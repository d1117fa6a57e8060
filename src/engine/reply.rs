//! What a handler (or the engine) answers: a status, headers and a body, independent of hyper.

use bytes::Bytes;
use hyper::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use hyper::{HeaderMap, StatusCode};
use serde_json::Value;

/// The body of a [`Reply`].
#[derive(Debug, Clone)]
pub enum ReplyBody {
    /// No body at all (204, or a 200 that the vendor documents as empty).
    Empty,
    /// A JSON document, serialised with the reply's content type.
    Json(Value),
    /// Raw bytes (e.g. a file download) with their own content type.
    Bytes(Bytes),
}

/// A complete answer to one request.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: ReplyBody,
    /// The engine problem this reply renders (validation, auth, contract), for the journal's
    /// `problem`; never sent to the client.
    pub problem: Option<Box<str>>,
}

impl Reply {
    /// A JSON body with `application/json`.
    pub fn json(status: StatusCode, body: Value) -> Self {
        Self::json_as(status, body, "application/json")
    }

    /// A JSON body with another JSON media type (e.g. `application/vnd.api+json`).
    pub fn json_as(status: StatusCode, body: Value, content_type: &'static str) -> Self {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        Self {
            status,
            headers,
            body: ReplyBody::Json(body),
            problem: None,
        }
    }

    /// A JSON body serialised straight from a Rust value: no intermediate `Value` tree, which
    /// keeps large or frequent answers (lists) cheap.
    pub fn json_of<T: serde::Serialize + ?Sized>(status: StatusCode, body: &T) -> Self {
        match serde_json::to_vec(body) {
            Ok(bytes) => Self::bytes(status, "application/json", bytes),
            Err(e) => Self::json(
                StatusCode::INTERNAL_SERVER_ERROR,
                serde_json::json!({ "error": format!("cannot serialise the answer: {e}") }),
            ),
        }
    }

    /// No body; no content type.
    pub fn empty(status: StatusCode) -> Self {
        Self {
            status,
            headers: HeaderMap::new(),
            body: ReplyBody::Empty,
            problem: None,
        }
    }

    /// Raw bytes with the given content type.
    pub fn bytes(status: StatusCode, content_type: &'static str, bytes: impl Into<Bytes>) -> Self {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        Self {
            status,
            headers,
            body: ReplyBody::Bytes(bytes.into()),
            problem: None,
        }
    }

    /// Adds (or replaces) a header. Values that are not valid header values are dropped.
    pub fn with_header(mut self, name: HeaderName, value: impl AsRef<str>) -> Self {
        if let Ok(v) = HeaderValue::from_str(value.as_ref()) {
            self.headers.insert(name, v);
        }
        self
    }

    /// Notes the engine problem this reply renders (see [`Reply::problem`]).
    pub fn with_problem(mut self, message: &str) -> Self {
        self.problem = Some(message.into());
        self
    }

    /// Serialises a JSON body once, so the journal and the wire share the same bytes. Hands
    /// back the tree it replaced, for a caller that keeps it (the event step).
    pub fn serialize_body(&mut self) -> Option<Value> {
        if let ReplyBody::Json(_) = self.body {
            let bytes = ReplyBody::Bytes(self.body_bytes());
            if let ReplyBody::Json(v) = std::mem::replace(&mut self.body, bytes) {
                return Some(v);
            }
        }
        None
    }

    /// The JSON body, if the reply has one.
    pub fn json_body(&self) -> Option<&Value> {
        match &self.body {
            ReplyBody::Json(v) => Some(v),
            _ => None,
        }
    }

    /// Serialises the body to bytes (empty for [`ReplyBody::Empty`]).
    pub fn body_bytes(&self) -> Bytes {
        match &self.body {
            ReplyBody::Empty => Bytes::new(),
            ReplyBody::Json(v) => {
                let mut text = serde_json::to_vec(v).unwrap_or_default();
                // Exactly its length: events keep these bytes, and `Bytes` then needs no
                // second allocation to remember a spare capacity.
                text.shrink_to_fit();
                Bytes::from(text)
            }
            ReplyBody::Bytes(b) => b.clone(),
        }
    }
}
