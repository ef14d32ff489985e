//! The binary's command line: `--version`, `--help`, the serve subcommand's flags, and a clear
//! exit code 2 with usage for an unknown argument.

use std::process::Command;

fn gradtape(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_gradtape"))
        .args(args)
        .output()
        .expect("the gradtape binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn version_and_help() {
    let (code, out, _) = gradtape(&["--version"]);
    assert_eq!(
        (code, out.trim()),
        (0, concat!("gradtape ", env!("CARGO_PKG_VERSION")))
    );
    let (code, out, _) = gradtape(&["--help"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("serve") && out.contains("--addr") && out.contains("GRADTAPE_ADDR"),
        "{out}"
    );
    let (code, out, _) = gradtape(&["serve", "--help"]);
    assert_eq!(code, 0);
    assert!(out.contains("--addr <HOST:PORT>"), "{out}");
}

#[test]
fn bad_arguments_exit_2_with_usage() {
    for args in [&["--frobnicate"][..], &["serve", "--addr"], &["bogus"]] {
        let (code, _, err) = gradtape(args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(
            err.contains("error:") && err.contains("--help"),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn an_unusable_address_fails_cleanly() {
    let (code, _, err) = gradtape(&["serve", "--addr", "not-an-address"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("cannot listen on not-an-address"), "{err}");
}
