//! The delivery task of one session: takes events in order from the queue, applies the
//! delivery faults, POSTs to each receiver that wants the event and retries with a doubling
//! backoff. It ends when its session (the queue's sender) is gone.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::rt::TokioIo;
use tokio::sync::mpsc;

use super::faults::FaultAction;
use super::{Attempt, Receiver, Shared, sign};
use crate::engine::clock;
use crate::engine::events::Event;

/// How long one attempt may take, connection included.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a reordered event waits for a next one before it goes anyway.
const REORDER_WAIT_MS: u64 = 1000;

/// A tiny seeded generator for `probability` (xorshift64*): reproducible under `--seed`.
struct Draws(u64);

impl Draws {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
}

pub(super) async fn run(
    shared: Arc<Shared>,
    mut rx: mpsc::UnboundedReceiver<Arc<Event>>,
    seed: u64,
) {
    let mut draws = Draws(seed | 1);
    let mut held: Option<(Arc<Event>, u64)> = None;
    loop {
        let next = match &held {
            Some((_, wait)) => {
                match tokio::time::timeout(Duration::from_millis(*wait), rx.recv()).await {
                    Ok(e) => e,
                    Err(_) => {
                        // Nothing came after the held event: it goes now.
                        let (e, _) = held.take().expect("held");
                        deliver(&shared, &e, Some("reorder")).await;
                        continue;
                    }
                }
            }
            None => rx.recv().await,
        };
        let Some(event) = next else { break };
        let fault = {
            let mut faults = shared.faults.lock().unwrap_or_else(|e| e.into_inner());
            faults.iter_mut().find_map(|f| {
                f.decide(&event, draws.next())
                    .then_some((f.action, f.delay_ms))
            })
        };
        match fault {
            Some((FaultAction::Drop, _)) => {
                for r in receivers_for(&shared, &event) {
                    shared.record(attempt(
                        &event,
                        &r,
                        0,
                        "dropped",
                        None,
                        None,
                        Some("drop"),
                        Instant::now(),
                    ));
                }
            }
            Some((FaultAction::Delay, ms)) => {
                tokio::time::sleep(Duration::from_millis(ms.unwrap_or(0))).await;
                deliver(&shared, &event, Some("delay")).await;
            }
            Some((FaultAction::Duplicate, _)) => {
                deliver(&shared, &event, Some("duplicate")).await;
                deliver(&shared, &event, Some("duplicate")).await;
            }
            Some((FaultAction::Reorder, ms)) if held.is_none() => {
                held = Some((event, ms.unwrap_or(REORDER_WAIT_MS)));
                continue;
            }
            Some((FaultAction::AnswerLost, _)) => {
                for r in receivers_for(&shared, &event) {
                    let started = Instant::now();
                    let (status, error) = post(&r, &event).await;
                    shared.record(attempt(
                        &event,
                        &r,
                        1,
                        "answer_lost",
                        status,
                        error,
                        Some("answer_lost"),
                        started,
                    ));
                    send_with_retries(&shared, &r, &event, None, 2).await;
                }
            }
            _ => deliver(&shared, &event, None).await,
        }
        if let Some((e, _)) = held.take() {
            deliver(&shared, &e, Some("reorder")).await;
        }
    }
}

fn receivers_for(shared: &Shared, event: &Event) -> Vec<Receiver> {
    shared
        .receivers
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .filter(|r| r.wants(event))
        .cloned()
        .collect()
}

async fn deliver(shared: &Shared, event: &Event, fault: Option<&'static str>) {
    for r in receivers_for(shared, event) {
        send_with_retries(shared, &r, event, fault, 1).await;
    }
}

async fn send_with_retries(
    shared: &Shared,
    r: &Receiver,
    event: &Event,
    fault: Option<&'static str>,
    first: u32,
) {
    let mut backoff = r.backoff_ms;
    for n in first..=first + r.retries {
        let started = Instant::now();
        let (status, error) = post(r, event).await;
        let ok = status.is_some_and(|s| (200..300).contains(&s));
        let outcome = if ok { "delivered" } else { "failed" };
        shared.record(attempt(event, r, n, outcome, status, error, fault, started));
        if ok {
            return;
        }
        if n < first + r.retries {
            tokio::time::sleep(Duration::from_millis(backoff)).await;
            backoff = backoff.saturating_mul(2);
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn attempt(
    event: &Event,
    r: &Receiver,
    n: u32,
    outcome: &'static str,
    status: Option<u16>,
    error: Option<String>,
    fault: Option<&'static str>,
    started: Instant,
) -> Attempt {
    let wall = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    Attempt {
        event_id: event.id.to_string(),
        receiver: r.id.clone(),
        url: r.url.clone(),
        attempt: n,
        outcome,
        status,
        error,
        fault: fault.map(str::to_string),
        started: clock::rfc3339(wall),
        duration_ms: started.elapsed().as_secs_f64() * 1000.0,
    }
}

/// One POST: the event as JSON, its id and name in headers, signed when the receiver has a
/// secret. Returns the status, or why there was none.
async fn post(r: &Receiver, event: &Event) -> (Option<u16>, Option<String>) {
    match tokio::time::timeout(ATTEMPT_TIMEOUT, post_once(r, event)).await {
        Ok(Ok(status)) => (Some(status), None),
        Ok(Err(e)) => (None, Some(e)),
        Err(_) => (None, Some("timed out".into())),
    }
}

async fn post_once(r: &Receiver, event: &Event) -> Result<u16, String> {
    let uri: hyper::Uri = r.url.parse().map_err(|e| format!("bad url: {e}"))?;
    if uri.scheme_str() != Some("http") {
        return Err("only http:// receivers are supported".into());
    }
    let host = uri.host().ok_or("url has no host")?.to_string();
    let port = uri.port_u16().unwrap_or(80);
    let stream = tokio::net::TcpStream::connect((host.as_str(), port))
        .await
        .map_err(|e| e.to_string())?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| e.to_string())?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    let body = serde_json::to_vec(event).map_err(|e| e.to_string())?;
    let mut req = Request::post(uri.path_and_query().map(|p| p.as_str()).unwrap_or("/"))
        .header(
            hyper::header::HOST,
            uri.authority().map(|a| a.as_str()).unwrap_or(&host),
        )
        .header(hyper::header::CONTENT_TYPE, "application/json")
        .header("X-Trunkmock-Event-Id", event.id.to_string())
        .header(
            "X-Trunkmock-Event",
            event.name.as_deref().unwrap_or(event.kind),
        )
        .header("X-Trunkmock-Session", &*event.session);
    if let Some(secret) = &r.secret {
        req = req.header("X-Trunkmock-Signature", sign::signature(secret, &body));
    }
    let req = req
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| e.to_string())?;
    let resp = sender.send_request(req).await.map_err(|e| e.to_string())?;
    let status = resp.status().as_u16();
    // Read the answer through so the receiver sees a clean exchange.
    let _ = resp.into_body().collect().await;
    Ok(status)
}
