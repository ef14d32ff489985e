//! JSON to engine values: the body's `Json` tree to `Lit`, program bodies to `Program`.
//! Structural mistakes are 400 `invalid_json` with the path to the offending member; paths are
//! `format_args!`, formatted only when an error names them: formatting one per member would
//! cost a small program's request a few percent.

use std::fmt::Display;

use base64::Engine as _;

use super::error::AppError;
use super::json::{Json, Obj};
use crate::engine::ops::registry;
use crate::engine::{
    tensor::checked_numel, DType, Lit, Name, Names, NodeSpec, Program, Request, TapeSpec, Tensor,
    VarSpec,
};

mod inputs;

pub type Decoded<T> = Result<T, AppError>;

/// A JSON value as an engine literal; `{"b64", "shape", "dtype"}` objects are decoded here.
pub fn lit(v: &Json, max_elems: usize) -> Decoded<Lit> {
    Ok(match v {
        Json::Null => Lit::Null,
        Json::Bool(b) => Lit::Bool(*b),
        Json::Int(i) => Lit::Int(*i),
        Json::Float(x) => Lit::Float(*x),
        Json::Str(s) => Lit::Str(s.to_string()),
        Json::List(items) => Lit::List(each(items, |_, x| lit(x, max_elems))?),
        Json::Obj(m) if m.contains_key("b64") => Lit::Tensor(Box::new(b64_tensor(m, max_elems)?)),
        Json::Obj(m) => Lit::Map(
            m.iter()
                .map(|(k, x)| Ok((k.to_string(), lit(x, max_elems)?)))
                .collect::<Decoded<_>>()?,
        ),
    })
}

/// The bytes go straight into the dtype's own buffer, with no staging copy and no per-element
/// conversion: the wire's little-endian order is this machine's (x86-64, aarch64), and a
/// big-endian build swaps in place afterwards.
fn typed<T: bytemuck::Pod>(n: usize, text: &str, from_le: fn(T) -> T) -> Option<Vec<T>> {
    let mut v = vec![T::zeroed(); n];
    base64_simd::STANDARD
        .decode(
            text.as_bytes(),
            base64_simd::Out::from_slice(bytemuck::cast_slice_mut(&mut v)),
        )
        .ok()?;
    if cfg!(target_endian = "big") {
        v.iter_mut().for_each(|x| *x = from_le(*x));
    }
    Some(v)
}

fn shaped<T: crate::engine::tensor::Elem>(shape: &[usize], v: Vec<T>) -> Tensor {
    Tensor::from_array(crate::engine::tensor::shaped(shape, v).expect("length checked"))
}

/// A b64 tensor's `"dtype"` and `"shape"`.
fn b64_header(m: &Obj) -> Decoded<(DType, Vec<usize>)> {
    let unproc = |d: &str| AppError::from(crate::engine::error::arg_err(d));
    let dtype = m
        .get("dtype")
        .and_then(Json::as_str)
        .and_then(DType::parse)
        .ok_or_else(|| {
            unproc("a b64 tensor needs \"dtype\": float32, float64, int32, int64 or bool")
        })?;
    let shape: Vec<usize> = m
        .get("shape")
        .and_then(Json::as_array)
        .and_then(|a| {
            a.iter()
                .map(|d| d.as_u64().map(|d| d as usize))
                .collect::<Option<Vec<_>>>()
        })
        .ok_or_else(|| unproc("a b64 tensor needs \"shape\": a list of non-negative integers"))?;
    Ok((dtype, shape))
}

fn b64_tensor(m: &Obj, max_elems: usize) -> Decoded<Tensor> {
    let unproc = |d: String| AppError::from(crate::engine::error::arg_err(d));
    let (dtype, shape) = b64_header(m)?;
    let n = checked_numel(&shape, max_elems).map_err(AppError::from)?;
    let text = m
        .get("b64")
        .and_then(Json::as_str)
        .ok_or_else(|| unproc("\"b64\" must be a base64 string".into()))?;
    let invalid = || {
        // base64-simd only says "invalid"; the base64 crate says which byte and where.
        let why = match base64::engine::general_purpose::STANDARD.decode(text) {
            Err(e) => e.to_string(),
            Ok(_) => "padding or length".into(),
        };
        unproc(format!("\"b64\" is not valid base64: {why}"))
    };
    let len = base64_simd::STANDARD
        .decoded_length(text.as_bytes())
        .map_err(|_| invalid())?;
    if len != n * dtype.size() {
        // A bad character is the likelier mistake, and the more useful one to name.
        if base64_simd::STANDARD.check(text.as_bytes()).is_err() {
            return Err(invalid());
        }
        return Err(unproc(format!(
            "\"b64\" holds {len} bytes but {dtype} {shape:?} needs {} ({n} elements of {} bytes, little-endian)",
            n * dtype.size(),
            dtype.size()
        )));
    }
    let tensor = match dtype {
        DType::F32 => typed(n, text, |x: f32| f32::from_bits(u32::from_le(x.to_bits())))
            .map(|v| shaped(&shape, v)),
        DType::F64 => typed(n, text, |x: f64| f64::from_bits(u64::from_le(x.to_bits())))
            .map(|v| shaped(&shape, v)),
        DType::I32 => typed(n, text, i32::from_le).map(|v| shaped(&shape, v)),
        DType::I64 => typed(n, text, i64::from_le).map(|v| shaped(&shape, v)),
        DType::Bool => base64_simd::STANDARD
            .decode_to_vec(text)
            .ok()
            .map(|bytes| shaped(&shape, bytes.into_iter().map(|b| b != 0).collect())),
    };
    tensor.ok_or_else(invalid)
}

