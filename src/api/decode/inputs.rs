//! A node's tensor inputs given by TensorFlow's keyword names (`"labels": "y", "logits": "z"`)
//! beside or instead of the positional `"inputs"`, bound to the op's tensor parameters as
//! Python binds a call. A string is a tensor's name, anything else a literal, as in `"inputs"`.

use std::fmt::Display;

use super::{array, lit, Decoded};
use crate::api::json::{Json, Obj};
use crate::engine::error::arg_err;
use crate::engine::ops::registry::{self, OpDef, ParamKind};
use crate::engine::Input;

pub fn input(v: &Json, max: usize) -> Decoded<Input> {
    Ok(match v {
        Json::Str(s) => Input::Name((*s).into()),
        other => Input::Literal(lit(other, max)?),
    })
}

/// The keys of a node that name one of its op's tensor parameters.
pub fn is_tensor_key(def: Option<&OpDef>, key: &str) -> bool {
    def.is_some_and(|d| d.tensor_params().any(|p| p.name == key))
}

/// `positional` with the node's keyword tensor inputs bound in, in the op's parameter order.
pub fn bind(
    def: &OpDef,
    m: &Obj,
    positional: Vec<Input>,
    node: Option<&str>,
    path: impl Display + Copy,
    max: usize,
) -> Decoded<Vec<Input>> {
    let keyed: Vec<(&str, &Json)> = m
        .iter()
        .filter(|(k, _)| is_tensor_key(Some(def), k))
        .collect();
    if keyed.is_empty() {
        return Ok(positional);
    }
    let params: Vec<_> = def.tensor_params().collect();
    // concat and stack: one list parameter, which "inputs" fills as a whole
    if let [list] = params[..] {
        if list.kind == ParamKind::TensorList {
            if !positional.is_empty() {
                return Err(arg_err(format!(
                    "{} got \"{}\" both in \"inputs\" and by name: give one",
                    def.name, list.name
                ))
                .at(node)
                .into());
            }
            let (key, v) = keyed[0];
            return array(v, format_args!("{path}.{key}"))?
                .iter()
                .map(|x| input(x, max))
                .collect();
        }
    }
    let keywords = keyed
        .into_iter()
        .map(|(k, v)| Ok((k.to_string(), input(v, max)?)))
        .collect::<Decoded<Vec<_>>>()?;
    let bound =
        registry::bind_params(def.name, params, positional, keywords, true).map_err(|mut e| {
            let order: Vec<&str> = def.tensor_params().map(|p| p.name).collect();
            e.detail = format!(
                "{} (\"inputs\" fills {} in that order)",
                e.detail,
                order.join(", ")
            );
            e.at(node)
        })?;
    // A gap before a given input would shift the ones after it into the wrong parameter.
    if let Some(i) = bound.iter().position(|(_, v)| v.is_none()) {
        if bound[i..].iter().any(|(_, v)| v.is_some()) {
            return Err(arg_err(format!(
                "{} is missing the input \"{}\"",
                def.name, bound[i].0.name
            ))
            .at(node)
            .into());
        }
    }
    Ok(bound.into_iter().filter_map(|(_, v)| v).collect())
}
