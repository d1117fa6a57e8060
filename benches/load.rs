//! Over 400 lines: one self-contained benchmark binary (load driver, bare reference server,
//! flat-cost case) that cargo builds from this single file.
//! Load benchmark: `cargo bench --bench load`.
//!
//! Starts the release `trunkmock` (default settings: validation, journal and request logging
//! on, logs to /dev/null) pinned to core 0, and a bare hyper server answering fixed bodies of
//! the same sizes, also on core 0; drives both from this process pinned to core 1 over loopback
//! with keep-alive HTTP/1.1 connections. Reports requests/s, p50 and p99 for
//! `GET /api/providers` and `POST /api/providers`, the ratio to bare hyper, start-up time to the
//! first answered request, and resident memory after the GET phase (1 M requests by default).
//! Then the flat-cost case: POST and GET-by-id p99 in a session holding BENCH_PROVIDERS
//! (100 000) providers against an empty session.
//!
//! Environment: BENCH_CONNECTIONS (32), BENCH_SECONDS (5 per phase), BENCH_ROUNDS (3 rounds of
//! the four throughput phases, medians shown), BENCH_GET_REQUESTS (1000000),
//! BENCH_PROVIDERS (100000 resources per family in the flat-cost case), BENCH_FLAT (the
//! families of that case: pbx,fusion,apio), BENCH_SOAK (1000000 mixed requests with a reset
//! every 10 000; 0 skips the soak), BENCH_TRUNKMOCK (another server binary to measure).
//! `-- --callgrind` counts instructions per request instead (BENCH_CALLGRIND_REQUESTS, 2000;
//! BENCH_CALLGRIND_KEEP keeps the callgrind files for `callgrind_annotate`).

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request, Response};
use tokio::net::{TcpListener, TcpStream};

const PINNED: &str = "TRUNKMOCK_BENCH_PINNED";

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    // `cargo bench` passes `--bench`; our own re-executions pass `--bare GET_SIZE POST_SIZE`.
    if let Some(i) = args.iter().position(|a| a == "--bare") {
        let get: usize = args[i + 1].parse().unwrap();
        let post: usize = args[i + 2].parse().unwrap();
        return bare_server(get, post);
    }
    if args.iter().any(|a| a == "--callgrind") {
        return callgrind::main();
    }
    if std::env::var_os(PINNED).is_none() && taskset_available() {
        // Re-run the load side pinned to core 1.
        let status = Command::new("taskset")
            .args(["-c", "1"])
            .arg(std::env::current_exe().unwrap())
            .args(&args[1..])
            .env(PINNED, "1")
            .status()
            .expect("re-exec under taskset");
        std::process::exit(status.code().unwrap_or(1));
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(run());
}

/// The server binary: BENCH_TRUNKMOCK, to compare two builds (another allocator, say) in one
/// checkout; by default the one cargo built for this bench.
fn trunkmock_bin() -> String {
    std::env::var("BENCH_TRUNKMOCK")
        .ok()
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_trunkmock").into())
}

