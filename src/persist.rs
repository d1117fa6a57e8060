//! `--state-file PATH`: every session's state, clock offset and webhook receivers, saved on
//! graceful shutdown and on `POST /__admin/snapshot`, loaded at start when the file exists.
//!
//! The write is atomic: the snapshot goes to a temporary file beside the target, is flushed
//! to disk, then renamed over it, so a crash mid-write leaves the previous file whole. A
//! leftover temporary file is never read and is overwritten by the next snapshot. A file that
//! does not load stops the start with `file#pointer`: starting empty would silently lose work.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde_json::{Map, Value, json};

use crate::engine::store::dump_world;
use crate::engine::{Engine, StartupError};
use crate::webhooks::Receiver;

/// Marks the file's format, so a later format can be told apart.
const FORMAT: &str = "trunkmock-state/1";

/// Every session's state (per family) and virtual clock offset.
pub fn snapshot(engine: &Engine) -> Value {
    let mut sessions = Map::new();
    for s in engine.sessions.all() {
        let now = s.clock.now_ms(&engine.clock);
        sessions.insert(
            s.name.to_string(),
            json!({
                "clock_offset_ms": s.clock.offset_ms(),
                "state": Value::Object(dump_world(&s, &engine.families, now)),
                "webhooks": s.webhooks.list(),
            }),
        );
    }
    json!({ "format": FORMAT, "sessions": sessions })
}

/// The temporary file a snapshot is written to before it replaces `path`.
pub fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "state".into());
    path.with_file_name(format!(".{name}.tmp"))
}

/// Held while a snapshot is written: two at once (a `POST /__admin/snapshot` racing the
/// shutdown) would share the temporary file and could rename a half-written one into place.
static WRITING: Mutex<()> = Mutex::new(());

/// Writes the snapshot of every session to `path`, atomically; returns the sessions saved.
pub fn save(engine: &Engine, path: &Path) -> std::io::Result<usize> {
    let _one_at_a_time = WRITING.lock().unwrap_or_else(|e| e.into_inner());
    let value = snapshot(engine);
    let count = value["sessions"].as_object().map_or(0, Map::len);
    let bytes = serde_json::to_vec_pretty(&value).map_err(std::io::Error::other)?;
    let temp = temp_path(path);
    {
        let mut file = std::fs::File::create(&temp)?;
        file.write_all(&bytes)?;
        file.sync_all()?;
    }
    std::fs::rename(&temp, path)?;
    // Make the rename itself durable: flush the folder's entry (best effort off Unix).
    #[cfg(unix)]
    if let Some(dir) = path.parent() {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(count)
}

/// Loads `path` into the engine's sessions when it exists; returns the sessions loaded
/// (0 when there is no file). Every problem names `path#pointer`.
pub fn load(engine: &Engine, path: &Path) -> Result<usize, StartupError> {
    let file = path.display().to_string();
    let problem =
        |pointer: &str, message: String| StartupError(vec![format!("{file}#{pointer}: {message}")]);
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(problem("", format!("cannot read the state file: {e}"))),
    };
    let value: Value =
        serde_json::from_slice(&bytes).map_err(|e| problem("", format!("not valid JSON: {e}")))?;
    if value.get("format").and_then(Value::as_str) != Some(FORMAT) {
        return Err(problem("/format", format!("must be \"{FORMAT}\"")));
    }
    let Some(sessions) = value.get("sessions").and_then(Value::as_object) else {
        return Err(problem(
            "/sessions",
            "must be an object keyed by session".into(),
        ));
    };
    for (name, saved) in sessions {
        let at = format!("/sessions/{}", escape(name));
        let session = engine
            .session(name)
            .map_err(|e| problem(&at, engine.describe_session_error(&e)))?;
        let Some(state) = saved.get("state").and_then(Value::as_object) else {
            return Err(problem(
                &format!("{at}/state"),
                "must be an object keyed by family".into(),
            ));
        };
        for family in state.keys() {
            if !engine.families.iter().any(|f| f.name() == family) {
                return Err(problem(
                    &format!("{at}/state/{family}"),
                    format!("no family named {family}"),
                ));
            }
        }
        for (i, f) in engine.families.iter().enumerate() {
            let Some(v) = state.get(f.name()) else {
                continue;
            };
            session.slot(i).restore(v).map_err(|e| {
                problem(&format!("{at}/state/{}{}", f.name(), e.pointer), e.message)
            })?;
        }
        if let Some(list) = saved.get("webhooks") {
            let at = format!("{at}/webhooks");
            let receivers: Vec<Receiver> = serde_json::from_value(list.clone())
                .map_err(|e| problem(&at, format!("not a list of receivers: {e}")))?;
            if let Some(i) = receivers.iter().position(|r| !r.url.starts_with("http://")) {
                return Err(problem(
                    &format!("{at}/{i}/url"),
                    "must start with http://".into(),
                ));
            }
            // The saved list replaces the scenario's receivers, as it was when saved.
            session.webhooks.clear();
            for r in receivers {
                session.webhooks.add(r);
            }
        }
        match saved.get("clock_offset_ms") {
            None => {}
            Some(v) => match v.as_i64() {
                Some(ms) => {
                    session.clock.reset();
                    if session.clock.advance_ms(ms).is_err() {
                        return Err(problem(
                            &format!("{at}/clock_offset_ms"),
                            "must be a clock offset from 0 to 100 years in milliseconds".into(),
                        ));
                    }
                }
                None => {
                    return Err(problem(
                        &format!("{at}/clock_offset_ms"),
                        "must be an integer".into(),
                    ));
                }
            },
        }
    }
    Ok(sessions.len())
}

/// A session name as one JSON-pointer segment.
fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}
