//! Log output of `trunkmock serve`: tracing's lines and the per-request line, written to
//! stdout by one background thread in batches.
//!
//! Why not tracing-subscriber's writer alone: it writes each line to stdout under the stdout
//! lock, one system call per request, and a slow reader (a CI log collector) then stalls every
//! worker. The request line is also the hottest log call: formatted through tracing's field
//! visitors it cost about 9 700 instructions, a fifth of a GET (callgrind). So request lines are
//! written here by hand in the same text and JSON shapes, every line goes through one bounded
//! queue, and the writer flushes whenever the queue runs empty. A full queue drops lines
//! (counted in [`dropped_lines`]) rather than slow requests down.
//!
//! Without [`install`] (trunkmock used as a library), request lines go to whatever tracing
//! subscriber the host installed, as ordinary events.

use std::io::Write;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The target of request lines; `RUST_LOG=trunkmock::request=off` silences them.
pub const REQUEST_TARGET: &str = "trunkmock::request";

/// Lines waiting for the writer; past this, lines are dropped and counted.
const QUEUE_LINES: usize = 65_536;

/// How much the writer gathers before one write to stdout.
const BATCH_BYTES: usize = 64 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

enum Message {
    Line(Vec<u8>),
    /// Everything queued before it is written; then the sender is told.
    Flush(SyncSender<()>),
}

struct Sink {
    queue: SyncSender<Message>,
    format: Format,
    ansi: bool,
}

static SINK: OnceLock<Sink> = OnceLock::new();
static DROPPED: AtomicU64 = AtomicU64::new(0);

/// Log lines dropped because the writer could not keep up.
pub fn dropped_lines() -> u64 {
    DROPPED.load(Ordering::Relaxed)
}

/// Installs the global tracing subscriber (filtered by `RUST_LOG`, `info` by default) and the
/// writer thread. Colours only on a terminal, so piped logs stay plain text.
pub fn install(format: Format) {
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let (queue, lines) = mpsc::sync_channel(QUEUE_LINES);
    if SINK
        .set(Sink {
            queue,
            format,
            ansi,
        })
        .is_err()
    {
        return;
    }
    let started = std::thread::Builder::new()
        .name("trunkmock-log".into())
        .spawn(move || write_loop(lines));
    if started.is_err() {
        eprintln!("trunkmock: no log writer thread; logging is off");
        return;
    }
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(QueuedLine::default);
    let _ = match format {
        Format::Text => builder.try_init(),
        Format::Json => builder.json().flatten_event(true).try_init(),
    };
}

/// Waits (at most 5 s) until every line queued so far is on stdout. Call before exiting.
pub fn flush() {
    let Some(sink) = SINK.get() else { return };
    let (done, written) = mpsc::sync_channel(1);
    if sink.queue.send(Message::Flush(done)).is_ok() {
        let _ = written.recv_timeout(Duration::from_secs(5));
    }
}

fn enqueue(sink: &Sink, line: Vec<u8>) {
    if sink.queue.try_send(Message::Line(line)).is_err() {
        DROPPED.fetch_add(1, Ordering::Relaxed);
    }
}

fn write_loop(lines: Receiver<Message>) {
    let mut batch = Vec::with_capacity(BATCH_BYTES);
    let mut waiting = Vec::new();
    while let Ok(first) = lines.recv() {
        let mut next = Some(first);
        // Drain what is queued (up to a batch), then write it with one call.
        while let Some(message) = next {
            match message {
                Message::Line(l) => batch.extend_from_slice(&l),
                Message::Flush(done) => waiting.push(done),
            }
            next = if batch.len() < BATCH_BYTES {
                lines.try_recv().ok()
            } else {
                None
            };
        }
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(&batch).and_then(|()| out.flush());
        drop(out);
        batch.clear();
        batch.shrink_to(BATCH_BYTES);
        for done in waiting.drain(..) {
            let _ = done.send(());
        }
    }
}

/// tracing-subscriber formats a whole line into this, which queues it when dropped.
#[derive(Default)]
struct QueuedLine(Vec<u8>);