fn taskset_available() -> bool {
    Command::new("taskset")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A command pinned to core 0 when taskset exists.
fn on_core0(program: &str) -> Command {
    if taskset_available() {
        let mut c = Command::new("taskset");
        c.args(["-c", "0", program]);
        c
    } else {
        Command::new(program)
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

const POST_BODY: &str = r#"{"name":"bench","transport":"UDP","hostname":"sip.example.net","port":5060,"outbound_server":"sbc.example.net","outbound_server_port":5060,"concurrency":8}"#;

#[derive(Debug, Clone, Copy)]
struct Stats {
    requests: u64,
    rps: f64,
    p50_us: u64,
    p99_us: u64,
    /// The slowest request: a stall (a whole-table rehash, say) shows here first.
    max_us: u64,
    errors: u64,
}

async fn run() {
    let connections = env_num("BENCH_CONNECTIONS", 32) as usize;
    let seconds = env_num("BENCH_SECONDS", 5);
    let get_requests = env_num("BENCH_GET_REQUESTS", 1_000_000);
    let rounds_wanted = env_num("BENCH_ROUNDS", 3).max(1);
    let repo = env!("CARGO_MANIFEST_DIR");

    // trunkmock, timed from spawn to its first answered request.
    let port = free_port();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let started = Instant::now();
    let server = Killed(
        on_core0(&trunkmock_bin())
            .args(["serve", "--port", &port.to_string()])
            .current_dir(repo)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start trunkmock"),
    );
    let startup = wait_ready(addr).await;
    let startup_ms = startup.map(|_| started.elapsed().as_secs_f64() * 1000.0);
    let pid = server.0.id();

    // Body sizes to mirror in the bare server.
    let get_size = one(addr, Method::GET, "/api/providers", None).await;
    let post_size = one(addr, Method::POST, "/api/providers", Some("bench-probe")).await;

    let bare_port = free_port();
    let bare_addr: SocketAddr = format!("127.0.0.1:{bare_port}").parse().unwrap();
    let _bare = Killed(
        on_core0(std::env::current_exe().unwrap().to_str().unwrap())
            .args(["--bare", &get_size.to_string(), &post_size.to_string()])
            .env("BARE_PORT", bare_port.to_string())
            .stdout(Stdio::null())
            .spawn()
            .expect("start bare server"),
    );
    wait_ready(bare_addr).await.expect("bare server up");

    let limit = Duration::from_secs(seconds);
    // Rounds alternate the two servers, so a slow stretch of the machine (a shared VM) hits
    // both; the table shows each row's median round and the ratios are the medians of each
    // round's own ratio.
    let mut rounds: Vec<[Stats; 4]> = Vec::new();
    let mut rss_mb = None;
    let mut got = 0;
    for round in 0..rounds_wanted {
        let bare_get = load(bare_addr, Method::GET, connections, limit, u64::MAX).await;
        let tm_get = load(addr, Method::GET, connections, limit, u64::MAX).await;
        if round == 0 {
            // Resident memory after BENCH_GET_REQUESTS GETs, before any POST stored anything.
            got = tm_get.requests;
            if got < get_requests {
                let long = Duration::from_secs(120);
                got += load(addr, Method::GET, connections, long, get_requests - got)
                    .await
                    .requests;
            }
            rss_mb = rss_kib(pid).map(|k| k as f64 / 1024.0);
        }
        let bare_post = load(bare_addr, Method::POST, connections, limit, u64::MAX).await;
        // Each round creates into a session reset to the seed, with room for every POST: the
        // default cap is 10 000 providers a session.
        let (status, _) = send_one(addr, Method::POST, "/__admin/reset", "bench-post", None).await;
        assert!(status < 300, "reset answered {status}");
        raise_max_providers(addr, "bench-post").await;
        let tm_post = load(addr, Method::POST, connections, limit, u64::MAX).await;
        rounds.push([bare_get, tm_get, bare_post, tm_post]);
    }

    println!(
        "trunkmock load benchmark ({connections} connections, loopback, server core 0, load core 1, \
         {rounds_wanted} rounds of {seconds} s per row: the median round shown)"
    );
    println!(
        "{:<30} {:>10} {:>10} {:>9} {:>9} {:>7}",
        "", "requests", "req/s", "p50 ms", "p99 ms", "errors"
    );
    let names = [
        "bare hyper GET",
        "trunkmock GET /api/providers",
        "bare hyper POST",
        "trunkmock POST /api/providers",
    ];
    for (i, name) in names.iter().enumerate() {
        let m = |f: fn(&Stats) -> f64| median(rounds.iter().map(|r| f(&r[i])).collect());
        println!(
            "{:<30} {:>10.0} {:>10.0} {:>9.3} {:>9.3} {:>7}",
            name,
            m(|s| s.requests as f64),
            m(|s| s.rps),
            m(|s| s.p50_us as f64) / 1000.0,
            m(|s| s.p99_us as f64) / 1000.0,
            rounds.iter().map(|r| r[i].errors).sum::<u64>()
        );
    }
    for (label, bare, tm) in [("GET ", 0, 1), ("POST", 2, 3)] {
        let ratios: Vec<f64> = rounds
            .iter()
            .map(|r| 100.0 * r[tm].rps / r[bare].rps)
            .collect();
        let each: Vec<String> = ratios.iter().map(|r| format!("{r:.1}")).collect();
        println!(
            "{label} ratio to bare hyper: {:.1} % (rounds: {} %); trunkmock p99 by round: {} ms",
            median(ratios.clone()),
            each.join(", "),
            rounds
                .iter()
                .map(|r| format!("{:.3}", r[tm].p99_us as f64 / 1000.0))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    match startup_ms {
        Some(ms) => println!("start-up to first answered request: {ms:.1} ms"),
        None => println!("start-up: server did not answer within 10 s"),
    }
    if let Some(mb) = rss_mb {
        println!(
            "resident memory after {} GET requests: {mb:.1} MB",
            got.max(get_requests)
        );
    }
    println!("(bodies: GET {get_size} bytes, POST {post_size} bytes)");

    // The soak first: its RSS is then the server's own, not the flat-cost sessions'.
    soak(addr, pid, connections).await;
    flat_cost(addr, pid, connections, limit).await;
}

/// RSS after BENCH_SOAK mixed requests (half creates, half lists) in one session reset every
/// 10 000, against RSS after the first 100 000: memory must come back after each reset.
async fn soak(addr: SocketAddr, pid: u32, connections: usize) {
    let total = env_num("BENCH_SOAK", 1_000_000);
    if total == 0 {
        return;
    }
    let session = "bench-soak";
    let round = 10_000;
    let long = Duration::from_secs(600);
    let rss_before = rss_kib(pid);
    let mut rss_first = None;
    let mut done = 0;
    let started = Instant::now();
    while done < total {
        for method in [Method::POST, Method::GET] {
            load_to(
                addr,
                method,
                "/api/providers",
                Some(session),
                connections,
                long,
                round / 2,
            )
            .await;
        }
        let (status, _) = send_one(addr, Method::POST, "/__admin/reset", session, None).await;
        assert!(status < 300, "reset answered {status}");
        done += round;
        if done == 100_000 {
            rss_first = rss_kib(pid);
        }
    }
    let rss_last = rss_kib(pid);
    println!();
    if let (Some(z), Some(a), Some(b)) = (rss_before, rss_first, rss_last) {
        println!(
            "soak: {done} mixed requests, reset every {round}, in {:.0} s: RSS {:.1} MB before, {:.1} MB after 100 000, {:.1} MB after {done} ({:+.1} %)",
            started.elapsed().as_secs_f64(),
            z as f64 / 1024.0,
            a as f64 / 1024.0,
            b as f64 / 1024.0,
            100.0 * (b as f64 - a as f64) / a as f64
        );
    }
}

/// Sets `pbx.max_providers` high in `session` through the admin API.
async fn raise_max_providers(addr: SocketAddr, session: &str) {
    let body = r#"{"name": "bench", "settings": {"pbx": {"max_providers": 10000000}}}"#;
    let (status, _) = send_one(
        addr,
        Method::POST,
        "/__admin/scenarios",
        session,
        Some(body),
    )
    .await;
    assert!(status < 300, "raising max_providers answered {status}");
}

/// One request on a fresh connection: status and body.
async fn send_one(
    addr: SocketAddr,
    method: Method,
    path: &str,
    session: &str,
    body: Option<&str>,
) -> (u16, Bytes) {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut send, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .unwrap();
    tokio::spawn(conn);
    let req = Request::builder()
        .method(method)
        .uri(path)
        .header("host", "bench")
        .header("x-trunkmock-session", session)
        .header("content-type", "application/json")
        .body(Full::new(body.map_or_else(Bytes::new, |b| {
            Bytes::copy_from_slice(b.as_bytes())
        })))
        .unwrap();
    let r = send.send_request(req).await.unwrap();
    let status = r.status().as_u16();
    (status, r.into_body().collect().await.unwrap().to_bytes())
}

/// One family's flat-cost case: how to make a resource and where to read it back.
struct FlatCase {
    family: &'static str,
    /// Settings raising the family's cap (and, for fusion, keeping its clock work out of it).
    settings: &'static str,
    create_path: &'static str,
    /// The body of create number `n` with a name prefix unique to the phase.
    body: fn(&str, u64) -> String,
    created: u16,
    /// The path of the resource a create answered.
    read_path: fn(&serde_json::Value) -> String,
}

const FUSION_TGS: &str = "/api/v01/draas/draas_v1/tenants/11111111-1111-4111-8111-111111111111/subscriptions/1/trunkgroups";
const APIO_TGS: &str = "/api/v1/tenants/foo/groups/foogroup/services/trunk_groups/";

fn flat_cases() -> Vec<FlatCase> {
    vec![
        FlatCase {
            family: "pbx",
            settings: r#"{"pbx": {"max_providers": 10000000}}"#,
            create_path: "/api/providers",
            body: |_, _| POST_BODY.to_string(),
            created: 201,
            read_path: |v| format!("/api/providers/{}", v["id"].as_str().unwrap()),
        },
        FlatCase {
            family: "fusion",
            // Synchronisations and bulk runs fall due only after the run, so this measures
            // lookups alone; BENCH_FUSION_DEFAULT_DELAYS adds the due-time queue's work.
            settings: r#"{"fusion": {"max_trunk_groups_per_subscription": 10000000,
                "sync_delay_seconds": 30000000, "bulk_duration_seconds": 30000000}}"#,
            create_path: FUSION_TGS,
            body: |p, n| format!(r#"{{"name":"{p}{n}"}}"#),
            created: 200,
            read_path: |v| format!("{FUSION_TGS}/{}", v["id"]),
        },
        FlatCase {
            family: "apio",
            settings: r#"{"apio": {"max_trunk_groups_per_group": 10000000}}"#,
            create_path: APIO_TGS,
            body: |p, n| format!(r#"{{"name":"{p}{n}","maxActiveCalls":4}}"#),
            created: 201,
            read_path: |v| format!("{APIO_TGS}{}/", v["name"].as_str().unwrap()),
        },
    ]
}

/// POST and GET-by-id p99 with BENCH_PROVIDERS (100 000) resources in a session against an
/// empty one, for each family of BENCH_FLAT (pbx,fusion,apio); and the resident memory one
/// stored resource costs, from the second half of the fill (the journal is full by then).
async fn flat_cost(addr: SocketAddr, pid: u32, connections: usize, limit: Duration) {
    let count = env_num("BENCH_PROVIDERS", 100_000);
    let families = std::env::var("BENCH_FLAT").unwrap_or_else(|_| "pbx,fusion,apio".into());
    let mut rows = Vec::new();
    let mut summary = Vec::new();
    for case in flat_cases() {
        if !families.split(',').any(|f| f == case.family) {
            continue;
        }
        let (rows_of, line) = flat_case(addr, pid, connections, limit, count, &case).await;
        rows.extend(rows_of);
        summary.push(line);
    }
    println!();
    println!("flat cost: {count} resources in one session against an empty one");
    println!(
        "{:<40} {:>10} {:>10} {:>9} {:>9} {:>7}",
        "", "requests", "req/s", "p50 ms", "p99 ms", "errors"
    );
    for (name, s) in rows {
        println!(
            "{:<40} {:>10} {:>10.0} {:>9.3} {:>9.3} {:>7}",
            name,
            s.requests,
            s.rps,
            s.p50_us as f64 / 1000.0,
            s.p99_us as f64 / 1000.0,
            s.errors
        );
    }
    for line in summary {
        println!("{line}");
    }
}

/// One family's flat-cost rows and its summary line.
async fn flat_case(
    addr: SocketAddr,
    pid: u32,
    connections: usize,
    limit: Duration,
    count: u64,
    case: &FlatCase,
) -> (Vec<(String, Stats)>, String) {
    let f = case.family;
    let (empty, big) = (format!("bench-{f}-empty"), format!("bench-{f}-big"));
    // BENCH_FUSION_DEFAULT_DELAYS keeps fusion's sync and bulk delays at their defaults, so a
    // stream of creates keeps the due-time queue busy.
    let settings = if f == "fusion" && std::env::var_os("BENCH_FUSION_DEFAULT_DELAYS").is_some() {
        r#"{"fusion": {"max_trunk_groups_per_subscription": 10000000}}"#
    } else {
        case.settings
    };
    for s in [&empty, &big] {
        apply_settings(addr, s, settings).await;
    }
    let make = case.body;
    let fill_phase = |prefix: &'static str| -> BodyFn { Arc::new(move |n| make(prefix, n).into()) };
    let filled = Instant::now();
    let half = count / 2;
    let fill = |prefix: &'static str, n: u64| {
        load_with(
            addr,
            Method::POST,
            case.create_path,
            Some(&big),
            connections,
            Duration::from_secs(900),
            n,
            fill_phase(prefix),
        )
    };
    let first = fill("fill-a-", half).await;
    // The second half is measured alone: the session's journal is full by then and stays so,
    // so what RSS gains is what the resources cost.
    let before = rss_kib(pid);
    let second = fill("fill-b-", count - half).await;
    let after = rss_kib(pid);
    let fill_s = filled.elapsed().as_secs_f64();
    let fill_errors = first.errors + second.errors;
    let per_resource = match (before, after) {
        (Some(b), Some(a)) if second.requests > 0 => {
            Some((a.saturating_sub(b) * 1024) as f64 / second.requests as f64)
        }
        _ => None,
    };
    // One resource to read back in each session.
    let mut paths = Vec::new();
    for s in [&empty, &big] {
        let body = make("probe-", 0);
        let (status, answer) = send_one(addr, Method::POST, case.create_path, s, Some(&body)).await;
        assert_eq!(status, case.created, "{f} create in {s}: {answer:?}");
        let v: serde_json::Value = serde_json::from_slice(&answer).unwrap();
        paths.push((case.read_path)(&v));
    }
    let no_body: BodyFn = Arc::new(|_| Bytes::new());
    let get = |path: String, session: String| {
        let no_body = no_body.clone();
        async move {
            load_with(
                addr,
                Method::GET,
                &path,
                Some(&session),
                connections,
                limit,
                u64::MAX,
                no_body,
            )
            .await
        }
    };
    let get_empty = get(paths[0].clone(), empty.clone()).await;
    let get_big = get(paths[1].clone(), big.clone()).await;
    // POSTs last: each adds to its session, the big one stays big.
    // Names stay unique across rounds (fusion and apio refuse a repeated name).
    let post = |session: String, round: u64| {
        let prefix = format!("post{round}-");
        let body: BodyFn = Arc::new(move |n| make(&prefix, n).into());
        async move {
            load_with(
                addr,
                Method::POST,
                case.create_path,
                Some(&session),
                connections,
                limit,
                20_000,
                body,
            )
            .await
        }
    };
    // A window of 20 000 creates lasts well under a second, so one hiccup of a shared machine
    // can own its p99: the POST pair runs in BENCH_ROUNDS rounds (empty, then big, back to
    // back), and the median round by ratio is shown. Each round starts the empty session
    // afresh; the big one keeps what earlier rounds added (100 000 and more).
    let ratio = |big: Stats, empty: Stats| big.p99_us as f64 / empty.p99_us.max(1) as f64;
    let mut post_rounds = Vec::new();
    for round in 0..env_num("BENCH_ROUNDS", 3).max(1) {
        if round > 0 {
            let (status, _) = send_one(addr, Method::POST, "/__admin/reset", &empty, None).await;
            assert!(status < 300, "reset answered {status}");
            apply_settings(addr, &empty, settings).await;
        }
        let e = post(empty.clone(), round).await;
        let b = post(big.clone(), round).await;
        post_rounds.push((ratio(b, e), e, b));
    }
    let each: Vec<String> = post_rounds.iter().map(|r| format!("{:.2}", r.0)).collect();
    post_rounds.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (post_ratio, post_empty, post_big) = post_rounds[post_rounds.len() / 2];
    let stored = first.requests + second.requests - fill_errors;
    let line = format!(
        "{f}: filled {count} in {fill_s:.1} s ({fill_errors} errors, slowest create {:.1} ms); p99 {stored}/empty: GET by id {:.2}x, POST {post_ratio:.2}x (rounds: {}) (goal: within 2x); {}",
        first.max_us.max(second.max_us) as f64 / 1000.0,
        ratio(get_big, get_empty),
        each.join(", "),
        per_resource.map_or("RSS n/a".into(), |b| format!(
            "{b:.0} bytes of RSS per stored resource"
        )),
    );
    let rows = vec![
        (format!("{f} GET by id, empty session"), get_empty),
        (format!("{f} GET by id, {stored} stored"), get_big),
        (format!("{f} POST, empty session"), post_empty),
        (format!("{f} POST, {stored} stored"), post_big),
    ];
    (rows, line)
}

/// Applies `settings` (a JSON object) to `session` through the admin API.
async fn apply_settings(addr: SocketAddr, session: &str, settings: &str) {
    let body = format!(r#"{{"name": "bench", "settings": {settings}}}"#);
    let (status, answer) = send_one(
        addr,
        Method::POST,
        "/__admin/scenarios",
        session,
        Some(&body),
    )
    .await;
    assert!(
        status < 300,
        "settings for {session} answered {status}: {answer:?}"
    );
}

/// Polls until `addr` answers `GET /__admin/health` (at most 10 s).
async fn wait_ready(addr: SocketAddr) -> Option<()> {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Ok(stream) = TcpStream::connect(addr).await
            && let Ok((mut send, conn)) =
                hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await
        {
            tokio::spawn(conn);
            let req = Request::get("/__admin/health")
                .header("host", "bench")
                .body(Full::new(Bytes::new()))
                .unwrap();
            if let Ok(r) = send.send_request(req).await
                && r.status().is_success()
            {
                return Some(());
            }
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    None
}

fn request(method: &Method, session: Option<&str>) -> Request<Full<Bytes>> {
    request_to(method, "/api/providers", session)
}

fn request_to(method: &Method, path: &str, session: Option<&str>) -> Request<Full<Bytes>> {
    request_with(
        method,
        path,
        session,
        Bytes::from_static(POST_BODY.as_bytes()),
    )
}

/// A request with `body` when it is a POST.
fn request_with(
    method: &Method,
    path: &str,
    session: Option<&str>,
    body: Bytes,
) -> Request<Full<Bytes>> {
    let mut b = Request::builder()
        .method(method.clone())
        .uri(path)
        .header("host", "bench");
    if let Some(s) = session {
        b = b.header("x-trunkmock-session", s);
    }
    if *method == Method::POST {
        b.header("content-type", "application/json")
            .body(Full::new(body))
            .unwrap()
    } else {
        b.body(Full::new(Bytes::new())).unwrap()
    }
}

/// One request; answers the body's size.
async fn one(addr: SocketAddr, method: Method, _path: &str, session: Option<&str>) -> usize {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut send, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .unwrap();
    tokio::spawn(conn);
    let r = send.send_request(request(&method, session)).await.unwrap();
    r.into_body().collect().await.unwrap().to_bytes().len()
}

/// Drives `connections` keep-alive connections until `limit` passes or `max` requests are done.
async fn load(
    addr: SocketAddr,
    method: Method,
    connections: usize,
    limit: Duration,
    max: u64,
) -> Stats {
    // POSTs go to their own session so the GET state stays as seeded.
    let session = (method == Method::POST).then_some("bench-post");
    load_to(
        addr,
        method,
        "/api/providers",
        session,
        connections,
        limit,
        max,
    )
    .await
}

/// [`load`] on any path and session.
async fn load_to(
    addr: SocketAddr,
    method: Method,
    path: &str,
    session: Option<&str>,
    connections: usize,
    limit: Duration,
    max: u64,
) -> Stats {
    let body: BodyFn = Arc::new(|_| Bytes::from_static(POST_BODY.as_bytes()));
    load_with(addr, method, path, session, connections, limit, max, body).await
}

/// The middle value (the mean of the two middle ones for an even count).
fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n == 0 {
        return 0.0;
    }
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

/// Makes the body of request number `n` of a phase (names that must be unique use `n`).
type BodyFn = Arc<dyn Fn(u64) -> Bytes + Send + Sync>;

/// [`load_to`] with a body made per request.
#[allow(clippy::too_many_arguments)]
async fn load_with(
    addr: SocketAddr,
    method: Method,
    path: &str,
    session: Option<&str>,
    connections: usize,
    limit: Duration,
    max: u64,
    body: BodyFn,
) -> Stats {
    let counter = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let start = Instant::now();
    let deadline = start + limit;
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let method = method.clone();
        let counter = counter.clone();
        let (path, session) = (path.to_string(), session.map(str::to_string));
        let body = body.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(100_000);
            let mut errors = 0u64;
            let stream = TcpStream::connect(addr).await.unwrap();
            stream.set_nodelay(true).unwrap();
            let (mut send, conn) =
                hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                    .await
                    .unwrap();
            tokio::spawn(conn);
            loop {
                let n = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if n >= max || Instant::now() >= deadline {
                    break;
                }
                let t = Instant::now();
                let req = request_with(&method, &path, session.as_deref(), body(n));
                match send.send_request(req).await {
                    Ok(r) => {
                        let ok = r.status().is_success();
                        let _ = r.into_body().collect().await;
                        if !ok {
                            errors += 1;
                        }
                    }
                    Err(_) => {
                        errors += 1;
                        break;
                    }
                }
                lat.push(t.elapsed().as_micros() as u32);
            }
            (lat, errors)
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (lat, e) = t.await.unwrap();
        all.extend(lat);
        errors += e;
    }
    let elapsed = start.elapsed().as_secs_f64();
    all.sort_unstable();
    let pct = |p: f64| {
        all.get(((all.len() as f64 * p) as usize).min(all.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0) as u64
    };
    Stats {
        requests: all.len() as u64,
        rps: all.len() as f64 / elapsed,
        p50_us: pct(0.50),
        p99_us: pct(0.99),
        max_us: all.last().copied().unwrap_or(0) as u64,
        errors,
    }
}

fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    // The trunkmock process may be taskset's child when taskset execs; taskset execs in place.
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// The reference: hyper answering fixed bodies, nothing else.
fn bare_server(get_size: usize, post_size: usize) {
    let port: u16 = std::env::var("BARE_PORT").unwrap().parse().unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        let get_body = Bytes::from(vec![b'x'; get_size]);
        let post_body = Bytes::from(vec![b'x'; post_size]);
        // A clean exit on SIGTERM, so a run under callgrind writes its counts.
        let mut term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).unwrap();
        loop {
            let (stream, _) = tokio::select! {
                _ = term.recv() => return,
                accepted = listener.accept() => accepted.unwrap(),
            };
            let _ = stream.set_nodelay(true);
            let (g, p) = (get_body.clone(), post_body.clone());
            tokio::spawn(async move {
                let svc = hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                    let (g, p) = (g.clone(), p.clone());
                    async move {
                        let post = req.method() == Method::POST;
                        let _ = req.into_body().collect().await;
                        let mut r = Response::new(Full::new(if post { p } else { g }));
                        r.headers_mut().insert(
                            "content-type",
                            hyper::header::HeaderValue::from_static("application/json"),
                        );
                        Ok::<_, std::convert::Infallible>(r)
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
}

/// `cargo bench --bench load -- --callgrind`: instructions the server executes per request,
/// counted by `valgrind --tool=callgrind`, for trunkmock and the bare hyper server. Unlike
/// requests per second this does not change with what else the machine runs.
mod callgrind {
    use super::*;

    pub fn main() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(run());
    }

    /// One server under callgrind: its program and arguments.
    struct Target {
        name: &'static str,
        program: String,
        args: Vec<String>,
    }

    async fn run() {
        let n = env_num("BENCH_CALLGRIND_REQUESTS", 2_000);
        let keep = std::env::var_os("BENCH_CALLGRIND_KEEP").is_some();
        let dir = std::env::temp_dir().join(format!("trunkmock-callgrind-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        // Body sizes for the bare server, from a plain trunkmock.
        let port = free_port();
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let sizes = {
            let _plain = Killed(
                Command::new(trunkmock_bin())
                    .args(["serve", "--port", &port.to_string()])
                    .current_dir(env!("CARGO_MANIFEST_DIR"))
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .expect("start trunkmock"),
            );
            wait_ready(addr).await.expect("trunkmock up");
            let get = one(addr, Method::GET, "/api/providers", None).await;
            let post = one(addr, Method::POST, "/api/providers", Some("bench-probe")).await;
            (get, post)
        };
        let targets = [
            Target {
                name: "trunkmock",
                program: trunkmock_bin(),
                args: vec!["serve".into(), "--port".into()],
            },
            Target {
                name: "bare hyper",
                program: std::env::current_exe().unwrap().to_str().unwrap().into(),
                args: vec!["--bare".into(), sizes.0.to_string(), sizes.1.to_string()],
            },
        ];
        let mut per = Vec::new();
        for t in &targets {
            let idle = count(t, &dir, None, n).await;
            let get = count(t, &dir, Some(Method::GET), n).await;
            let post = count(t, &dir, Some(Method::POST), n).await;
            let each = |c: u64| c.saturating_sub(idle) as f64 / n as f64;
            per.push((t.name, each(get), each(post)));
        }
        println!(
            "instructions per request (callgrind, {n} requests on one keep-alive connection, start-up and shutdown subtracted)"
        );
        println!("{:<12} {:>14} {:>14}", "", "GET", "POST");
        for (name, g, p) in &per {
            println!("{name:<12} {g:>14.0} {p:>14.0}");
        }
        let (tm, bare) = (per[0], per[1]);
        println!(
            "trunkmock/bare: GET {:.2}x, POST {:.2}x the instructions; as a throughput ratio: GET {:.2}, POST {:.2}",
            tm.1 / bare.1,
            tm.2 / bare.2,
            bare.1 / tm.1,
            bare.2 / tm.2
        );
        if keep {
            println!("callgrind files kept in {}", dir.display());
        } else {
            let _ = std::fs::remove_dir_all(&dir);
        }
    }

    /// Total instructions of one run: start, `n` requests of `method` (none: just start), stop.
    async fn count(t: &Target, dir: &std::path::Path, method: Option<Method>, n: u64) -> u64 {
        let port = free_port();
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let phase = method.as_ref().map_or("idle", |m| m.as_str());
        let out = dir.join(format!("{}-{phase}.out", t.name.replace(' ', "-")));
        let mut cmd = Command::new("valgrind");
        cmd.arg("--tool=callgrind")
            .arg(format!("--callgrind-out-file={}", out.display()))
            .arg(&t.program)
            .args(&t.args);
        if t.name == "trunkmock" {
            cmd.arg(port.to_string());
        }
        let mut child = cmd
            .env("BARE_PORT", port.to_string())
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("valgrind (apt-get install valgrind)");
        let deadline = Instant::now() + Duration::from_secs(120);
        while wait_ready(addr).await.is_none() {
            assert!(
                Instant::now() < deadline,
                "{} did not start under callgrind",
                t.name
            );
        }
        if let Some(m) = method {
            let s = load_to(
                addr,
                m,
                "/api/providers",
                Some("bench-callgrind"),
                1,
                Duration::from_secs(600),
                n,
            )
            .await;
            assert_eq!(s.errors, 0, "{} answered errors under callgrind", t.name);
        }
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let _ = child.wait();
        let text = std::fs::read_to_string(&out).expect("a callgrind output file");
        text.lines()
            .find_map(|l| {
                l.strip_prefix("summary:")
                    .or_else(|| l.strip_prefix("totals:"))
            })
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .expect("a callgrind summary line")
    }
}
