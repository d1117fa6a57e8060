//! The `trunkmock` command: `serve`, `check`, `routes` and `contracts export`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use trunkmock::{EngineConfig, Options};

#[derive(Parser)]
#[command(
    name = "trunkmock",
    version,
    about = "Stateful fakes of SIP-trunk provisioning APIs for contract testing"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve every API family, seeded from the scenario files.
    #[command(
        after_help = "Stored resources per session are capped by scenario settings: pbx.max_providers, operator.max_resources and the fusion.max_* and apio.max_* settings (scenarios/README.md). GET /__admin/health lists every limit in force under `limits`, the families' caps under `limits.families`."
    )]
    Serve(ServeArgs),
    /// Load and compile contracts and scenarios; print every problem; exit 1 on any.
    Check(SourceArgs),
    /// List every operation: family, operationId, method, path.
    Routes(SourceArgs),
    /// The contracts built into this binary.
    #[command(subcommand)]
    Contracts(ContractsCommand),
}

#[derive(Subcommand)]
enum ContractsCommand {
    /// Write every built-in contract to DIR as `<family>.openapi.json` (DIR is created).
    Export {
        /// Folder to write into.
        dir: PathBuf,
    },
}

#[derive(Args, Clone)]
struct SourceArgs {
    /// Folder of `<family>.openapi.json` contracts; `built-in`: the ones compiled into this
    /// binary (write them out with `trunkmock contracts export DIR`).
    #[arg(long, env = "TRUNKMOCK_CONTRACTS", default_value = trunkmock::embedded::BUILT_IN)]
    contracts: PathBuf,
    /// Scenario file (repeatable; later files override earlier ones); `built-in`: the default
    /// scenario compiled into this binary.
    #[arg(
        long = "scenario",
        env = "TRUNKMOCK_SCENARIO",
        value_delimiter = ',',
        default_value = trunkmock::embedded::BUILT_IN
    )]
    scenarios: Vec<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Args)]
struct ServeArgs {
    #[command(flatten)]
    source: SourceArgs,
    /// Address to listen on.
    #[arg(long, env = "TRUNKMOCK_HOST", default_value = "127.0.0.1")]
    host: String,
    /// Port to listen on (0 picks a free one).
    #[arg(long, env = "TRUNKMOCK_PORT", default_value_t = 8080)]
    port: u16,
    /// Seed for every generated id, so runs repeat.
    #[arg(long, env = "TRUNKMOCK_SEED")]
    seed: Option<u64>,
    /// Log format: one line per request, as text or JSON.
    #[arg(long, env = "TRUNKMOCK_LOG_FORMAT", value_enum, default_value = "text")]
    log_format: LogFormat,
    /// Require `Authorization: Bearer <token>` on /__admin/*; the dashboard's browser sends
    /// it as the cookie `trunkmock_admin`, set by opening /__admin/ui?token=<token> once.
    #[arg(long, env = "TRUNKMOCK_ADMIN_TOKEN")]
    admin_token: Option<String>,
    /// Requests kept per session in the journal.
    #[arg(long, env = "TRUNKMOCK_JOURNAL_LIMIT", default_value_t = 10_000)]
    journal_limit: usize,
    /// Bytes the journals of all sessions hold together; past it a session's oldest go first.
    #[arg(long, env = "TRUNKMOCK_JOURNAL_BYTES", default_value_t = 64 * 1024 * 1024)]
    journal_bytes: usize,
    /// Seconds a session may stay idle before it is dropped (never `default`, never one in
    /// use); 0 keeps sessions until deleted.
    #[arg(long, env = "TRUNKMOCK_SESSION_TTL", default_value_t = 3600)]
    session_ttl: u64,
    /// Sessions kept at once; a new one past this is refused with 429.
    #[arg(long, env = "TRUNKMOCK_MAX_SESSIONS", default_value_t = 1000)]
    max_sessions: usize,
    /// Save every session here on graceful shutdown and on `POST /__admin/snapshot`; load it
    /// at start when it exists (a file that does not load stops the start).
    #[arg(long, env = "TRUNKMOCK_STATE_FILE")]
    state_file: Option<PathBuf>,
    /// Reload the scenario files when they change (checked every 500 ms); new sessions and
    /// resets use the new one, an edit that does not load is logged and ignored.
    #[arg(long, env = "TRUNKMOCK_WATCH")]
    watch: bool,
    /// Largest request body accepted, in bytes (larger: 413).
    #[arg(long, env = "TRUNKMOCK_BODY_LIMIT", default_value_t = 1024 * 1024)]
    body_limit: usize,
    /// Check every answer against its contract; a violation answers 500 and logs an error.
    #[arg(long, env = "TRUNKMOCK_VERIFY_RESPONSES")]
    verify_responses: bool,
    /// Answer CORS preflights and add `Access-Control-Allow-Origin`, for browser clients.
    #[arg(long, env = "TRUNKMOCK_CORS")]
    cors: bool,
    /// Sign-in checks for every family (off, optional, required), overriding each family's
    /// `auth_mode` setting; absent: the settings decide (default optional).
    #[arg(long, env = "TRUNKMOCK_AUTH")]
    auth: Option<trunkmock::engine::auth::AuthMode>,
}

