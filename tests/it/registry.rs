//! The op registry checked against itself and against everything built from it: every name,
//! path and alias resolves to its op; every op parses through `Op::parse` with its required
//! attributes, reads every attribute the registry says it takes, takes its defaults, has the
//! arity its tensor parameters say and the dtypes it lists; every op has a conformance case.

use std::collections::HashSet;

use gradtape::engine::ops::registry::{
    self, AttrKind, OpDef, Param, ParamDefault, ParamKind, Support,
};
use gradtape::engine::ops::{canonical_name, Attrs, Op};
use gradtape::engine::{Code, Ctx, DType, Limits, Lit, Tensor};

/// A valid literal for an attribute, fitting a [2, 2] input where it matters.
fn sample(p: &Param) -> Lit {
    let ints = |v: &[i64]| Lit::List(v.iter().map(|&i| Lit::Int(i)).collect());
    let ParamKind::Attr(kind) = p.kind else {
        unreachable!("attributes only")
    };
    match (p.name, kind) {
        ("perm", _) => ints(&[1, 0]),
        ("begin", _) => ints(&[0, 0]),
        ("size" | "multiples", _) => ints(&[1, 1]),
        ("shape", AttrKind::Ints) => ints(&[-1]),
        ("seed", _) => Lit::Int(7),
        (_, AttrKind::Int | AttrKind::TensordotAxes) => Lit::Int(1),
        (_, AttrKind::Ints | AttrKind::Shape) => ints(&[2, 2]),
        (_, AttrKind::Axis) => Lit::Int(1),
        (_, AttrKind::Float | AttrKind::Number | AttrKind::Value) => Lit::Float(1.5),
        (_, AttrKind::Bool) => Lit::Bool(true),
        (_, AttrKind::DType) => Lit::Str("float32".into()),
        (_, AttrKind::Str) => Lit::Str("x".into()),
    }
}

fn attr_params(def: &OpDef) -> impl Iterator<Item = &'static Param> {
    def.params
        .iter()
        .filter(|p| matches!(p.kind, ParamKind::Attr(_)))
}

fn required(def: &OpDef) -> Vec<(String, Lit)> {
    attr_params(def)
        .filter(|p| p.default == ParamDefault::Required)
        .map(|p| (p.name.to_string(), sample(p)))
        .collect()
}

fn parse(def: &OpDef, attrs: &[(String, Lit)]) -> gradtape::engine::Result<Op> {
    Op::parse(def.name, &Attrs::new(def.name, attrs), &Limits::default())
}

#[test]
fn every_name_path_and_alias_resolves_to_its_op() {
    let mut seen = HashSet::new();
    for def in registry::all() {
        for key in [def.name].iter().chain(def.paths).chain(def.aliases) {
            assert!(seen.insert(*key), "{key} names two ops");
            assert_eq!(registry::lookup(key).map(|d| d.name), Some(def.name));
            assert_eq!(canonical_name(key), def.name);
        }
        assert!(
            def.paths.iter().all(|p| p.starts_with("tf.")),
            "{}",
            def.name
        );
        assert!(def.aliases.iter().all(|a| !a.starts_with("tf.")));
    }
    // TensorFlow has no tf.nn.log: a path is looked up whole, never by its last part.
    assert!(registry::lookup("tf.nn.log").is_none());
    assert_eq!(canonical_name("tf.nn.log"), "tf.nn.log");
    assert_eq!(canonical_name("watch"), "watch");
}

