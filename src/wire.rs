//! Faults below HTTP: a connection that breaks on purpose, and a body sent slowly.
//!
//! Each connection's socket is wrapped in a [`FaultIo`] sharing a [`WireControl`] with the
//! connection's service. When the engine answers a request with a [`WireFault`], the service
//! arms the control and hands hyper a placeholder response; the first write hyper then makes
//! is replaced by the fault: nothing (EMPTY_RESPONSE), a reset (SO_LINGER 0, then close),
//! or the fault's bytes followed by a close. The write fails, so hyper drops the connection.
//! On HTTP/2 the fault breaks the whole connection, every stream with it.

use std::collections::VecDeque;
use std::io;
use std::pin::Pin;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{Either, Full};
use hyper::body::{Body, Frame, SizeHint};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use crate::engine::faults::{DribbleSpec, WireFault, WireFaultKind};

/// The body type the server answers with: whole, or dribbled.
pub type ResponseBody = Either<Full<Bytes>, Either<DribbleBody, crate::admin::events::EventStream>>;

/// Shared between a connection's socket and its service: the fault to act on, if any.
#[derive(Default)]
pub struct WireControl {
    /// Checked on every write; the mutex is only touched once a fault is armed.
    armed: AtomicBool,
    fault: Mutex<Option<WireFault>>,
}

impl WireControl {
    pub fn arm(&self, fault: WireFault) {
        *self.fault.lock().unwrap_or_else(|e| e.into_inner()) = Some(fault);
        self.armed.store(true, Ordering::Release);
    }
}

/// What the socket is doing about an armed fault.
enum Breaking {
    /// Writing the fault's bytes; `usize` of them are out.
    Sending(Bytes, usize),
    /// Bytes out (or none to send); close the write side, then fail.
    Closing,
    /// Done: every later write fails.
    Broken,
}

/// A TCP stream that can break on cue.
pub struct FaultIo {
    stream: TcpStream,
    control: std::sync::Arc<WireControl>,
    breaking: Option<Breaking>,
}

impl FaultIo {
    pub fn new(stream: TcpStream, control: std::sync::Arc<WireControl>) -> Self {
        Self {
            stream,
            control,
            breaking: None,
        }
    }

    fn broken() -> io::Error {
        io::Error::new(
            io::ErrorKind::ConnectionAborted,
            "connection broken by a fault rule",
        )
    }

    /// Drives an armed fault; `Ready(Err)` once the connection is broken.
    fn poll_break(&mut self, cx: &mut Context<'_>) -> Poll<io::Error> {
        if self.breaking.is_none() {
            let fault = self
                .control
                .fault
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take();
            self.breaking = Some(match fault {
                Some(f) if f.kind == WireFaultKind::ConnectionResetByPeer => {
                    // Closing a socket with a zero linger sends RST instead of FIN. The
                    // socket is non-blocking, so the close never waits.
                    let _ = self.stream.set_zero_linger();
                    Breaking::Broken
                }
                Some(f) if !f.bytes.is_empty() => Breaking::Sending(f.bytes, 0),
                _ => Breaking::Closing,
            });
        }
        loop {
            match self.breaking.take().unwrap_or(Breaking::Broken) {
                Breaking::Sending(bytes, done) => {
                    match Pin::new(&mut self.stream).poll_write(cx, &bytes[done..]) {
                        Poll::Pending => {
                            self.breaking = Some(Breaking::Sending(bytes, done));
                            return Poll::Pending;
                        }
                        Poll::Ready(Ok(n)) if n > 0 && done + n < bytes.len() => {
                            self.breaking = Some(Breaking::Sending(bytes, done + n));
                        }
                        Poll::Ready(Ok(n)) if n > 0 => self.breaking = Some(Breaking::Closing),
                        _ => self.breaking = Some(Breaking::Broken),
                    }
                }
                Breaking::Closing => match Pin::new(&mut self.stream).poll_shutdown(cx) {
                    Poll::Pending => {
                        self.breaking = Some(Breaking::Closing);
                        return Poll::Pending;
                    }
                    Poll::Ready(_) => self.breaking = Some(Breaking::Broken),
                },
                Breaking::Broken => {
                    self.breaking = Some(Breaking::Broken);
                    return Poll::Ready(Self::broken());
                }
            }
        }
    }

    fn faulted(&self) -> bool {
        self.breaking.is_some() || self.control.armed.load(Ordering::Acquire)
    }
}

impl AsyncRead for FaultIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if matches!(self.breaking, Some(Breaking::Broken)) {
            return Poll::Ready(Err(Self::broken()));
        }
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for FaultIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.faulted() {
            return Poll::Ready(Err(ready!(self.poll_break(cx))));
        }
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if self.faulted() {
            return Poll::Ready(Err(ready!(self.poll_break(cx))));
        }
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.faulted() {
            return Poll::Ready(Err(ready!(self.poll_break(cx))));
        }
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.faulted() {
            return Poll::Ready(Err(ready!(self.poll_break(cx))));
        }
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

/// A body sent in `chunks` pieces spread evenly over `total_ms`: each piece waits its share
/// of the time before it goes out. Its length is known, so the client sees a
/// `content-length` and waits for every byte.
pub struct DribbleBody {
    chunks: VecDeque<Bytes>,
    interval: Duration,
    sleep: Option<Pin<Box<tokio::time::Sleep>>>,
    remaining: u64,
}

impl DribbleBody {
    pub fn new(body: Bytes, spec: DribbleSpec) -> Self {
        let n = (spec.chunks.max(1) as usize).min(body.len().max(1));
        let size = body.len().div_ceil(n).max(1);
        let mut chunks = VecDeque::with_capacity(n);
        let mut rest = body.clone();
        while !rest.is_empty() {
            let take = size.min(rest.len());
            chunks.push_back(rest.split_to(take));
        }
        let interval = Duration::from_millis(spec.total_ms) / (chunks.len().max(1) as u32);
        Self {
            chunks,
            interval,
            sleep: None,
            remaining: body.len() as u64,
        }
    }
}

impl Body for DribbleBody {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if self.chunks.is_empty() {
            return Poll::Ready(None);
        }
        let interval = self.interval;
        let sleep = self
            .sleep
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(interval)));
        ready!(sleep.as_mut().poll(cx));
        self.sleep = None;
        let chunk = self.chunks.pop_front().unwrap_or_default();
        self.remaining -= chunk.len() as u64;
        Poll::Ready(Some(Ok(Frame::data(chunk))))
    }

    fn is_end_stream(&self) -> bool {
        self.chunks.is_empty()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining)
    }
}
