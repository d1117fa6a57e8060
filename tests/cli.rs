//! The `trunkmock` binary: every flag of `serve` (and its TRUNKMOCK_* variable), `check`,
//! `routes`, `contracts export`, logging and graceful shutdown. Each test starts the real
//! binary on a free port. Long because it holds one test per flag of one command.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use common::files::{temp_dir, write_json};
use common::fixtures::minimal_pbx_provider;
use common::plain;
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_trunkmock");

/// How long a test waits for the binary to start, log or exit before calling it broken. Every
/// wait ends as soon as its event happens, so this only bounds a failure, never a pass.
const LOG_DEADLINE: Duration = Duration::from_secs(60);

/// A running `trunkmock serve` and the lines it logs.
struct Served {
    child: Child,
    base: String,
    lines: Receiver<String>,
}

impl Served {
    /// Starts `trunkmock serve ARGS` with extra environment, waiting for the "listening on"
    /// line (at most [`LOG_DEADLINE`]).
    fn start(args: &[&str], env: &[(&str, &str)]) -> Served {
        Self::start_in(&common::repo(), args, env)
    }

    /// [`Served::start`] with another working directory.
    fn start_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Served {
        let mut cmd = Command::new(BIN);
        cmd.arg("serve")
            .args(args)
            .current_dir(dir)
            .env_remove("RUST_LOG")
            .env_remove("TRUNKMOCK_CONTRACTS")
            .env_remove("TRUNKMOCK_SCENARIO")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if !args.contains(&"--port") && !env.iter().any(|(k, _)| *k == "TRUNKMOCK_PORT") {
            cmd.args(["--port", "0"]);
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("spawn trunkmock");
        let (tx, lines) = channel();
        let stdout = child.stdout.take().unwrap();
        // Keep draining stdout for the whole run so logging never blocks the server.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let deadline = Instant::now() + LOG_DEADLINE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = match lines.recv_timeout(left) {
                Ok(l) => l,
                Err(_) => {
                    let _ = child.kill();
                    let out = child.wait_with_output().unwrap();
                    panic!(
                        "trunkmock did not start: {}",
                        String::from_utf8_lossy(&out.stderr)
                    );
                }
            };
            if let Some(i) = line.find("listening on http://") {
                let rest = &line[i + "listening on ".len()..];
                let url: String = rest
                    .chars()
                    .take_while(|c| !c.is_whitespace() && *c != '"')
                    .collect();
                return Served {
                    child,
                    base: url,
                    lines,
                };
            }
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The next `n` logged lines. Returns as soon as they are there; the deadline only keeps a
    /// broken server from hanging the suite, so it is generous for a loaded machine.
    fn logged(&self, n: usize) -> Vec<String> {
        let deadline = Instant::now() + LOG_DEADLINE;
        let mut out = Vec::new();
        while out.len() < n {
            match self
                .lines
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            {
                Ok(l) => out.push(l),
                Err(e) => panic!("{n} log lines expected, got {out:?} ({e})"),
            }
        }
        out
    }

    /// Every line logged until the process closes its stdout (it exits): nothing is missed
    /// however slowly it logs, and nothing waits longer than the exit itself.
    fn logged_until_exit(&self) -> Vec<String> {
        let deadline = Instant::now() + LOG_DEADLINE;
        let mut out = Vec::new();
        loop {
            match self
                .lines
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            {
                Ok(l) => out.push(l),
                Err(RecvTimeoutError::Disconnected) => return out,
                Err(RecvTimeoutError::Timeout) => panic!("the process never exited: {out:?}"),
            }
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn copy_contracts(to: &Path) {
    for e in std::fs::read_dir(common::repo().join("contracts")).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, to.join(p.file_name().unwrap())).unwrap();
    }
}

#[tokio::test]
async fn serve_mounts_every_family_seeded_from_the_default_scenario() {
    let s = Served::start(&[], &[]);
    let (status, body) = plain::get(&s.url("/api/providers")).await;
    assert_eq!(status, 200);
    assert_eq!(body["count"], 2);
}

#[tokio::test]
async fn serve_runs_from_any_directory_on_the_built_in_contracts_and_scenario() {
    // An empty folder far from the checkout: no contracts/, no scenarios/.
    let dir = temp_dir("anywhere");
    let s = Served::start_in(&dir, &[], &[]);
    let (status, body) = plain::get(&s.url("/api/providers")).await;
    assert_eq!(status, 200);
    assert_eq!(body["count"], 2);
    let id = body["items"][0]["id"].as_str().unwrap().to_string();
    let (status, _) = plain::get(&s.url(&format!("/api/providers/{id}"))).await;
    assert_eq!(status, 200);
    let (status, list) = plain::get(&s.url("/__admin/contracts")).await;
    assert_eq!(status, 200);
    assert_eq!(list["contracts"].as_array().unwrap().len(), 4);
}

#[test]
fn contracts_export_writes_the_built_in_contracts_and_serve_loads_them() {
    let dir = temp_dir("export").join("out");
    let out = Command::new(BIN)
        .args(["contracts", "export"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for e in std::fs::read_dir(common::repo().join("contracts")).unwrap() {
        let p = e.unwrap().path();
        let exported = std::fs::read(dir.join(p.file_name().unwrap())).unwrap();
        assert_eq!(exported, std::fs::read(&p).unwrap(), "{}", p.display());
    }
    let check = Command::new(BIN)
        .arg("check")
        .arg("--contracts")
        .arg(&dir)
        .current_dir(dir.parent().unwrap())
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
}

#[tokio::test]
async fn host_flag_picks_the_listening_address() {
    let s = Served::start(&["--host", "127.0.0.2"], &[]);
    assert!(s.base.starts_with("http://127.0.0.2:"), "{}", s.base);
    assert_eq!(plain::get(&s.url("/__admin/health")).await.0, 200);
}

#[tokio::test]
async fn port_flag_picks_the_port() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let p = port.to_string();
    let s = Served::start(&["--port", &p], &[]);
    assert_eq!(s.base, format!("http://127.0.0.1:{port}"));
}

#[tokio::test]
async fn scenario_flag_replaces_the_default_and_repeats_in_order() {
    let dir = temp_dir("scenario");
    let empty = dir.join("empty.json");
    write_json(
        &empty,
        &json!({"name": "empty", "state": {"pbx": {"providers": []}}}),
    );
    let one = dir.join("one.json");
    write_json(
        &one,
        &json!({"state": {"pbx": {"providers": [{"id": "abc", "name": "only"}]}}}),
    );
    let s = Served::start(&["--scenario", empty.to_str().unwrap()], &[]);
    assert_eq!(plain::get(&s.url("/api/providers")).await.1["count"], 0);
    let s = Served::start(
        &[
            "--scenario",
            empty.to_str().unwrap(),
            "--scenario",
            one.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(
        plain::get(&s.url("/api/providers")).await.1["items"][0]["name"],
        "only"
    );
}

#[tokio::test]
async fn contracts_flag_picks_the_contract_folder() {
    let dir = temp_dir("contracts");
    copy_contracts(&dir);
    let s = Served::start(&["--contracts", dir.to_str().unwrap()], &[]);
    assert_eq!(plain::get(&s.url("/api/providers")).await.0, 200);
    let out = Command::new(BIN)
        .args([
            "serve",
            "--port",
            "0",
            "--contracts",
            "/nonexistent/contracts",
        ])
        .current_dir(common::repo())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/contracts"));
}

#[tokio::test]
async fn seed_flag_makes_generated_ids_repeat() {
    let mut ids = Vec::new();
    for seed in ["7", "7", "8"] {
        let s = Served::start(&["--seed", seed], &[]);
        ids.push(
            plain::post(&s.url("/api/providers"), &minimal_pbx_provider("cli"))
                .await
                .1["id"]
                .clone(),
        );
    }
    assert_eq!(ids[0], ids[1]);
    assert_ne!(ids[0], ids[2]);
}

#[tokio::test]
async fn log_format_json_logs_one_json_line_per_request() {
    let s = Served::start(&["--log-format", "json"], &[]);
    plain::get(&s.url("/api/providers?top=5")).await;
    let lines = s.logged(1);
    let line: Value = serde_json::from_str(&lines[0]).expect("a JSON line");
    assert_eq!(line["method"], "GET");
    assert_eq!(line["path"], "/api/providers");
    assert_eq!(line["status"], 200);
    assert_eq!(line["session"], "default");
    assert!(line["duration_us"].is_u64());
}

#[tokio::test]
async fn text_logs_name_method_path_status_and_session() {
    let s = Served::start(&[], &[]);
    plain::client()
        .get(s.url("/api/providers/nope"))
        .header("x-trunkmock-session", "suite-7")
        .send()
        .await
        .unwrap();
    let lines = s.logged(1);
    let l = &lines[0];
    for part in [
        "method=GET",
        "path=/api/providers/nope",
        "status=404",
        "session=suite-7",
        "duration_us=",
    ] {
        assert!(l.contains(part), "{part} missing in {l}");
    }
}

#[tokio::test]
async fn a_stdout_nobody_reads_never_stalls_requests() {
    // A log collector that stops reading: the pipe fills after a few hundred lines. Lines then
    // wait in the writer's queue (and past it are dropped); requests keep being answered.
    let mut child = Command::new(BIN)
        .args(["serve", "--port", "0"])
        .current_dir(common::repo())
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn trunkmock");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    let base: String = first[first.find("http://").expect("the listening line")..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    let client = plain::client();
    // About 300 KB of request lines, several times what a pipe holds.
    let answered = tokio::time::timeout(LOG_DEADLINE, async {
        for _ in 0..2_000 {
            let r = client.get(format!("{base}/api/providers")).send().await;
            assert_eq!(r.unwrap().status(), 200);
        }
    })
    .await;
    let _ = child.kill();
    let _ = child.wait();
    assert!(answered.is_ok(), "requests stalled behind a full stdout");
    drop(stdout);
}

#[tokio::test]
async fn rust_log_is_respected() {
    // Request lines off, everything else of trunkmock on.
    let mut s = Served::start(
        &[],
        &[("RUST_LOG", "trunkmock=info,trunkmock::request=off")],
    );
    plain::get(&s.url("/api/providers")).await;
    // The shutdown line is logged after the request: once it arrives, the request line would
    // have been logged already if it were on.
    Command::new("kill")
        .args(["-TERM", &s.child.id().to_string()])
        .status()
        .unwrap();
    let lines = s.logged_until_exit();
    let _ = s.child.wait();
    assert!(
        lines.iter().any(|l| l.contains("shutdown signal received")),
        "{lines:?}"
    );
    assert!(
        !lines.iter().any(|l| l.contains("path=/api/providers")),
        "{lines:?}"
    );
}

#[tokio::test]
async fn admin_token_flag_protects_the_admin_api() {
    let s = Served::start(&["--admin-token", "tok"], &[]);
    assert_eq!(plain::get(&s.url("/__admin/health")).await.0, 401);
    let r = plain::client()
        .get(s.url("/__admin/health"))
        .bearer_auth("tok")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn journal_limit_flag_bounds_the_journal() {
    let s = Served::start(&["--journal-limit", "1"], &[]);
    plain::get(&s.url("/api/providers")).await;
    plain::get(&s.url("/api/providers/export")).await;
    let (_, body) = plain::get(&s.url("/__admin/requests")).await;
    assert_eq!(body["count"], 1);
    assert_eq!(body["requests"][0]["path"], "/api/providers/export");
}

#[tokio::test]
async fn max_sessions_flag_bounds_the_sessions() {
    let s = Served::start(&["--max-sessions", "1"], &[]);
    let r = plain::client()
        .get(s.url("/api/providers"))
        .header("x-trunkmock-session", "another")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
}

#[tokio::test]
async fn body_limit_flag_bounds_request_bodies() {
    let s = Served::start(&["--body-limit", "16"], &[]);
    assert_eq!(
        plain::post(&s.url("/api/providers"), &minimal_pbx_provider("cli"))
            .await
            .0,
        413
    );
}

#[tokio::test]
async fn every_flag_can_come_from_its_environment_variable() {
    let dir = temp_dir("env");
    copy_contracts(&dir);
    let scenario = dir.join("s.json");
    write_json(&scenario, &json!({"state": {"pbx": {"providers": []}}}));
    let env = [
        ("TRUNKMOCK_HOST", "127.0.0.3"),
        ("TRUNKMOCK_PORT", "0"),
        ("TRUNKMOCK_CONTRACTS", dir.to_str().unwrap()),
        ("TRUNKMOCK_SCENARIO", scenario.to_str().unwrap()),
        ("TRUNKMOCK_SEED", "7"),
        ("TRUNKMOCK_LOG_FORMAT", "json"),
        ("TRUNKMOCK_ADMIN_TOKEN", "envtok"),
        ("TRUNKMOCK_JOURNAL_LIMIT", "1"),
        ("TRUNKMOCK_MAX_SESSIONS", "1"),
        ("TRUNKMOCK_BODY_LIMIT", "400"),
    ];
    let s = Served::start(&[], &env);
    assert!(s.base.starts_with("http://127.0.0.3:"));
    assert_eq!(plain::get(&s.url("/api/providers")).await.1["count"], 0);
    let (status, created) =
        plain::post(&s.url("/api/providers"), &minimal_pbx_provider("cli")).await;
    assert_eq!(status, 201);
    let flag_run = Served::start(
        &["--seed", "7", "--scenario", scenario.to_str().unwrap()],
        &[],
    );
    assert_eq!(
        plain::post(
            &flag_run.url("/api/providers"),
            &minimal_pbx_provider("cli")
        )
        .await
        .1["id"],
        created["id"]
    );
    assert_eq!(
        plain::post(&s.url("/api/providers"), &json!({"name": "y".repeat(500)}))
            .await
            .0,
        413
    );
    assert_eq!(plain::get(&s.url("/__admin/health")).await.0, 401);
    let r = plain::client()
        .get(s.url("/__admin/requests"))
        .bearer_auth("envtok")
        .send()
        .await
        .unwrap();
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["count"], 1);
    let r = plain::client()
        .get(s.url("/api/providers"))
        .header("x-trunkmock-session", "second")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    let logged = s.logged(1);
    assert!(
        serde_json::from_str::<Value>(&logged[0]).is_ok(),
        "{logged:?}"
    );
}

/// SIGTERM with no open connection ends the server at once and cleanly: it logs that every
/// connection closed, not that the grace period ran out (which is what a slow stop would show),
/// and exits with success. No wall-clock bound: the log says which way it stopped.
#[test]
fn sigterm_stops_the_server_gracefully() {
    let mut s = Served::start(&[], &[]);
    let ok = Command::new("kill")
        .args(["-TERM", &s.child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
    let lines = s.logged_until_exit();
    let status = s.child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    assert!(
        lines.iter().any(|l| l.contains("shutdown signal received")),
        "{lines:?}"
    );
    assert!(
        lines.iter().any(|l| l.contains("all connections closed")),
        "{lines:?}"
    );
    assert!(
        !lines.iter().any(|l| l.contains("grace period over")),
        "{lines:?}"
    );
}

/// Runs `trunkmock check ARGS` from the repository root.
fn check_in_repo(args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .arg("check")
        .args(args)
        .current_dir(common::repo())
        .output()
        .unwrap()
}

#[test]
fn check_passes_on_the_repository() {
    let out = check_in_repo(&[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn check_names_file_and_pointer_of_a_broken_contract() {
    let dir = temp_dir("broken-contract");
    copy_contracts(&dir);
    let path = dir.join("pbx.openapi.json");
    let mut doc: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    doc["paths"]["/api/providers"]["get"]["parameters"][4]["schema"]["minimum"] = json!("one");
    write_json(&path, &doc);
    let out = check_in_repo(&["--contracts", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("pbx.openapi.json#/paths/~1api~1providers/get/parameters/4/schema"),
        "{err}"
    );
}

#[test]
fn check_names_file_and_pointer_of_a_broken_scenario() {
    let dir = temp_dir("broken-scenario");
    let path = dir.join("bad.json");
    write_json(
        &path,
        &json!({"state": {"pbx": {"providers": [{"id": "a", "name": "n", "port": "eighty"}]}}}),
    );
    let out = check_in_repo(&["--scenario", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.json#/state/pbx/providers/0/port: must be an integer"),
        "{err}"
    );
}

#[test]
fn check_refuses_a_mistyped_setting_or_a_setting_of_the_wrong_type() {
    let dir = temp_dir("bad-settings");
    let path = dir.join("settings.json");
    write_json(
        &path,
        &json!({"settings": {
            "fusion": {"strict_parent": true, "empty_list_404": "yes"},
            "colour": "red"
        }}),
    );
    let out = check_in_repo(&["--scenario", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("settings.json#/settings/fusion/strict_parent: unknown field `strict_parent`"),
        "{err}"
    );
    assert!(
        err.contains("settings.json#/settings/colour: unknown setting"),
        "{err}"
    );
}

#[test]
fn routes_lists_every_operation() {
    let out = Command::new(BIN)
        .arg("routes")
        .current_dir(common::repo())
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.lines().any(|l| l.contains("pbx_export_providers")
        && l.contains("GET")
        && l.contains("/api/providers/export")));
}

/// `--verify-responses` and `--cors` reach the engine (tests/http.rs shows each one's effect
/// against a server without it).
#[tokio::test]
async fn serve_verify_responses_and_cors_flags_take_effect() {
    let dir = temp_dir("flags");
    let scenario = dir.join("portless.json");
    std::fs::write(
        &scenario,
        json!({"name": "portless", "state": {"pbx": {"providers": [
            {"id": "cG9ydGxlc3M=", "name": "p", "transport": "UDP", "hostname": "h",
             "port": null, "outbound_server": "o", "outbound_server_port": 1, "concurrency": 1}
        ]}}})
        .to_string(),
    )
    .unwrap();
    let s = Served::start(
        &[
            "--verify-responses",
            "--cors",
            "--scenario",
            scenario.to_str().unwrap(),
        ],
        &[],
    );
    let (status, body) = plain::get(&s.url("/api/providers/cG9ydGxlc3M=")).await;
    assert_eq!(status, 500, "{body}");
    let r = plain::client()
        .request(reqwest::Method::OPTIONS, s.url("/api/providers"))
        .header("origin", "http://localhost:3000")
        .header("access-control-request-method", "GET")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 204);
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "http://localhost:3000"
    );
}

#[tokio::test]
async fn journal_bytes_flag_bounds_every_journal_together() {
    let s = Served::start(&["--journal-bytes", "3000"], &[]);
    for _ in 0..20 {
        plain::get(&s.url("/api/providers")).await;
    }
    let (_, health) = plain::get(&s.url("/__admin/health")).await;
    assert_eq!(health["limits"]["journal_bytes"], 3000);
    let used = health["limits"]["journal_bytes_used"].as_u64().unwrap();
    assert!(used > 0 && used <= 3000, "{used}");
}

#[tokio::test]
async fn session_ttl_flag_drops_idle_sessions_in_the_background() {
    let s = Served::start(&["--session-ttl", "1"], &[]);
    let r = plain::client()
        .get(s.url("/api/providers"))
        .header("x-trunkmock-session", "short-lived")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (_, health) = plain::get(&s.url("/__admin/health")).await;
    assert_eq!(health["limits"]["session_ttl_seconds"], 1);
    // Polled, bounded: the sweep runs every second and the TTL is one second.
    let mut gone = false;
    for _ in 0..100 {
        let (_, list) = plain::get(&s.url("/__admin/sessions")).await;
        let names: Vec<&str> = list["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|x| x["name"].as_str())
            .collect();
        if !names.contains(&"short-lived") {
            assert!(names.contains(&"default"), "default is never dropped");
            gone = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(gone, "the idle session was never dropped");
}

#[tokio::test]
async fn state_file_flag_keeps_sessions_across_a_sigterm_restart() {
    let file = temp_dir("state-file").join("state.json");
    let path = file.to_str().unwrap();
    let mut s = Served::start(&["--state-file", path], &[]);
    let (status, _) = plain::post(&s.url("/api/providers"), &minimal_pbx_provider("cli")).await;
    assert_eq!(status, 201);
    let ok = Command::new("kill")
        .args(["-TERM", &s.child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
    let lines = s.logged_until_exit();
    assert!(s.child.wait().unwrap().success());
    assert!(lines.iter().any(|l| l.contains("state saved")), "{lines:?}");

    let again = Served::start(&[], &[("TRUNKMOCK_STATE_FILE", path)]);
    let (_, body) = plain::get(&again.url("/api/providers")).await;
    assert_eq!(body["count"], 3);
}

#[test]
fn a_corrupt_state_file_stops_serve_with_file_and_pointer() {
    let file = temp_dir("corrupt-state").join("state.json");
    std::fs::write(&file, "[]").unwrap();
    let out = Command::new(BIN)
        .args(["serve", "--port", "0", "--state-file"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("{}#/format", file.display())),
        "{err}"
    );
}

#[tokio::test]
async fn watch_flag_reloads_an_edited_scenario_and_logs_a_refused_edit() {
    let dir = temp_dir("watch");
    let file = dir.join("scenario.json");
    let mut scenario: Value = serde_json::from_slice(
        &std::fs::read(common::repo().join("scenarios/default.json")).unwrap(),
    )
    .unwrap();
    write_json(&file, &scenario);
    let s = Served::start(&["--watch", "--scenario", file.to_str().unwrap()], &[]);
    let (_, health) = plain::get(&s.url("/__admin/health")).await;
    assert_eq!(health["scenario_revision"], 1);

    scenario["state"]["pbx"]["providers"]
        .as_array_mut()
        .unwrap()
        .pop();
    write_json(&file, &scenario);
    // The poll may catch the file half written: that version is refused, and the complete one
    // (another size) is then loaded. Each wait is bounded by `logged`.
    loop {
        let line = s.logged(1).remove(0);
        if line.contains("scenario reloaded") {
            break;
        }
        assert!(line.contains("scenario edit refused"), "{line}");
    }
    let (_, health) = plain::get(&s.url("/__admin/health")).await;
    assert_eq!(health["scenario_revision"], 2);
    let r = plain::client()
        .get(s.url("/api/providers"))
        .header("x-trunkmock-session", "new")
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["count"], 1);

    std::fs::write(&file, "{\"state\": ").unwrap();
    // The next lines are the request's, then the refusal (each wait is bounded by logged).
    let refused = loop {
        let line = s.logged(1).remove(0);
        if line.contains("scenario edit refused") {
            break line;
        }
    };
    let expected = format!("{}#: not valid JSON", file.display());
    assert!(refused.contains(&expected), "{refused}");
    let (_, health) = plain::get(&s.url("/__admin/health")).await;
    assert_eq!(health["scenario_revision"], 2);
}

#[tokio::test]
async fn watch_can_come_from_its_environment_variable() {
    let file = temp_dir("watch-env").join("scenario.json");
    write_json(&file, &json!({"state": {"pbx": {"providers": []}}}));
    let path = file.to_str().unwrap();
    let s = Served::start(
        &[],
        &[("TRUNKMOCK_WATCH", "true"), ("TRUNKMOCK_SCENARIO", path)],
    );
    write_json(
        &file,
        &json!({"name": "edited", "state": {"pbx": {"providers": []}}}),
    );
    let reloaded = s.logged(1);
    assert!(reloaded[0].contains("scenario reloaded"), "{reloaded:?}");
    assert_eq!(
        plain::get(&s.url("/__admin/health")).await.1["scenario_revision"],
        2
    );
}

#[test]
fn serve_help_names_the_family_caps_and_where_health_lists_them() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_trunkmock"))
        .args(["serve", "--help"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "pbx.max_providers",
        "operator.max_resources",
        "limits.families",
    ] {
        assert!(text.contains(needle), "{needle} missing from:\n{text}");
    }
}
