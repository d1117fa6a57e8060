//! `GET /__admin/events` (the session's events, newest first, filtered by `family`, `type`,
//! `since`, `limit`) and `GET /__admin/events/stream` (the same, live, as Server-Sent Events).

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use hyper::StatusCode;
use hyper::body::{Body, Frame};
use serde_json::json;
use tokio::sync::broadcast;

use super::{error, ok};
use crate::engine::Engine;
use crate::engine::call::Pairs;
use crate::engine::events::{Event, EventQuery};
use crate::engine::reply::Reply;
use crate::engine::store::Session;

/// Whether a request asks for the live event stream (the server answers it with a body that
/// stays open, apart from the other admin calls).
pub fn is_stream(method: &hyper::Method, path: &str) -> bool {
    method == hyper::Method::GET && path.trim_end_matches('/') == "/__admin/events/stream"
}

fn query_of(query: &Pairs) -> Result<EventQuery, Reply> {
    let since = match query.get("since") {
        Some(s) => Some(s.parse::<u64>().map_err(|_| {
            error(
                StatusCode::BAD_REQUEST,
                "since must be an event seq (a whole number)",
            )
        })?),
        None => None,
    };
    Ok(EventQuery {
        family: query.get("family").map(str::to_string),
        kind: query.get("type").map(str::to_string),
        since,
    })
}

pub fn list(engine: &Engine, session: &Session, query: &Pairs) -> Reply {
    // Changes the clock has made by now are events too, even if no request came since.
    engine.note_clock(session);
    let q = match query_of(query) {
        Ok(q) => q,
        Err(r) => return r,
    };
    let limit = query
        .get("limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(usize::MAX);
    let events = session.events.list(&q, limit);
    let events: Vec<&Event> = events.iter().map(|e| e.as_ref()).collect();
    ok(json!({ "events": events, "count": events.len() }))
}

/// One receive in flight: the receiver travels with it and comes back with the result.
type Pending = Pin<
    Box<
        dyn std::future::Future<
                Output = (
                    broadcast::Receiver<Arc<Event>>,
                    Result<Arc<Event>, broadcast::error::RecvError>,
                ),
            > + Send,
    >,
>;

/// A live `text/event-stream` body: one `id:`/`event:`/`data:` block per event, from the
/// moment of subscription; a reader that falls too far behind gets a `lagged` comment.
pub struct EventStream {
    rx: broadcast::Receiver<Arc<Event>>,
    query: EventQuery,
    /// The pending receive, kept across polls.
    next: Option<Pending>,
    opened: bool,
}

impl EventStream {
    fn frame(e: &Event) -> Bytes {
        let data = serde_json::to_string(e).unwrap_or_default();
        let name = e.name.as_deref().unwrap_or(e.kind);
        Bytes::from(format!("id: {}\nevent: {name}\ndata: {data}\n\n", e.id))
    }
}

impl Body for EventStream {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = &mut *self;
        if !this.opened {
            // A first comment so the client sees the stream open before any event.
            this.opened = true;
            return Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(b": open\n\n")))));
        }
        loop {
            let fut = this.next.get_or_insert_with(|| {
                let mut rx = this.rx.resubscribe();
                // The receiver moves into the future and comes back with its result, so the
                // future is 'static and survives between polls.
                std::mem::swap(&mut rx, &mut this.rx);
                Box::pin(async move {
                    let r = rx.recv().await;
                    (rx, r)
                })
            });
            let (rx, result) = match fut.as_mut().poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(x) => x,
            };
            this.next = None;
            this.rx = rx;
            match result {
                Ok(e) if this.query.matches_event(&e) => {
                    return Poll::Ready(Some(Ok(Frame::data(Self::frame(&e)))));
                }
                Ok(_) => continue,
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    return Poll::Ready(Some(Ok(Frame::data(Bytes::from(format!(
                        ": lagged {n}\n\n"
                    ))))));
                }
                Err(broadcast::error::RecvError::Closed) => return Poll::Ready(None),
            }
        }
    }
}

/// `GET /__admin/events/stream`: the live body for the session the request names, after the
/// same admin-token check as every admin call.
pub fn open(engine: &Engine, parts: &hyper::http::request::Parts) -> Result<EventStream, Reply> {
    if let Some(token) = &engine.config.admin_token {
        let given = parts
            .headers
            .get(hyper::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        if given != Some(token.as_str()) {
            return Err(error(
                StatusCode::UNAUTHORIZED,
                "the admin API needs Authorization: Bearer <admin token>",
            ));
        }
    }
    let session = engine
        .session(crate::engine::http::session_name(&parts.headers))
        .map_err(|e| {
            error(
                StatusCode::TOO_MANY_REQUESTS,
                engine.describe_session_error(&e),
            )
        })?;
    let query = Pairs::parse_query(parts.uri.query().unwrap_or(""));
    Ok(EventStream {
        rx: session.events.subscribe(),
        query: query_of(&query)?,
        next: None,
        opened: false,
    })
}
