//! A cell's Python values are bounded (each string, list and tuple, and all a cell makes
//! together), so no cell can exhaust the server's memory in one step or over many; and reading
//! a list costs what Python's does (`len` and `a[i]` copy nothing).

use serde_json::{json, Value};

use crate::support::{app_with, call, run_cell, test_app};
use gradtape::config::Config;

/// The resident memory of this test process, in bytes.
fn rss() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|kb| {
            kb.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<usize>()
                .ok()
        })
        .map_or(0, |kb| kb * 1024)
}

#[track_caller]
fn assert_limit(body: &Value, says: &str) {
    assert_eq!(body["error"]["type"], "RuntimeError", "{body}");
    assert_eq!(body["error"]["code"], "limit_exceeded", "{body}");
    let detail = body["error"]["detail"].as_str().unwrap_or_default();
    assert!(detail.contains(says), "{detail}");
}

#[tokio::test]
async fn a_value_doubled_in_a_loop_stops_at_the_limit_not_in_memory() {
    // each of these grew without bound (s + s forty times is a terabyte): now the step that
    // would make a value past 1048576 characters or items raises instead
    let cells = [
        (
            "s = \"x\"\nfor i in range(40): s = s + s\n",
            "a string in a cell holds at most 1048576",
        ),
        (
            "s = \"x\"\nfor i in range(40): s += s\n",
            "a string in a cell holds at most 1048576",
        ),
        (
            "a = [0]\nfor i in range(40): a = a + a\n",
            "a list in a cell holds at most 1048576",
        ),
        (
            "a = [0]\nfor i in range(40): a += a\n",
            "a list in a cell holds at most 1048576",
        ),
        (
            "a = [0]\nfor i in range(40): a.extend(a)\n",
            "a list in a cell holds at most 1048576",
        ),
        (
            "t = (0,)\nfor i in range(40): t = t + t\n",
            "a tuple in a cell holds at most 1048576",
        ),
        (
            "s = 'x' * 1000000\nt = ','.join([s] * 1000)\n",
            "a string in a cell holds at most",
        ),
        (
            "s = 'x' * 1000000\nt = s.replace('x', 'yy')\n",
            "a string in a cell holds at most",
        ),
        (
            "s = 'x' * 1000000\nt = str([s] * 1000)\n",
            "a string in a cell holds at most",
        ),
        (
            "s = 'x' * 1000000\nt = repr((s, s))\n",
            "a string in a cell holds at most",
        ),
        (
            "s = 'x' * 1000\nt = ('{0}' * 10000).format(s)\n",
            "a string in a cell holds at most",
        ),
        (
            "s = 'x' * 1000\nt = ('%s' * 10000) % ((s,) * 10000)\n",
            "a string in a cell holds at most",
        ),
        (
            "s = 'x' * 600000\nt = f'{s}{s}'\n",
            "a string in a cell holds at most",
        ),
        (
            "s = 'x'.ljust(10**12)\n",
            "a string in a cell holds at most",
        ),
        (
            "s = 'x' * 1000000\nprint([s] * 1000)\n",
            "the cell printed more than",
        ),
        (
            "import numpy as np\nb = np.zeros(2000000).tolist()\n",
            "a list in a cell holds at most",
        ),
    ];
    for (source, says) in cells {
        let body = run_cell(source).await;
        assert_limit(&body, says);
    }
    // the largest value a cell may hold is a few tens of megabytes; the doubling loops above
    // once took this process to tens of gigabytes
    assert!(rss() < 2 << 30, "resident memory {} bytes", rss());
}