/// A JSON array's items decoded in order into a vector sized once, stopping at the first error:
/// collecting an iterator of results starts empty and grows (a reallocation and a copy per
/// doubling), which most of a body's small arrays paid.
fn each<'j, T>(
    items: &[Json<'j>],
    mut f: impl FnMut(usize, &Json<'j>) -> Decoded<T>,
) -> Decoded<Vec<T>> {
    let mut out = Vec::with_capacity(items.len());
    for (i, x) in items.iter().enumerate() {
        out.push(f(i, x)?);
    }
    Ok(out)
}

pub fn object<'a, 'j>(v: &'a Json<'j>, path: impl Display + Copy) -> Decoded<&'a Obj<'j>> {
    v.as_object()
        .ok_or_else(|| AppError::bad_json(format!("{path} must be a JSON object")))
}

fn array<'a, 'j>(v: &'a Json<'j>, path: impl Display + Copy) -> Decoded<&'a [Json<'j>]> {
    v.as_array()
        .ok_or_else(|| AppError::bad_json(format!("{path} must be a JSON array")))
}

pub fn string(v: &Json, path: impl Display + Copy) -> Decoded<String> {
    v.as_str()
        .map(str::to_string)
        .ok_or_else(|| AppError::bad_json(format!("{path} must be a string")))
}

/// A string member as a `Name`, inline when short (see `workspace::Name`).
fn name(v: &Json, path: impl Display + Copy) -> Decoded<Name> {
    v.as_str()
        .map(Name::from)
        .ok_or_else(|| AppError::bad_json(format!("{path} must be a string")))
}

pub fn boolean(m: &Obj, key: &str, default: bool, path: impl Display + Copy) -> Decoded<bool> {
    match m.get(key) {
        None | Some(Json::Null) => Ok(default),
        Some(Json::Bool(b)) => Ok(*b),
        Some(_) => Err(AppError::bad_json(format!(
            "{path}.{key} must be true or false"
        ))),
    }
}

pub fn only(m: &Obj, allowed: &[&str], path: impl Display + Copy) -> Decoded<()> {
    if let Some(k) = m.keys().find(|k| !allowed.contains(k)) {
        let takes = match allowed {
            [] => "it takes none (send no body, or {})".to_string(),
            _ => format!("it takes {}", allowed.join(", ")),
        };
        return Err(AppError::bad_json(format!(
            "{path} has an unknown member \"{k}\"; {takes}"
        )));
    }
    Ok(())
}

fn names(v: &Json, path: impl Display + Copy) -> Decoded<Names> {
    match v {
        Json::Str(s) => Ok(Names::One(s.to_string())),
        Json::List(items) => Ok(Names::Many(each(items, |i, x| {
            string(x, format_args!("{path}[{i}]"))
        })?)),
        _ => Err(AppError::bad_json(format!(
            "{path} must be a name or a list of names"
        ))),
    }
}

fn required<'a, 'j>(m: &'a Obj<'j>, key: &str, path: impl Display + Copy) -> Decoded<&'a Json<'j>> {
    m.get(key)
        .ok_or_else(|| AppError::bad_json(format!("{path} needs \"{key}\"")))
}

pub fn variable(v: &Json, path: impl Display + Copy, max: usize) -> Decoded<VarSpec> {
    let m = object(v, path)?;
    only(m, &["name", "value", "dtype", "trainable"], path)?;
    Ok(VarSpec {
        name: string(required(m, "name", path)?, format_args!("{path}.name"))?,
        value: lit(required(m, "value", path)?, max)?,
        dtype: m
            .get("dtype")
            .filter(|d| !d.is_null())
            .map(|d| string(d, format_args!("{path}.dtype")))
            .transpose()?,
        trainable: boolean(m, "trainable", true, path)?,
    })
}

