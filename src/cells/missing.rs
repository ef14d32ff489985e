//! What a cell is told when it names a `tf.` or `np.` attribute, or a variable's method, the
//! subset lacks. A name that TensorFlow 2.15 or NumPy 1.26 has (`known_api.txt`, written by
//! `tests/cells/known_api.py`) is outside the subset: a `tf.` or `np.` path is refused before the
//! cell runs, as `import os` is, a variable's method (`tf.Variable.scatter_nd_update`) when it is
//! read, and the subset's own function for it is named where there is one. A name neither has is a
//! misspelling: Python's AttributeError, with the closest name the subset has.

use std::sync::LazyLock;

use crate::engine::ops::registry;
use crate::engine::ops::{edit_distance, registry::OpDef};

static KNOWN: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    let mut names: Vec<&str> = include_str!("known_api.txt").lines().collect();
    names.sort_unstable();
    names
});

/// Whether TensorFlow 2.15 or NumPy 1.26 has this public name (`tf.linalg.inv`).
pub fn known(path: &str) -> bool {
    KNOWN.binary_search(&path).is_ok()
}

/// The refusal of a `tf.` or `np.` name that TensorFlow or NumPy has and the subset lacks. It
/// names the subset's op of the same name under another path (`tf.keras.backend.sigmoid`:
/// `tf.math.sigmoid`), never a near spelling: a real function is no misspelling, and the
/// nearest name is often unrelated (`tf.device`, `tf.divide`).
pub fn outside_subset(path: &str) -> String {
    let owner = if path.starts_with("np.") {
        "NumPy's"
    } else {
        "TensorFlow's"
    };
    let last = path.rsplit('.').next().unwrap_or(path);
    let instead = registry::lookup(last)
        .and_then(|d: &OpDef| d.paths.first())
        .map(|p| format!("; the subset has `{p}`"))
        .unwrap_or_default();
    let listed = if path.starts_with("tf.Variable.") {
        "a cell's variables have assign, assign_add, assign_sub, read_value, value, numpy, \
         get_shape, shape, dtype, name, trainable and device; TensorFlow's ops take them as \
         tensors"
    } else if owner == "NumPy's" {
        "a cell's NumPy is arrays, elementwise math, products and reductions: np.array, np.exp, \
         np.dot, np.sum and the like; TensorFlow's ops are listed by GET /v1/ops"
    } else {
        "GET /v1/ops lists the TensorFlow ops a cell can call; openapi/cells.md lists the composite \
         functions it runs beside them (tf.clip_by_value, tf.norm, tf.split, ...)"
    };
    format!("`{path}` is {owner}, but it is not in the cell subset{instead} ({listed})")
}

/// Python's message for `module.name` that does not exist, with the closest name the subset has.
pub fn no_attribute(module: &str, name: &str, subset_has: impl Fn(&str) -> bool) -> String {
    let shown = module
        .replacen("tf", "tensorflow", 1)
        .replacen("np", "numpy", 1);
    let path = format!("{module}.{name}");
    match closest(&path, &subset_has) {
        Some(p) => format!("module '{shown}' has no attribute '{name}'. Did you mean `{p}`?"),
        None => format!("module '{shown}' has no attribute '{name}'"),
    }
}

/// The name in the same module, within two edits of `path`'s last part, that the subset has:
/// one of TensorFlow's or NumPy's names, or one of the registry's TensorFlow paths.
fn closest(path: &str, subset_has: &impl Fn(&str) -> bool) -> Option<String> {
    let (module, name) = path.rsplit_once('.')?;
    let registry_paths = registry::all().iter().flat_map(|d| d.paths.iter().copied());
    KNOWN
        .iter()
        .copied()
        .chain(registry_paths)
        .filter_map(|p| {
            let (m, n) = p.rsplit_once('.')?;
            (m == module && n != name).then_some((edit_distance(name, n), p))
        })
        .filter(|&(d, p)| d <= 2 && subset_has(p))
        .min()
        .map(|(_, p)| p.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_holds_tensorflow_and_numpy_names() {
        assert!(known("tf.linalg.inv"));
        assert!(known("tf.keras.backend.relu"));
        assert!(known("np.linalg.norm"));
        assert!(!known("tf.reduce_summ"));
    }

    #[test]
    fn outside_the_subset_names_the_subsets_function() {
        let m = outside_subset("tf.keras.backend.sigmoid");
        assert!(m.contains("the subset has `tf.math.sigmoid`"), "{m}");
        assert!(m.contains("GET /v1/ops"), "{m}");
    }

    #[test]
    fn a_real_function_is_not_offered_a_near_spelling() {
        let m = outside_subset("tf.device");
        assert!(!m.contains("the subset has"), "{m}");
        assert!(
            m.starts_with("`tf.device` is TensorFlow's, but it is not in the cell subset ("),
            "{m}"
        );
    }

    #[test]
    fn a_misspelling_suggests_the_closest_name() {
        let m = no_attribute("tf", "reduce_summ", |p| p == "tf.reduce_sum");
        assert_eq!(
            m,
            "module 'tensorflow' has no attribute 'reduce_summ'. Did you mean `tf.reduce_sum`?"
        );
        assert_eq!(
            no_attribute("tf", "zzzz", |_| true),
            "module 'tensorflow' has no attribute 'zzzz'"
        );
    }
}
