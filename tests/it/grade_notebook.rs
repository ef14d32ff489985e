//! Grading a notebook with plots among its graded cells (spec/grading.md, "a cell that uses
//! what cells cannot run (say `import matplotlib`) is skipped"): the plotting lines, and what
//! uses only what they bind, are skipped with a line in the feedback; the rest of every cell,
//! and every later cell, still runs and scores.

use gradtape::engine::Limits;
use gradtape::grade::{self, assignment, Source};
use serde_json::{json, Value};

const REFERENCE: &str = "import tensorflow as tf\n\
x = tf.Variable([1.0, 2.0, 3.0])\n\
with tf.GradientTape() as g:\n    L = tf.reduce_sum(x * x)\n\
dL = g.gradient(L, x)\n\
M = tf.reshape(tf.range(6, dtype=tf.float32), (2, 3))\n";

fn notebook(cells: &[&str]) -> Value {
    let cells: Vec<Value> = cells
        .iter()
        .map(|s| json!({"cell_type": "code", "metadata": {}, "source": s, "outputs": []}))
        .collect();
    json!({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
}

fn graded(nb: Value) -> grade::Report {
    let a = json!({
        "reference": {"cell": REFERENCE},
        "checks": [{"name": "dL", "points": 2}, {"name": "M", "points": 1}]
    });
    let (a, _) = assignment::parse(&a).unwrap();
    grade::grade_assignment(a, &Source::Notebook(nb), &Limits::default()).unwrap()
}

#[test]
fn a_plot_between_graded_cells_is_skipped_and_the_cells_after_it_score() {
    let r = graded(notebook(&[
        "import tensorflow as tf\nimport matplotlib.pyplot as plt",
        "x = tf.Variable([1.0, 2.0, 3.0])\nwith tf.GradientTape() as g:\n    L = tf.reduce_sum(x * x)\n",
        "plt.plot([1, 2, 3])\nplt.show()",
        "dL = g.gradient(L, x)\nM = tf.reshape(tf.range(6, dtype=tf.float32), (2, 3))",
    ]));
    assert_eq!(r.score, 3.0, "{:#?}", r);
    assert_eq!(r.submission.error, None);
    let skipped = &r.submission.skipped_cells;
    assert_eq!(skipped.len(), 2, "{skipped:?}");
    assert!(
        skipped[0].starts_with("cell 1 partly skipped: line 2 (`import matplotlib.pyplot as plt`)"),
        "{skipped:?}"
    );
    assert!(
        skipped[1].starts_with("cell 3 (`plt.plot([1, 2, 3])`) skipped: it uses `plt`, which only skipped code binds (cell 1, line 2)"),
        "{skipped:?}"
    );
}

#[test]
fn a_cell_that_imports_matplotlib_keeps_its_other_lines() {
    // the figure and its axes are skipped with the import; the tape and the reshape run
    let r = graded(notebook(&[
        "import tensorflow as tf\nimport matplotlib.pyplot as plt\n\
         x = tf.Variable([1.0, 2.0, 3.0])\nfig, ax = plt.subplots()\n\
         with tf.GradientTape() as g:\n    L = tf.reduce_sum(x * x)\n\
         ax.plot([1, 2])\ndL = g.gradient(L, x)\n",
        "M = tf.reshape(tf.range(6, dtype=tf.float32), (2, 3))\nax.set_title('M')\nprint(M.shape)",
    ]));
    assert_eq!(r.score, 3.0, "{:#?}", r);
    assert_eq!(r.submission.stdout, "(2, 3)\n");
    assert!(
        r.submission.skipped_cells[1].contains("line 2 (`ax.set_title('M')`): it uses `ax`"),
        "{:?}",
        r.submission.skipped_cells
    );
}

#[test]
fn a_name_bound_again_after_a_skipped_line_is_used_as_bound() {
    // `M` from a skipped line is bound again by a line that runs: later cells use that one
    let r = graded(notebook(&[
        "import tensorflow as tf\nimport seaborn as sns\nM = sns.load_dataset('x')",
        "M = tf.reshape(tf.range(6, dtype=tf.float32), (2, 3))",
        "x = tf.Variable([1.0, 2.0, 3.0])\nwith tf.GradientTape() as g:\n    L = tf.reduce_sum(x * x * tf.reduce_sum(M) / 15.0)\ndL = g.gradient(L, x)",
    ]));
    assert_eq!(r.score, 3.0, "{:#?}", r);
}

#[test]
fn an_error_outside_the_skipped_lines_still_stops_the_notebook() {
    // a NameError on a name nothing binds is the student's: it stops the run as Jupyter's does
    let r = graded(notebook(&[
        "import tensorflow as tf\nimport matplotlib.pyplot as plt",
        "x = tf.Variable([1.0, 2.0, 3.0])\nwith tf.GradientTape() as g:\n    L = tf.reduce_sum(x * x)\ndL = g.gradient(L, y)",
        "M = tf.reshape(tf.range(6, dtype=tf.float32), (2, 3))",
    ]));
    assert_eq!(r.score, 0.0);
    let e = r.submission.error.as_ref().unwrap();
    assert_eq!((e.kind.as_str(), e.cell), ("NameError", Some(2)));
}