/// A node's own keys, as opposed to its op's keyword inputs and attributes.
fn node_key(k: &str) -> bool {
    matches!(k, "name" | "op" | "inputs")
}

pub fn node(v: &Json, path: impl Display + Copy, max: usize) -> Decoded<NodeSpec> {
    let m = object(v, path)?;
    let op = name(required(m, "op", path)?, format_args!("{path}.op"))?;
    let node_name = match m.get("name") {
        None | Some(Json::Null) => None,
        Some(n) => Some(name(n, format_args!("{path}.name"))?),
    };
    let inputs = match m.get("inputs") {
        None | Some(Json::Null) => Vec::new(),
        Some(i) => each(array(i, format_args!("{path}.inputs"))?, |_, x| {
            inputs::input(x, max)
        })?,
    };
    // only a key beside a node's own can be a keyword input or an attribute, and most nodes
    // have none
    let plain = m.keys().all(node_key);
    let def = if plain { None } else { registry::lookup(&op) };
    let inputs = match def {
        Some(def) => inputs::bind(def, m, inputs, node_name.as_deref(), path, max)?,
        None => inputs,
    };
    // a plain loop: most nodes have no attribute, and collecting through `Result` cost a
    // few hundred instructions a node for an empty vector
    let mut attrs = Vec::new();
    for (k, x) in m.iter() {
        if !node_key(k) && !inputs::is_tensor_key(def, k) {
            attrs.push((k.to_string(), lit(x, max)?));
        }
    }
    Ok(NodeSpec {
        name: node_name,
        op,
        inputs,
        attrs,
    })
}

pub fn nodes(v: Option<&Json>, path: impl Display + Copy, max: usize) -> Decoded<Vec<NodeSpec>> {
    match v {
        None | Some(Json::Null) => Ok(Vec::new()),
        Some(v) => each(array(v, path)?, |i, n| {
            node(n, format_args!("{path}[{i}]"), max)
        }),
    }
}

pub fn name_list(v: Option<&Json>, path: impl Display + Copy) -> Decoded<Vec<String>> {
    match v {
        None | Some(Json::Null) => Ok(Vec::new()),
        Some(v) => each(array(v, path)?, |i, x| {
            string(x, format_args!("{path}[{i}]"))
        }),
    }
}

/// `unconnected_gradients`: "none" (the default) or "zero", in either case.
pub fn unconnected(m: &Obj, path: impl Display + Copy) -> Decoded<bool> {
    match m.get("unconnected_gradients") {
        None | Some(Json::Null) => Ok(false),
        Some(Json::Str(s)) if s.eq_ignore_ascii_case("none") => Ok(false),
        Some(Json::Str(s)) if s.eq_ignore_ascii_case("zero") => Ok(true),
        Some(_) => Err(AppError::bad_json(format!(
            "{path}.unconnected_gradients must be \"none\" or \"zero\""
        ))),
    }
}

/// `"check"`: `true` (the default step), `false`/absent, or `{"eps": step}` with 0 < step <= 1.
pub fn check(m: &Obj, path: impl Display + Copy) -> Decoded<Option<f64>> {
    use crate::engine::explain::numcheck::DEFAULT_EPS;
    let bad = || {
        AppError::bad_json(format!(
            "{path}.check must be true, false or {{\"eps\": a step between 0 and 1 such as 1e-6}}"
        ))
    };
    match m.get("check") {
        None | Some(Json::Null) | Some(Json::Bool(false)) => Ok(None),
        Some(Json::Bool(true)) => Ok(Some(DEFAULT_EPS)),
        Some(Json::Obj(o)) => {
            only(o, &["eps"], format_args!("{path}.check"))?;
            match o.get("eps") {
                None | Some(Json::Null) => Ok(Some(DEFAULT_EPS)),
                Some(Json::Float(x)) if *x > 0.0 && *x <= 1.0 => Ok(Some(*x)),
                Some(Json::Int(1)) => Ok(Some(1.0)),
                Some(_) => Err(bad()),
            }
        }
        Some(_) => Err(bad()),
    }
}