/// `tests/registry/tf_signatures.json` is TensorFlow 2.15's `inspect.signature` of every path
/// (annotations dropped), written by the oracle: the registry's parameters, order and defaults
/// must print the same, and its paths must be exactly those.
#[test]
fn signatures_are_tensorflows() {
    let tf: std::collections::BTreeMap<String, String> =
        serde_json::from_str(include_str!("../registry/tf_signatures.json")).unwrap();
    let mut wrong = Vec::new();
    let mut paths = HashSet::new();
    for def in registry::all() {
        for path in def.paths {
            paths.insert(path.to_string());
            let ours = def.signature(path);
            if tf.get(*path) != Some(&ours) {
                wrong.push(format!("ours {ours}\n  TF {:?}", tf.get(*path)));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    let theirs: HashSet<String> = tf.keys().cloned().collect();
    assert_eq!(paths, theirs);
}

#[test]
fn params_are_unique_and_in_python_order() {
    for def in registry::all() {
        let mut names = HashSet::new();
        for p in def.params {
            assert!(names.insert(p.name), "{}: {} twice", def.name, p.name);
        }
        // Python's rule: once a parameter has a default, later positional ones do too.
        let positional: Vec<_> = def
            .params
            .iter()
            .filter(|p| p.support != Support::Extension)
            .collect();
        if let Some(first) = positional
            .iter()
            .position(|p| p.default != ParamDefault::Required)
        {
            assert!(
                positional[first..]
                    .iter()
                    .all(|p| p.default != ParamDefault::Required),
                "{}: a required parameter follows a defaulted one",
                def.name
            );
        }
        assert!(!def.summary.is_empty() && !def.dtypes.is_empty());
        assert_eq!(def.takes_name(), def.name != "silu", "{}", def.name);
    }
}

#[test]
fn every_op_parses_with_its_required_attributes() {
    for def in registry::all() {
        let op = parse(def, &required(def)).unwrap_or_else(|e| panic!("{}: {e}", def.name));
        assert_eq!(op.name(), def.name);
        assert_eq!(op.differentiable(), def.differentiable, "{}", def.name);
        let tensors: Vec<_> = def.tensor_params().collect();
        let want = if tensors.iter().any(|p| p.kind == ParamKind::TensorList) {
            (1, usize::MAX)
        } else {
            (tensors.len(), tensors.len())
        };
        assert_eq!(op.arity(), want, "{}", def.name);
    }
}

#[test]
fn op_parse_reads_every_supported_attribute_and_refuses_the_others() {
    for def in registry::all() {
        for p in attr_params(def).filter(|p| p.default != ParamDefault::Required) {
            let mut attrs = required(def);
            attrs.push((p.name.to_string(), sample(p)));
            let got = parse(def, &attrs);
            match p.support {
                Support::Full | Support::Extension => {
                    if let Err(e) = got {
                        panic!("{} {}: {e}", def.name, p.name)
                    }
                }
                Support::DefaultOnly => {
                    let e = got.err().unwrap_or_else(|| {
                        panic!("{} takes {}: mark it supported", def.name, p.name)
                    });
                    assert!(e.detail.contains("has no attribute"), "{}", e.detail);
                }
            }
        }
    }
}

#[test]
fn defaults_are_what_op_parse_assumes() {
    for def in registry::all() {
        let plain = format!("{:?}", parse(def, &required(def)).unwrap());
        for p in attr_params(def).filter(|p| p.support == Support::Full) {
            let lit = match p.default {
                ParamDefault::Required => continue,
                ParamDefault::None => Lit::Null,
                ParamDefault::Bool(b) => Lit::Bool(b),
                ParamDefault::Int(i) => Lit::Int(i),
                ParamDefault::Float(f) => Lit::Float(f),
                ParamDefault::DType(d) => Lit::Str(d.name().into()),
                ParamDefault::Str(s) => Lit::Str(s.into()),
            };
            let mut attrs = required(def);
            attrs.push((p.name.to_string(), lit));
            let with = format!("{:?}", parse(def, &attrs).unwrap());
            assert_eq!(with, plain, "{}: {} at its default", def.name, p.name);
        }
    }
}

/// Ops whose tensor inputs all share one dtype run on [2, 2] inputs of each dtype, creation ops
/// without a value literal (whose own typing decides) ask for each dtype: the listed dtypes
/// must not be refused for their dtype, the others must be.
#[test]
fn listed_dtypes_are_the_accepted_ones() {
    let mixed = [
        "gather",
        "one_hot",
        "where",
        "sparse_softmax_cross_entropy_with_logits",
    ];
    let all = [DType::F32, DType::F64, DType::I32, DType::I64, DType::Bool];
    let mut wrong = Vec::new();
    for def in registry::all().iter().filter(|d| !mixed.contains(&d.name)) {
        let op = parse(def, &required(def)).unwrap();
        let n = def.tensor_params().count();
        let literal = attr_params(def)
            .any(|p| matches!(p.kind, ParamKind::Attr(AttrKind::Value | AttrKind::Number)));
        if n == 0 && literal {
            continue;
        }
        for dtype in all {
            let out = if n == 0 {
                let mut attrs = required(def);
                attrs.retain(|(k, _)| k != "dtype");
                attrs.push(("dtype".into(), Lit::Str(dtype.name().into())));
                parse(def, &attrs).map(|_| ())
            } else {
                let x = Tensor::from_f64s(&[2, 2], &[1.0, 0.0, 1.0, 1.0], dtype).unwrap();
                let mut ctx = Ctx::new(Limits::default());
                let vals: Vec<_> = (0..n).map(|_| ctx.constant(x.clone())).collect();
                ctx.apply(&op, &vals.iter().collect::<Vec<_>>()).map(|_| ())
            };
            // tf.nn.gelu refuses other dtypes in Python, with a ValueError (invalid_argument)
            let refused = matches!(&out, Err(e) if e.code == Code::DtypeMismatch
                || (def.name == "gelu" && e.code == Code::InvalidArgument));
            if refused == def.dtypes.contains(&dtype) {
                wrong.push(format!("{} on {dtype}: {out:?}", def.name));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn every_op_has_a_conformance_case() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance/cases");
    let mut used = HashSet::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        collect_ops(&serde_json::from_str(&text).unwrap(), &mut used);
    }
    for def in registry::all() {
        assert!(
            used.contains(def.name),
            "{} has no conformance case",
            def.name
        );
    }
}

fn collect_ops(v: &serde_json::Value, used: &mut HashSet<String>) {
    match v {
        serde_json::Value::Object(m) => {
            if let Some(serde_json::Value::String(op)) = m.get("op") {
                used.insert(canonical_name(op).to_string());
            }
            m.values().for_each(|x| collect_ops(x, used));
        }
        serde_json::Value::Array(xs) => xs.iter().for_each(|x| collect_ops(x, used)),
        _ => {}
    }
}

#[test]
fn bind_follows_python() {
    let def = registry::lookup("tf.nn.softmax_cross_entropy_with_logits").unwrap();
    fn names(b: Vec<(&Param, Option<&'static str>)>) -> Vec<(&'static str, Option<&'static str>)> {
        b.into_iter().map(|(p, v)| (p.name, v)).collect()
    }
    // f(y, logits=z): labels positionally, logits by keyword, axis and name left out
    let b = registry::bind(def, vec!["y"], vec![("logits".into(), "z")]).unwrap();
    assert_eq!(
        names(b),
        [
            ("labels", Some("y")),
            ("logits", Some("z")),
            ("axis", None),
            ("name", None)
        ]
    );
    let err = |pos: Vec<&'static str>, kw: Vec<(&str, &'static str)>| {
        let kw = kw.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        registry::bind(def, pos, kw).unwrap_err().detail
    };
    assert!(err(vec!["a", "b", "c", "d", "e"], vec![]).contains("at most 4 positional"));
    assert!(err(vec!["y"], vec![("logit", "z")]).contains("unexpected keyword argument \"logit\""));
    assert!(
        err(vec!["y"], vec![("labels", "z")]).contains("multiple values for argument \"labels\"")
    );
    assert!(err(vec![], vec![("labels", "y")]).contains("missing the required argument \"logits\""));
    // fill's dtype is gradtape's keyword-only extension: positionals stop before it
    let fill = registry::lookup("tf.fill").unwrap();
    let e = registry::bind(fill, vec![1, 2, 3, 4, 5], vec![]).unwrap_err();
    assert!(e.detail.contains("at most 4 positional"), "{}", e.detail);
    let b = registry::bind(fill, vec![1, 2], vec![("dtype".into(), 3)]).unwrap();
    assert_eq!(
        b.last().map(|(p, v)| (p.name, *v)),
        Some(("dtype", Some(3)))
    );
}

/// A JSON node's own keys (`name`, `op`, `inputs`) are never an op's tensor parameter: the
/// decoder reads a node with no other key without looking its op up.
#[test]
fn no_tensor_parameter_is_named_as_a_nodes_own_keys() {
    for def in registry::all() {
        for p in def.tensor_params() {
            assert!(
                !matches!(p.name, "name" | "op" | "inputs"),
                "{}'s tensor parameter {} is a node key",
                def.name,
                p.name
            );
        }
    }
}
