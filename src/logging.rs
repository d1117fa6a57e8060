//! Log output of `trunkmock serve`: tracing's lines and the per-request line, written to
//! stdout by one background thread in batches.
//!
//! Why not tracing-subscriber's writer alone: it writes each line to stdout under the stdout
//! lock, one system call per request, and a slow reader (a CI log collector) then stalls every
//! worker. The request line is also the hottest log call: formatted through tracing's field
//! visitors it cost about 9 700 instructions, a fifth of a GET (callgrind). So request lines are
//! written here by hand in the same text and JSON shapes, straight into a buffer of the
//! thread that serves the request, and a writer thread drains every buffer each few
//! milliseconds while there is traffic. A full buffer drops lines (counted in
//! [`dropped_lines`]) rather than slow requests down. Lines of different threads may come out
//! a few milliseconds out of order; each thread's own lines keep their order.
//!
//! Without [`install`] (trunkmock used as a library), request lines go to whatever tracing
//! subscriber the host installed, as ordinary events.

use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The target of request lines; `RUST_LOG=trunkmock::request=off` silences them.
pub const REQUEST_TARGET: &str = "trunkmock::request";

/// What one thread may hold for the writer (about 6 000 request lines); past this, lines
/// are dropped and counted.
const THREAD_BUFFER_MAX: usize = 1024 * 1024;

/// How much the writer gathers before one write to stdout.
const BATCH_BYTES: usize = 64 * 1024;

/// How long a line may wait while requests keep coming (see [`write_loop`]).
const POLL_EVERY: Duration = Duration::from_millis(5);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

struct Sink {
    format: Format,
    ansi: bool,
    writer: std::thread::Thread,
}

static SINK: OnceLock<Sink> = OnceLock::new();
static DROPPED: AtomicU64 = AtomicU64::new(0);
/// Set by whoever adds a line, cleared by the writer before it drains.
static PENDING: AtomicBool = AtomicBool::new(false);
/// Drain rounds completed, for [`flush`].
static ROUNDS: AtomicU64 = AtomicU64::new(0);

/// One buffer per thread that logs. Appending takes only that thread's own lock (the writer
/// takes it for a swap every few milliseconds), so no request waits on another; a line costs
/// no allocation, and no thread is woken per line.
type Buffer = Arc<Mutex<Vec<u8>>>;
static BUFFERS: Mutex<Vec<Buffer>> = Mutex::new(Vec::new());

thread_local! {
    static MINE: Buffer = {
        let b = Buffer::default();
        BUFFERS.lock().unwrap_or_else(|e| e.into_inner()).push(b.clone());
        b
    };
}

/// Log lines dropped because the writer could not keep up.
pub fn dropped_lines() -> u64 {
    DROPPED.load(Ordering::Relaxed)
}

