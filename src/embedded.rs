//! The contracts and the default scenario, compiled into the binary so that `trunkmock serve`
//! works from any directory (after `cargo install`, in a CI job, from a wrapper script).
//! `--contracts DIR` and `--scenario FILE` still load files instead; `tests/embedded.rs` keeps
//! this list equal to the files in `contracts/`.

/// The value of `--contracts` or of one `--scenario` that means "the copy built into the
/// binary". A folder or file really named so is reached as `./built-in`.
pub const BUILT_IN: &str = "built-in";

/// Every built-in contract: `(family, OpenAPI document text)`, in file-name order.
pub const CONTRACTS: &[(&str, &str)] = &[
    ("apio", include_str!("../contracts/apio.openapi.json")),
    ("fusion", include_str!("../contracts/fusion.openapi.json")),
    (
        "operator",
        include_str!("../contracts/operator.openapi.json"),
    ),
    ("pbx", include_str!("../contracts/pbx.openapi.json")),
];

/// The admin API's own contract (`/__admin/*`). It is not a family: the engine never loads it
/// (a `--contracts` folder may hold it too), it is served as `GET /__admin/contracts/admin`
/// and written out by `trunkmock contracts export` for client generators.
pub const ADMIN_CONTRACT: &str = include_str!("../contracts/admin.openapi.json");

/// The file name of [`ADMIN_CONTRACT`], which a contracts folder skips.
pub const ADMIN_CONTRACT_FILE: &str = "admin.openapi.json";

/// The built-in default scenario (`scenarios/default.json`).
pub const DEFAULT_SCENARIO: &str = include_str!("../scenarios/default.json");

/// How problems in the built-in contracts and scenario name their file.
pub fn contract_file(family: &str) -> String {
    format!("built-in:contracts/{family}.openapi.json")
}

/// The name the built-in default scenario is reported under.
pub const DEFAULT_SCENARIO_FILE: &str = "built-in:scenarios/default.json";

/// Whether a `--contracts` or `--scenario` value asks for the built-in copy.
pub fn is_built_in(path: &std::path::Path) -> bool {
    path.as_os_str() == BUILT_IN
}

/// Writes every built-in contract into `dir` (created if missing) as `<family>.openapi.json`;
/// returns the files written.
pub fn export_contracts(dir: &std::path::Path) -> std::io::Result<Vec<std::path::PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut written = Vec::new();
    for (family, text) in CONTRACTS {
        let path = dir.join(format!("{family}.openapi.json"));
        std::fs::write(&path, text)?;
        written.push(path);
    }
    let admin = dir.join(ADMIN_CONTRACT_FILE);
    std::fs::write(&admin, ADMIN_CONTRACT)?;
    written.push(admin);
    Ok(written)
}
