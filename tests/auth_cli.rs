//! `--auth` on the command line: the value is checked before anything starts (its effect on
//! requests is proven through the same `EngineConfig::auth` in tests/auth.rs).

use std::process::Command;

#[test]
fn auth_flag_refuses_an_unknown_mode_naming_the_known_ones() {
    let out = Command::new(env!("CARGO_BIN_EXE_trunkmock"))
        .args(["serve", "--port", "0", "--auth", "sometimes"])
        .output()
        .expect("run trunkmock");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("expected off, optional or required"), "{err}");
}
