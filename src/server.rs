//! The listener: accepts TCP connections, serves HTTP/1.1 and HTTP/2 with hyper, and shuts down
//! gracefully: stop accepting, let open requests finish, give up after a deadline. Faults
//! that break the connection or slow the body are carried out here, by [`crate::wire`].

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Either};
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;

use crate::engine::Engine;
use crate::wire::{DribbleBody, FaultIo, ResponseBody, WireControl};

/// How long open connections get to finish after a shutdown signal.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(4);

/// Serves `engine` on `listener` until `shutdown` completes, then drains open connections.
pub async fn serve(
    engine: Arc<Engine>,
    listener: TcpListener,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let graceful = GracefulShutdown::new();
    let mut builder = auto::Builder::new(TokioExecutor::new());
    // A client that never finishes its request head is hung up on (HTTP/1.1).
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(engine.config.header_read_timeout);
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, _peer) = match accepted {
                    Ok(x) => x,
                    Err(e) => {
                        // Out of file descriptors and the like: wait a moment, keep serving.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(5)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let engine = engine.clone();
                let control = Arc::new(WireControl::default());
                let io = FaultIo::new(stream, control.clone());
                let service = service_fn(move |req| {
                    let engine = engine.clone();
                    let control = control.clone();
                    async move { Ok::<_, std::convert::Infallible>(respond(&engine, &control, req).await) }
                });
                let conn = builder.serve_connection(TokioIo::new(io), service).into_owned();
                let conn = graceful.watch(conn);
                tokio::spawn(async move {
                    let _ = conn.await;
                });
            }
            _ = &mut shutdown => break,
        }
    }
    drop(listener);
    tokio::select! {
        _ = graceful.shutdown() => tracing::info!("all connections closed"),
        _ = tokio::time::sleep(SHUTDOWN_GRACE) => tracing::warn!("shutdown grace period over; closing"),
    }
    // Shutdown hook: with --state-file, the sessions outlive the process.
    if let Some(path) = &engine.config.state_file {
        match crate::persist::save(&engine, path) {
            Ok(n) => tracing::info!(sessions = n, file = %path.display(), "state saved"),
            Err(e) => tracing::error!(error = %e, file = %path.display(), "cannot save the state"),
        }
    }
}

/// Answers one request, arming the connection's fault or dribbling the body when told to.
async fn respond(
    engine: &Arc<Engine>,
    control: &WireControl,
    req: hyper::Request<hyper::body::Incoming>,
) -> hyper::Response<ResponseBody> {
    // The admin API is never faulted, delayed or journaled: it is decided here, apart from
    // the API pipeline.
    if crate::admin::events::is_stream(req.method(), req.uri().path()) {
        let (parts, _) = req.into_parts();
        return match crate::admin::events::open(engine, &parts) {
            Ok(stream) => {
                let mut r = hyper::Response::new(Either::Right(Either::Right(stream)));
                let h = r.headers_mut();
                h.insert(
                    hyper::header::CONTENT_TYPE,
                    hyper::header::HeaderValue::from_static("text/event-stream"),
                );
                h.insert(
                    hyper::header::CACHE_CONTROL,
                    hyper::header::HeaderValue::from_static("no-cache"),
                );
                r
            }
            Err(reply) => crate::engine::http::to_response(reply).map(Either::Left),
        };
    }
    if crate::admin::is_admin_path(req.uri().path()) {
        return crate::admin::answer(engine, req).await.map(Either::Left);
    }
    let known = engine.existing_session(req.headers());
    let (response, delivery) = if engine.may_wait(req.headers(), known.as_deref()) {
        // A request that may be delayed runs in a task of its own: when its client gives up
        // waiting, hyper drops this future, but the request is still carried out and
        // journaled, as on a real slow server; only the answer is lost.
        let engine = engine.clone();
        match tokio::spawn(async move { engine.answer(req, known).await }).await {
            Ok(answer) => answer,
            Err(e) => {
                tracing::error!(error = %e, "request task failed");
                let mut r = hyper::Response::new(http_body_util::Full::new(bytes::Bytes::new()));
                *r.status_mut() = hyper::StatusCode::INTERNAL_SERVER_ERROR;
                (r, Default::default())
            }
        }
    } else {
        engine.answer(req, known).await
    };
    if let Some(fault) = delivery.wire {
        control.arm(fault);
    }
    match delivery.dribble {
        Some(spec) => {
            let (parts, body) = response.into_parts();
            let bytes = body
                .collect()
                .await
                .map(|c| c.to_bytes())
                .unwrap_or_default();
            hyper::Response::from_parts(
                parts,
                Either::Right(Either::Left(DribbleBody::new(bytes, spec))),
            )
        }
        None => response.map(Either::Left),
    }
}

/// A server running in the background of the current runtime (used by the tests).
pub struct Running {
    pub addr: SocketAddr,
    pub engine: Arc<Engine>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Running {
    /// Stops accepting and waits for the server to drain.
    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}

/// Binds `addr` (port 0 for an ephemeral port) and serves `engine` in a background task.
pub async fn spawn(engine: Arc<Engine>, addr: SocketAddr) -> std::io::Result<Running> {
    let listener = TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let (tx, rx) = tokio::sync::oneshot::channel();
    let task = tokio::spawn(serve(engine.clone(), listener, async {
        let _ = rx.await;
    }));
    Ok(Running {
        addr,
        engine,
        stop: Some(tx),
        task: Some(task),
    })
}

/// Completes on SIGINT or SIGTERM. The handlers are installed when this is called, not when
/// the future is first polled, so a signal that arrives right after start-up is never missed
/// (call it before announcing that the server listens).
pub fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let int = signal(SignalKind::interrupt()).ok();
        let term = signal(SignalKind::terminate()).ok();
        async move {
            let wait = |s: Option<tokio::signal::unix::Signal>| async move {
                match s {
                    Some(mut s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                _ = wait(int) => {},
                _ = wait(term) => {},
            }
            tracing::info!("shutdown signal received");
        }
    }
    #[cfg(not(unix))]
    async {
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutdown signal received");
    }
}