fn options(source: &SourceArgs, engine: EngineConfig) -> Options {
    Options {
        contracts: source.contracts.clone(),
        scenarios: source.scenarios.clone(),
        engine,
    }
}

fn init_logging(format: LogFormat) {
    trunkmock::logging::install(match format {
        LogFormat::Text => trunkmock::logging::Format::Text,
        LogFormat::Json => trunkmock::logging::Format::Json,
    });
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => serve(args),
        Command::Check(source) => {
            let problems = trunkmock::check(&options(&source, EngineConfig::default()));
            if problems.is_empty() {
                println!("ok: contracts and scenarios load");
                ExitCode::SUCCESS
            } else {
                for p in &problems {
                    eprintln!("{p}");
                }
                eprintln!("{} problem(s)", problems.len());
                ExitCode::FAILURE
            }
        }
        Command::Contracts(ContractsCommand::Export { dir }) => {
            match trunkmock::embedded::export_contracts(&dir) {
                Ok(files) => {
                    for f in files {
                        println!("{}", f.display());
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("cannot write the contracts into {}: {e}", dir.display());
                    ExitCode::FAILURE
                }
            }
        }
        Command::Routes(source) => {
            match trunkmock::build_engine(&options(&source, EngineConfig::default())) {
                Ok(engine) => {
                    for op in &engine.contracts.operations {
                        println!(
                            "{:<9} {:<40} {:<7} {}",
                            op.family, op.operation_id, op.method, op.path
                        );
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("{e}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

fn serve(args: ServeArgs) -> ExitCode {
    init_logging(args.log_format);
    let code = serve_logged(args);
    // Log lines are written by a background thread: let it finish before the process ends.
    trunkmock::logging::flush();
    code
}

fn serve_logged(args: ServeArgs) -> ExitCode {
    let config = EngineConfig {
        body_limit: args.body_limit,
        journal_limit: args.journal_limit,
        journal_bytes: args.journal_bytes,
        session_ttl_secs: args.session_ttl,
        max_sessions: args.max_sessions,
        admin_token: args.admin_token.clone(),
        seed: args.seed,
        verify_responses: args.verify_responses,
        cors: args.cors,
        state_file: args.state_file.clone(),
        auth: args.auth,
        ..EngineConfig::default()
    };
    let engine = match trunkmock::build_engine(&options(&args.source, config)) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("trunkmock cannot start:\n{e}");
            return ExitCode::FAILURE;
        }
    };
    let addr: SocketAddr = match format!("{}:{}", args.host, args.port).parse() {
        Ok(a) => a,
        Err(_) => match (args.host.as_str(), args.port) {
            ("localhost", p) => SocketAddr::from(([127, 0, 0, 1], p)),
            _ => {
                eprintln!(
                    "trunkmock cannot start: --host {} is not an IP address",
                    args.host
                );
                return ExitCode::FAILURE;
            }
        },
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("trunkmock cannot start a runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let listener = match tokio::net::TcpListener::bind(addr).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("trunkmock cannot listen on {addr}: {e}");
                return ExitCode::FAILURE;
            }
        };
        let local = listener.local_addr().unwrap_or(addr);
        // Signal handlers first: a SIGTERM right after "listening on" must stop us gracefully.
        let shutdown = trunkmock::server::shutdown_signal();
        if args.watch {
            let scenarios = args.source.scenarios.clone();
            trunkmock::watch::spawn(&engine, scenarios, Vec::new(), trunkmock::watch::POLL_EVERY);
        }
        tracing::info!(
            families = engine.families.len(),
            operations = engine.contracts.operations.len(),
            "listening on http://{local}"
        );
        // Idle sessions are dropped in the background, at a quarter of the TTL (1 s to 60 s).
        if args.session_ttl > 0 {
            let engine = engine.clone();
            let every = std::time::Duration::from_secs((args.session_ttl / 4).clamp(1, 60));
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(every);
                loop {
                    tick.tick().await;
                    engine.sessions.sweep(engine.clock.now_ms());
                }
            });
        }
        trunkmock::server::serve(engine, listener, shutdown).await;
        tracing::info!("stopped");
        ExitCode::SUCCESS
    })
}