impl Write for QueuedLine {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for QueuedLine {
    fn drop(&mut self) {
        if let Some(sink) = SINK.get()
            && !self.0.is_empty()
        {
            enqueue(sink, std::mem::take(&mut self.0));
        }
    }
}

/// What one request line says.
pub struct RequestLine<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub status: u16,
    pub duration_us: u64,
    pub session: &'a str,
    /// What a fault rule or `Prefer` did.
    pub fault: Option<&'a str>,
    /// Who the request was made as.
    pub user: Option<&'a str>,
}

/// Logs one request at `info` under [`REQUEST_TARGET`].
pub fn request(line: &RequestLine<'_>) {
    let Some(sink) = SINK.get() else {
        tracing::info!(
            target: REQUEST_TARGET,
            method = line.method,
            path = line.path,
            status = line.status,
            duration_us = line.duration_us,
            session = line.session,
            fault = line.fault,
            user = line.user,
            "request"
        );
        return;
    };
    if !tracing::enabled!(target: REQUEST_TARGET, tracing::Level::INFO) {
        return;
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64);
    let bytes = match sink.format {
        Format::Text => text_line(line, now, sink.ansi),
        Format::Json => json_line(line, now),
    };
    enqueue(sink, bytes);
}

/// `2026-11-29T21:42:15.913816Z`, as tracing-subscriber writes its time. The date and time of
/// day are kept per thread for the current second: most lines share it.
fn timestamp(out: &mut Vec<u8>, micros: i64) {
    thread_local! {
        static SECOND: std::cell::RefCell<(i64, String)> =
            const { std::cell::RefCell::new((i64::MIN, String::new())) };
    }
    let secs = micros.div_euclid(1_000_000);
    SECOND.with_borrow_mut(|(cached, text)| {
        if *cached != secs {
            *cached = secs;
            *text = crate::engine::clock::date_time(secs * 1000);
        }
        out.extend_from_slice(text.as_bytes());
    });
    let frac = micros.rem_euclid(1_000_000) as u32;
    out.push(b'.');
    for div in [100_000, 10_000, 1_000, 100, 10, 1] {
        out.push(b'0' + (frac / div % 10) as u8);
    }
    out.push(b'Z');
}

/// The shape of tracing-subscriber's text format (`... INFO trunkmock::request: request
/// method=GET ...`), with its colours on a terminal.
fn text_line(l: &RequestLine<'_>, micros: i64, ansi: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(160 + l.path.len());
    let (dim, green, italic, reset) = if ansi {
        ("\x1b[2m", "\x1b[32m", "\x1b[3m", "\x1b[0m")
    } else {
        ("", "", "", "")
    };
    out.extend_from_slice(dim.as_bytes());
    timestamp(&mut out, micros);
    for part in [reset, " ", green, " INFO", reset, " ", dim, REQUEST_TARGET] {
        out.extend_from_slice(part.as_bytes());
    }
    for part in [reset, dim, ":", reset, " request"] {
        out.extend_from_slice(part.as_bytes());
    }
    let field = |out: &mut Vec<u8>, name: &str| {
        for part in [" ", italic, name, reset, dim, "=", reset] {
            out.extend_from_slice(part.as_bytes());
        }
    };
    field(&mut out, "method");
    plain_text(&mut out, l.method);
    field(&mut out, "path");
    plain_text(&mut out, l.path);
    field(&mut out, "status");
    itoa(&mut out, u64::from(l.status));
    field(&mut out, "duration_us");
    itoa(&mut out, l.duration_us);
    field(&mut out, "session");
    plain_text(&mut out, l.session);
    for (name, value) in [("fault", l.fault), ("user", l.user)] {
        if let Some(v) = value {
            field(&mut out, name);
            out.push(b'"');
            plain_text(&mut out, v);
            out.push(b'"');
        }
    }
    out.push(b'\n');
    out
}

