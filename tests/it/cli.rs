//! The binary's command line: `--version`, `--help`, the serve subcommand's flags, and a clear
//! exit code 2 with usage for an unknown argument.

use std::process::Command;

fn gradtape(args: &[&str]) -> (i32, String, String) {
    gradtape_with(args, &[])
}

fn gradtape_with(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_gradtape"))
        .args(args)
        .envs(env.iter().copied())
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

fn cell_file(name: &str, text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("gradtape-run-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let path = dir.join(name);
    std::fs::write(&path, text).expect("the cell is written");
    path
}

#[test]
fn run_prints_what_python_prints() {
    let cell = cell_file(
        "tape.py",
        "import tensorflow as tf\n\
         x = tf.Variable(3.0)\n\
         with tf.GradientTape() as g:\n    y = x * x\n\
         print(g.gradient(y, x))\n\
         print(f\"{y.numpy():.2f}\")\n",
    );
    let (code, out, err) = gradtape(&["run", cell.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "tf.Tensor(6.0, shape=(), dtype=float32)\n9.00\n");
}

/// `GRADTAPE_TF_CPU` picks whose last bits a float32 product takes (TensorFlow 2.15's, with
/// oneDNN, on an AVX-512 Xeon and on an AVX2 EPYC: tests/conformance/cases/
/// float32_matmul_small_products_bit_exact.json), and a name it does not know is refused.
#[test]
fn the_tf_cpu_setting_picks_the_order_of_a_products_sums() {
    let cell = cell_file(
        "product.py",
        "import tensorflow as tf\n\
         a = tf.constant([[-1.257, -0.355, 0.697, 0.058, -0.41]])\n\
         b = tf.constant([[0.674], [2.475], [2.284], [-0.522], [0.291]])\n\
         b = tf.concat([b, b, b, b], axis=1)\n\
         a = tf.concat([a, a, a], axis=0)\n\
         print(repr(float(tf.matmul(a, b)[0, 0])))\n",
    );
    let path = cell.to_str().unwrap();
    let (code, reference, err) = gradtape(&["run", path]);
    assert_eq!(code, 0, "{err}");
    let (code, avx2, err) = gradtape_with(&["run", path], &[("GRADTAPE_TF_CPU", "avx2")]);
    assert_eq!(code, 0, "{err}");
    // the case's C1[0][0], as TensorFlow answered on each CPU
    assert_eq!(reference, "-0.2834809422492981\n");
    assert_eq!(avx2, "-0.2834809124469757\n");
    let (code, _, err) = gradtape_with(&["run", path], &[("GRADTAPE_TF_CPU", "avx9")]);
    assert_eq!(code, 2);
    assert!(
        err.contains("GRADTAPE_TF_CPU") && err.contains("avx2"),
        "{err}"
    );
}

/// `GRADTAPE_TF_ONEDNN=off` answers as TensorFlow with oneDNN off (its default on CPUs without
/// AVX-512): a float32 softmax takes Eigen's steps, whose last bits differ from oneDNN's
/// kernel's (each TensorFlow 2.15's on an Intel Xeon, `TF_ENABLE_ONEDNN_OPTS=0` and `=1`), and
/// a value it does not know is refused.
#[test]
fn the_tf_onednn_setting_picks_the_softmax() {
    let cell = cell_file(
        "softmax.py",
        "import tensorflow as tf\n\
         x = tf.constant([[-0.156, -0.334, 3.125, -3.77, 2.236, -5.133, -0.618]])\n\
         s = tf.nn.softmax(x)\n\
         print(repr(float(s[0, 0])), repr(float(s[0, 4])))\n",
    );
    let path = cell.to_str().unwrap();
    let (code, on, err) = gradtape(&["run", path]);
    assert_eq!(code, 0, "{err}");
    let (code, off, err) = gradtape_with(&["run", path], &[("GRADTAPE_TF_ONEDNN", "off")]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(on, "0.024975957348942757 0.27312061190605164\n");
    assert_eq!(off, "0.024975959211587906 0.2731206715106964\n");
    let (code, _, err) = gradtape_with(&["run", path], &[("GRADTAPE_TF_ONEDNN", "no")]);
    assert_eq!(code, 2);
    assert!(
        err.contains("GRADTAPE_TF_ONEDNN") && err.contains("off"),
        "{err}"
    );
}

#[test]
fn run_reports_an_exception_as_a_traceback_with_its_line() {
    let cell = cell_file(
        "bad.py",
        "import tensorflow as tf\nprint('before')\na = tf.ones([2, 3])\nb = tf.matmul(a, a)\n",
    );
    let path = cell.to_str().unwrap();
    let (code, out, err) = gradtape(&["run", path]);
    assert_eq!((code, out.as_str()), (1, "before\n"), "{err}");
    assert!(
        err.starts_with(&format!(
            "Traceback (most recent call last):\n  File \"{path}\", line 4, in <module>\n    b = tf.matmul(a, a)\nInvalidArgumentError: "
        )),
        "{err}"
    );
}

#[test]
fn run_shows_a_syntax_error_with_a_caret() {
    let cell = cell_file("syntax.py", "x = 1\ny = (x +\n");
    let (code, out, err) = gradtape(&["run", cell.to_str().unwrap()]);
    assert_eq!((code, out.as_str()), (1, ""), "{err}");
    assert!(err.contains("SyntaxError: "), "{err}");
    assert!(err.contains("line 2") || err.contains("line 3"), "{err}");
    let (code, _, err) = gradtape(&["run", "/nonexistent/cell.py"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("cannot read /nonexistent/cell.py"), "{err}");
}

#[test]
fn every_setting_the_binary_reads_is_documented() {
    let root = env!("CARGO_MANIFEST_DIR");
    let read = |p: &str| std::fs::read_to_string(format!("{root}/{p}")).unwrap();
    let config = read("src/config.rs");
    let docs = read("README.md") + &read("docker/README.md");
    let mut missing = Vec::new();
    for (i, _) in config.match_indices("\"GRADTAPE_") {
        let name: String = config[i + 1..]
            .chars()
            .take_while(|c| c.is_ascii_uppercase() || *c == '_')
            .collect();
        if !docs.contains(&format!("`{name}`")) && !missing.contains(&name) {
            missing.push(name);
        }
    }
    assert!(
        missing.is_empty(),
        "not in the README's or docker/README.md's settings: {missing:?}"
    );
}