pub fn request(v: &Json, path: impl Display + Copy, max: usize) -> Decoded<Request> {
    let m = object(v, path)?;
    let (kind, spec) = match (m.len(), m.iter().next()) {
        (1, Some((k, s))) => (k, s),
        _ => {
            return Err(AppError::bad_json(format!(
                "{path} must have exactly one member: gradient, jacobian, batch_jacobian or hessian"
            )))
        }
    };
    let p = format!("{path}.{kind}");
    let s = object(spec, &p)?;
    let target = || required(s, "target", &p);
    Ok(match kind {
        "gradient" => {
            only(s, &["target", "sources", "source", "output_gradients", "unconnected_gradients", "check"], &p)?;
            Request::Gradient {
                target: names(target()?, format_args!("{p}.target"))?,
                sources: names(sources(s, &p, "sources")?, format_args!("{p}.sources"))?,
                output_gradients: s.get("output_gradients").filter(|o| !o.is_null()).map(|o| lit(o, max)).transpose()?,
                zero: unconnected(s, &p)?,
                check: check(s, &p)?,
            }
        }
        "jacobian" => {
            only(s, &["target", "sources", "source", "unconnected_gradients", "experimental_use_pfor", "parallel_iterations", "check"], &p)?;
            Request::Jacobian {
                target: string(target()?, format_args!("{p}.target"))?,
                sources: names(sources(s, &p, "sources")?, format_args!("{p}.sources"))?,
                zero: unconnected(s, &p)?,
                check: check(s, &p)?,
            }
        }
        "batch_jacobian" => {
            only(s, &["target", "source", "sources", "unconnected_gradients", "experimental_use_pfor", "parallel_iterations", "check"], &p)?;
            Request::BatchJacobian {
                target: string(target()?, format_args!("{p}.target"))?,
                source: string(sources(s, &p, "source")?, format_args!("{p}.source"))?,
                // TensorFlow's unconnected rows are zeros either way; this picks their dtype
                zero: unconnected(s, &p)?,
                check: check(s, &p)?,
            }
        }
        "hessian" => {
            // `unconnected_gradients` is read and checked but changes nothing: the reference
            // takes a Hessian with nested tapes and no such setting, so an unconnected source's
            // Hessian is null whatever it says
            only(s, &["target", "sources", "source", "unconnected_gradients", "check"], &p)?;
            unconnected(s, &p)?;
            Request::Hessian {
                target: string(target()?, format_args!("{p}.target"))?,
                sources: names(sources(s, &p, "sources")?, format_args!("{p}.sources"))?,
                check: check(s, &p)?,
            }
        }
        other => {
            return Err(AppError::bad_json(format!(
                "{path}: unknown request \"{other}\"; use gradient, jacobian, batch_jacobian or hessian"
            )))
        }
    })
}

/// A request's sources: `"sources"`, or `"source"` when that is absent (the spec's member for
/// `batch_jacobian`, which the reference accepts for every request kind, and the other way round).
fn sources<'a, 'j>(s: &'a Obj<'j>, path: &str, spec_name: &str) -> Decoded<&'a Json<'j>> {
    s.get("sources")
        .or_else(|| s.get("source"))
        .ok_or_else(|| AppError::bad_json(format!("{path} needs \"{spec_name}\"")))
}

/// How response tensors are written: nested JSON (default) or base64 bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Encoding {
    #[default]
    Json,
    B64,
}

pub fn encoding(m: &Obj) -> Decoded<Encoding> {
    match m.get("encoding") {
        None | Some(Json::Null) => Ok(Encoding::Json),
        Some(Json::Str(s)) if *s == "json" => Ok(Encoding::Json),
        Some(Json::Str(s)) if *s == "b64" => Ok(Encoding::B64),
        Some(_) => Err(AppError::bad_json(
            "\"encoding\" must be \"json\" or \"b64\"",
        )),
    }
}

/// A whole `/v1/evaluate` body.
pub fn program(v: &Json, max: usize) -> Decoded<(Program, Encoding)> {
    let m = object(v, "the body")?;
    only(
        m,
        &[
            "variables",
            "setup",
            "tape",
            "graph",
            "outputs",
            "requests",
            "encoding",
        ],
        "the body",
    )?;
    let variables = match m.get("variables") {
        None | Some(Json::Null) => Vec::new(),
        Some(v) => each(array(v, "variables")?, |i, x| {
            variable(x, format_args!("variables[{i}]"), max)
        })?,
    };
    let tape = match m.get("tape") {
        None | Some(Json::Null) => TapeSpec::default(),
        Some(t) => {
            let t = object(t, "tape")?;
            only(
                t,
                &["persistent", "watch_accessed_variables", "watch"],
                "tape",
            )?;
            TapeSpec {
                persistent: boolean(t, "persistent", false, "tape")?,
                watch_accessed_variables: boolean(t, "watch_accessed_variables", true, "tape")?,
                watch: name_list(t.get("watch"), "tape.watch")?,
            }
        }
    };
    let requests = match m.get("requests") {
        None | Some(Json::Null) => Vec::new(),
        Some(r) => each(array(r, "requests")?, |i, x| {
            request(x, format_args!("requests[{i}]"), max)
        })?,
    };
    let program = Program {
        variables,
        setup: nodes(m.get("setup"), "setup", max)?,
        tape,
        graph: nodes(m.get("graph"), "graph", max)?,
        outputs: name_list(m.get("outputs"), "outputs")?,
        requests,
    };
    Ok((program, encoding(m)?))
}