/// Text as is, but control characters escaped: one request is always one line.
fn plain_text(out: &mut Vec<u8>, s: &str) {
    if s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        out.extend_from_slice(s.as_bytes());
        return;
    }
    for c in s.chars() {
        if c.is_control() {
            out.extend(c.escape_default().map(|e| e as u8));
        } else {
            let mut buf = [0; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
    }
}

/// The shape of tracing-subscriber's flattened JSON format.
fn json_line(l: &RequestLine<'_>, micros: i64) -> Vec<u8> {
    let mut out = Vec::with_capacity(200 + l.path.len());
    out.extend_from_slice(b"{\"timestamp\":\"");
    timestamp(&mut out, micros);
    out.extend_from_slice(b"\",\"level\":\"INFO\",\"message\":\"request\",\"method\":");
    json_str(&mut out, l.method);
    out.extend_from_slice(b",\"path\":");
    json_str(&mut out, l.path);
    out.extend_from_slice(b",\"status\":");
    itoa(&mut out, u64::from(l.status));
    out.extend_from_slice(b",\"duration_us\":");
    itoa(&mut out, l.duration_us);
    out.extend_from_slice(b",\"session\":");
    json_str(&mut out, l.session);
    for (name, value) in [("fault", l.fault), ("user", l.user)] {
        if let Some(v) = value {
            out.extend_from_slice(b",\"");
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b"\":");
            json_str(&mut out, v);
        }
    }
    out.extend_from_slice(b",\"target\":\"trunkmock::request\"}\n");
    out
}

fn json_str(out: &mut Vec<u8>, s: &str) {
    // Writing a &str into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, s);
}

/// Decimal digits of `n`, without the formatting machinery.
fn itoa(out: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line<'a>(path: &'a str, fault: Option<&'a str>, user: Option<&'a str>) -> RequestLine<'a> {
        RequestLine {
            method: "GET",
            path,
            status: 200,
            duration_us: 128,
            session: "default",
            fault,
            user,
        }
    }

    // 2026-11-29T21:42:15.913816Z
    const AT: i64 = 1_795_988_535_913_816;

    #[test]
    fn text_reads_like_tracing_subscribers_line() {
        let t = text_line(&line("/api/providers", None, None), AT, false);
        assert_eq!(
            String::from_utf8(t).unwrap(),
            "2026-11-29T21:42:15.913816Z  INFO trunkmock::request: request method=GET \
             path=/api/providers status=200 duration_us=128 session=default\n"
        );
        let t = text_line(&line("/a\nb", Some("prefer"), Some("admin")), AT, false);
        assert!(
            String::from_utf8(t)
                .unwrap()
                .ends_with("path=/a\\nb status=200 duration_us=128 session=default fault=\"prefer\" user=\"admin\"\n")
        );
    }

    #[test]
    fn json_is_one_object_per_line_with_tracings_member_names() {
        let j = json_line(&line("/p\"q", Some("rule-1"), None), AT);
        let s = String::from_utf8(j).unwrap();
        assert_eq!(s.matches('\n').count(), 1);
        let v: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(v["timestamp"], "2026-11-29T21:42:15.913816Z");
        assert_eq!(v["level"], "INFO");
        assert_eq!(v["message"], "request");
        assert_eq!(v["path"], "/p\"q");
        assert_eq!(v["status"], 200);
        assert_eq!(v["duration_us"], 128);
        assert_eq!(v["fault"], "rule-1");
        assert!(v.get("user").is_none());
        assert_eq!(v["target"], REQUEST_TARGET);
    }

    #[test]
    fn the_per_second_cache_follows_the_clock() {
        let mut out = Vec::new();
        for micros in [AT, AT + 1, AT + 1_000_000, AT - 86_400_000_000] {
            timestamp(&mut out, micros);
            out.push(b' ');
        }
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "2026-11-29T21:42:15.913816Z 2026-11-29T21:42:15.913817Z \
             2026-11-29T21:42:16.913816Z 2026-11-28T21:42:15.913816Z "
        );
    }

    #[test]
    fn itoa_writes_every_width() {
        for n in [0, 7, 10, 999, 1_000_000, u64::MAX] {
            let mut out = Vec::new();
            itoa(&mut out, n);
            assert_eq!(out, n.to_string().into_bytes());
        }
    }
}