/// Installs the global tracing subscriber (filtered by `RUST_LOG`, `info` by default) and the
/// writer thread. Colours only on a terminal, so piped logs stay plain text.
pub fn install(format: Format) {
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let started = std::thread::Builder::new()
        .name("trunkmock-log".into())
        .spawn(write_loop);
    let Ok(handle) = started else {
        eprintln!("trunkmock: no log writer thread; logging is off");
        return;
    };
    let sink = Sink {
        format,
        ansi,
        writer: handle.thread().clone(),
    };
    if SINK.set(sink).is_err() {
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

/// Waits (at most 5 s) until every line logged so far is on stdout. Call before exiting.
pub fn flush() {
    let Some(sink) = SINK.get() else { return };
    // A round that starts after this call has seen every line logged before it.
    let target = ROUNDS.load(Ordering::Acquire) + 2;
    PENDING.store(true, Ordering::Release);
    sink.writer.unpark();
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while ROUNDS.load(Ordering::Acquire) < target && std::time::Instant::now() < deadline {
        sink.writer.unpark();
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Appends one line to this thread's buffer; `write` formats it in place.
fn enqueue(sink: &Sink, write: impl FnOnce(&mut Vec<u8>)) {
    let kept = MINE.with(|b| {
        let mut buf = b.lock().unwrap_or_else(|e| e.into_inner());
        if buf.len() >= THREAD_BUFFER_MAX {
            return false;
        }
        write(&mut buf);
        true
    });
    if !kept {
        DROPPED.fetch_add(1, Ordering::Relaxed);
    } else if !PENDING.swap(true, Ordering::AcqRel) {
        // The first line since the last drain; later ones find the flag set.
        sink.writer.unpark();
    }
}

/// Parks while the server is quiet; once lines are pending, drains every thread's buffer each
/// [`POLL_EVERY`] until a round finds nothing new. An unpark costs a system call only when the
/// writer is parked, so under steady traffic no request wakes anyone.
fn write_loop() {
    let mut batch = Vec::with_capacity(BATCH_BYTES);
    let mut spare = Vec::new();
    loop {
        if !PENDING.swap(false, Ordering::AcqRel) {
            ROUNDS.fetch_add(1, Ordering::AcqRel);
            std::thread::park();
            continue;
        }
        let buffers: Vec<Buffer> = {
            let mut all = BUFFERS.lock().unwrap_or_else(|e| e.into_inner());
            // A thread that has ended leaves its buffer to us alone: drain it one last time.
            let gone: Vec<Buffer> = all.extract_if(.., |b| Arc::strong_count(b) == 1).collect();
            all.iter().cloned().chain(gone).collect()
        };
        for b in &buffers {
            std::mem::swap(
                &mut *b.lock().unwrap_or_else(|e| e.into_inner()),
                &mut spare,
            );
            batch.extend_from_slice(&spare);
            spare.clear();
            if batch.len() >= BATCH_BYTES {
                write_out(&mut batch);
            }
        }
        write_out(&mut batch);
        ROUNDS.fetch_add(1, Ordering::AcqRel);
        std::thread::sleep(POLL_EVERY);
    }
}

fn write_out(batch: &mut Vec<u8>) {
    if batch.is_empty() {
        return;
    }
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(batch).and_then(|()| out.flush());
    drop(out);
    batch.clear();
    batch.shrink_to(BATCH_BYTES);
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
            enqueue(sink, |buf| buf.extend_from_slice(&self.0));
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
    enqueue(sink, |out| match sink.format {
        Format::Text => text_line(out, line, now, sink.ansi),
        Format::Json => json_line(out, line, now),
    });
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

/// The fixed pieces of a text line, with or without tracing-subscriber's colours: each is
/// one copy instead of the handful of small writes it is made of.
struct TextPieces {
    before_time: &'static str,
    after_time: &'static str,
    method: &'static str,
    path: &'static str,
    status: &'static str,
    duration_us: &'static str,
    session: &'static str,
    fault: &'static str,
    user: &'static str,
}

/// ` name=` as tracing-subscriber writes a field, plain or coloured (italic name, dim `=`).
macro_rules! field {
    ($name:literal) => {
        concat!(" ", $name, "=")
    };
    ($name:literal, ansi) => {
        concat!(" \x1b[3m", $name, "\x1b[0m\x1b[2m=\x1b[0m")
    };
}

const PLAIN: TextPieces = TextPieces {
    before_time: "",
    after_time: "  INFO trunkmock::request: request",
    method: field!("method"),
    path: field!("path"),
    status: field!("status"),
    duration_us: field!("duration_us"),
    session: field!("session"),
    fault: field!("fault"),
    user: field!("user"),
};

const ANSI: TextPieces = TextPieces {
    before_time: "\x1b[2m",
    after_time: "\x1b[0m \x1b[32m INFO\x1b[0m \x1b[2mtrunkmock::request\x1b[0m\x1b[2m:\x1b[0m request",
    method: field!("method", ansi),
    path: field!("path", ansi),
    status: field!("status", ansi),
    duration_us: field!("duration_us", ansi),
    session: field!("session", ansi),
    fault: field!("fault", ansi),
    user: field!("user", ansi),
};

/// The shape of tracing-subscriber's text format (`... INFO trunkmock::request: request
/// method=GET ...`), with its colours on a terminal.
fn text_line(out: &mut Vec<u8>, l: &RequestLine<'_>, micros: i64, ansi: bool) {
    let p = if ansi { &ANSI } else { &PLAIN };
    out.extend_from_slice(p.before_time.as_bytes());
    timestamp(out, micros);
    out.extend_from_slice(p.after_time.as_bytes());
    out.extend_from_slice(p.method.as_bytes());
    plain_text(out, l.method);
    out.extend_from_slice(p.path.as_bytes());
    plain_text(out, l.path);
    out.extend_from_slice(p.status.as_bytes());
    itoa(out, u64::from(l.status));
    out.extend_from_slice(p.duration_us.as_bytes());
    itoa(out, l.duration_us);
    out.extend_from_slice(p.session.as_bytes());
    plain_text(out, l.session);
    for (name, value) in [(p.fault, l.fault), (p.user, l.user)] {
        if let Some(v) = value {
            out.extend_from_slice(name.as_bytes());
            out.push(b'"');
            plain_text(out, v);
            out.push(b'"');
        }
    }
    out.push(b'\n');
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
fn json_line(out: &mut Vec<u8>, l: &RequestLine<'_>, micros: i64) {
    out.extend_from_slice(b"{\"timestamp\":\"");
    timestamp(out, micros);
    out.extend_from_slice(b"\",\"level\":\"INFO\",\"message\":\"request\",\"method\":");
    json_str(out, l.method);
    out.extend_from_slice(b",\"path\":");
    json_str(out, l.path);
    out.extend_from_slice(b",\"status\":");
    itoa(out, u64::from(l.status));
    out.extend_from_slice(b",\"duration_us\":");
    itoa(out, l.duration_us);
    out.extend_from_slice(b",\"session\":");
    json_str(out, l.session);
    for (name, value) in [("fault", l.fault), ("user", l.user)] {
        if let Some(v) = value {
            out.extend_from_slice(b",\"");
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b"\":");
            json_str(out, v);
        }
    }
    out.extend_from_slice(b",\"target\":\"trunkmock::request\"}\n");
}

fn json_str(out: &mut Vec<u8>, s: &str) {
    // Writing a &str into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, s);
}

/// Decimal digits of `n`, without the formatting machinery.
pub(crate) fn itoa(out: &mut Vec<u8>, mut n: u64) {
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
        let mut t = Vec::new();
        text_line(&mut t, &line("/api/providers", None, None), AT, false);
        assert_eq!(
            String::from_utf8(t).unwrap(),
            "2026-11-29T21:42:15.913816Z  INFO trunkmock::request: request method=GET \
             path=/api/providers status=200 duration_us=128 session=default\n"
        );
        let mut t = Vec::new();
        text_line(
            &mut t,
            &line("/a\nb", Some("prefer"), Some("admin")),
            AT,
            false,
        );
        assert!(
            String::from_utf8(t)
                .unwrap()
                .ends_with("path=/a\\nb status=200 duration_us=128 session=default fault=\"prefer\" user=\"admin\"\n")
        );
    }

    #[test]
    fn the_fixed_pieces_name_the_request_target() {
        for p in [&PLAIN, &ANSI] {
            assert!(p.after_time.contains(REQUEST_TARGET));
        }
    }

    #[test]
    fn text_on_a_terminal_has_tracings_colours() {
        let mut t = Vec::new();
        text_line(&mut t, &line("/p", Some("prefer"), Some("admin")), AT, true);
        assert_eq!(
            String::from_utf8(t).unwrap(),
            "\u{1b}[2m2026-11-29T21:42:15.913816Z\u{1b}[0m \u{1b}[32m INFO\u{1b}[0m \
             \u{1b}[2mtrunkmock::request\u{1b}[0m\u{1b}[2m:\u{1b}[0m request \
             \u{1b}[3mmethod\u{1b}[0m\u{1b}[2m=\u{1b}[0mGET \u{1b}[3mpath\u{1b}[0m\u{1b}[2m=\u{1b}[0m/p \
             \u{1b}[3mstatus\u{1b}[0m\u{1b}[2m=\u{1b}[0m200 \
             \u{1b}[3mduration_us\u{1b}[0m\u{1b}[2m=\u{1b}[0m128 \
             \u{1b}[3msession\u{1b}[0m\u{1b}[2m=\u{1b}[0mdefault \
             \u{1b}[3mfault\u{1b}[0m\u{1b}[2m=\u{1b}[0m\"prefer\" \
             \u{1b}[3muser\u{1b}[0m\u{1b}[2m=\u{1b}[0m\"admin\"\n"
        );
    }

    #[test]
    fn json_is_one_object_per_line_with_tracings_member_names() {
        let mut j = Vec::new();
        json_line(&mut j, &line("/p\"q", Some("rule-1"), None), AT);
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
