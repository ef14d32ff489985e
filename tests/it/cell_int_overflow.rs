//! A cell's ints are 64-bit: every conversion of a float past them (`int()`, `round()`,
//! `math.floor`) raises the subset's overflow, as `10**20` does, never a saturated int.

use crate::support::run_cell;

#[tokio::test]
async fn int_and_round_of_a_float_past_int64_raise_the_overflow() {
    for src in [
        "x = int(1e20)\n",
        "x = round(1e20)\n",
        "x = int(-1e19)\n",
        "import numpy as np\nx = int(np.float64(1e20))\n",
        "import numpy as np\nx = round(np.float64(1e20))\n",
        "import tensorflow as tf\nx = int(tf.constant(1e20))\n",
        "x = int(2.0 ** 63)\n",
    ] {
        let body = run_cell(src).await;
        assert_eq!(body["error"]["type"], "ValueError", "{src}: {body}");
        let detail = body["error"]["detail"].as_str().unwrap_or_default();
        assert!(detail.contains("integer result too large"), "{src}: {body}");
    }
}

#[tokio::test]
async fn int_of_the_least_int64_float_is_exact() {
    // -2**63 is a float and an int64 both
    let body = run_cell("x = int(-2.0 ** 63)\n").await;
    assert_eq!(body["values"]["x"], i64::MIN, "{body}");
}