#[tokio::test]
async fn many_mid_size_values_meet_the_cell_s_budget() {
    // each string is within the per-value bound; 1000 of half a megabyte are 500 MB
    let body = run_cell("xs = []\nfor i in range(1000):\n    xs.append('y' * 500000)\n").await;
    assert_limit(&body, "GRADTAPE_MAX_CELL_PYTHON_BYTES");
    assert_eq!(body["error"]["line"], 3, "{body}");
    // copies count as they are made, whether or not they are kept
    let body = run_cell("a = list(range(100000))\nfor i in range(10000):\n    b = a[:]\n").await;
    assert_limit(&body, "GRADTAPE_MAX_CELL_PYTHON_BYTES");

    // the budget is the server's to set, and a session's cells meet it too
    let config = Config {
        max_cell_python_bytes: 1 << 20,
        ..Config::default()
    };
    let app = app_with(config);
    let small = "s = 'y' * 1000\n";
    let big = "xs = ['y' * 100000 for i in range(20)]\n";
    let (_, body) = call(
        &app,
        "POST",
        "/v1/cells",
        Some(json!({"source": small})),
        &[],
    )
    .await;
    assert!(body["error"].is_null(), "{body}");
    let (_, body) = call(&app, "POST", "/v1/cells", Some(json!({"source": big})), &[]).await;
    assert_limit(&body, "more than 1048576 bytes");
    let (_, created) = call(&app, "POST", "/v1/sessions", None, &[]).await;
    let uri = format!("/v1/sessions/{}/cells", created["id"].as_str().unwrap());
    let auth = format!("Bearer {}", created["token"].as_str().unwrap());
    let (st, body) = call(
        &app,
        "POST",
        &uri,
        Some(json!({"source": big})),
        &[("authorization", &auth)],
    )
    .await;
    assert_eq!(st, 200, "{body}");
    assert_limit(&body, "more than 1048576 bytes");
}

#[tokio::test]
async fn reading_a_long_list_costs_what_python_s_does() {
    // each of these copied the list on every `len` or `a[i]` and met the 10 s compute limit
    let body = run_cell(
        "a = list(range(100000))\ns = 0\nfor i in range(100000): s += a[i]\nt = tuple(a)\nu = 0\nfor i in range(100000): u += t[-1 - i]\n",
    )
    .await;
    assert!(body["error"].is_null(), "{body}");
    // 0 + 1 + ... + 99999
    assert_eq!(body["values"]["s"], json!(4_999_950_000i64));
    assert_eq!(body["values"]["u"], json!(4_999_950_000i64));
    let body = run_cell("a = []\nwhile len(a) < 200000: a.append(1)\nn = len(a)\n").await;
    assert!(body["error"].is_null(), "{body}");
    assert_eq!(body["values"]["n"], 200000);
    let body = run_cell(
        "a = list(range(100000))\nfor k in range(2000):\n    b = a[-1]\n    d = a[50000:50003]\nc = 99990 in a\nx, y = a[:2]\ne = [0]\nfor i in range(100000): e += [i]\nm = len(e)\n",
    )
    .await;
    assert!(body["error"].is_null(), "{body}");
    assert_eq!(body["values"]["b"], 99999);
    assert_eq!(body["values"]["c"], true);
    assert_eq!(body["values"]["m"], 100001);
}

#[tokio::test]
async fn sequences_answer_as_before() {
    let app = test_app();
    let source = "x = list(range(10))\n\
        print(x[::-1], x[2:8:3], x[-3:], x[100:], x[-100:2], (1, 2, 3)[1:])\n\
        print('h\u{e9}llo'[1], 'h\u{e9}llo'[1:3], 'hello'[::-1], 'hello'[-1])\n\
        print(5 in range(10**12), 10**11 in range(0, 10**12, 7), 2.0 in range(3), 2.5 in range(3), -1 in range(0, -10, -1))\n\
        print(sorted([3, 1, 2, 1.5], reverse=True), sorted(['b', 'a', 'c']), sorted([(1, 'b'), (0, 'z'), (1, 'a')]))\n\
        print(sorted(range(1000, 0, -1))[:3], ','.join(map(str, [1, 2, 3])))\n\
        a = [1]\na.append(a)\nprint(a, a == a, len(a))\n";
    let (_, body) = call(
        &app,
        "POST",
        "/v1/cells",
        Some(json!({"source": source})),
        &[],
    )
    .await;
    assert!(body["error"].is_null(), "{body}");
    assert_eq!(
        body["stdout"],
        "[9, 8, 7, 6, 5, 4, 3, 2, 1, 0] [2, 5] [7, 8, 9] [] [0, 1] (2, 3)\n\
         \u{e9} \u{e9}l olleh o\n\
         True False True False True\n\
         [3, 2, 1.5, 1] ['a', 'b', 'c'] [(0, 'z'), (1, 'a'), (1, 'b')]\n\
         [1, 2, 3] 1,2,3\n\
         [1, [...]] True 2\n"
    );
    // Python's errors stay Python's
    let body = run_cell("a, b = [1, 2, 3]\n").await;
    assert_eq!(
        body["error"]["detail"],
        "too many values to unpack (expected 2)"
    );
    let body = run_cell("print(sorted([1, 'a']))\n").await;
    assert_eq!(
        body["error"]["detail"],
        "'<' not supported between instances of 'str' and 'int'"
    );
}
