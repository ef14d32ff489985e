//! The extractors every session route is built from: the authenticated session, names from the
//! path, and an object body holding only the members its route takes, all failing with the
//! service's problem+json errors (axum's own rejections answer plain text).

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;

use super::super::decode;
use super::super::error::AppError;
use super::super::json::{Json as BodyJson, Obj};
use super::super::path::segment;
use super::super::AppState;
use crate::engine::explain::Note;
use crate::engine::{Names, Shaped, Val};
use crate::sessions::{Session, Source};

/// The session named by `{session}` in the path, its `Authorization: Bearer` token, and the
/// call's `Idempotency-Key`. The store checks the token when `with_session` fetches the
/// session: a wrong or missing token and an unknown id fail alike (404), so ids cannot be
/// probed.
pub struct AuthedSession {
    pub id: String,
    pub token: Option<String>,
    /// A resend with this key gets the first answer back instead of running again.
    pub idempotency_key: Option<String>,
}

/// Longest `Idempotency-Key` accepted (a UUID is 36 characters).
const MAX_KEY: usize = 200;

fn idempotency_key(parts: &Parts) -> Result<Option<String>, AppError> {
    let Some(v) = parts.headers.get("idempotency-key") else {
        return Ok(None);
    };
    let k = v.as_bytes();
    if k.is_empty() || k.len() > MAX_KEY || !k.iter().all(|b| b.is_ascii_graphic()) {
        return Err(AppError::bad_json(format!(
            "the Idempotency-Key header must be 1 to {MAX_KEY} visible ASCII characters (a UUID, say); send a new key for each new call and the same key to resend one"
        )));
    }
    Ok(Some(String::from_utf8_lossy(k).into_owned()))
}

fn bearer(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

impl FromRequestParts<AppState> for AuthedSession {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, AppError> {
        Ok(AuthedSession {
            id: segment(parts, "session").await?,
            token: bearer(parts).map(str::to_string),
            idempotency_key: idempotency_key(parts)?,
        })
    }
}

/// The client's address, for the per-client session bound: the connection's peer, or with
/// `trust_forwarded_for` the last `X-Forwarded-For` entry (the one the proxy in front wrote).
pub struct ClientAddr(pub String);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, AppError> {
        let forwarded = st.config.trust_forwarded_for.then(|| {
            parts
                .headers
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .map(str::trim)
                .rfind(|v| !v.is_empty())
                .map(str::to_string)
        });
        let peer = || {
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|c| c.0.ip().to_string())
        };
        Ok(ClientAddr(
            forwarded
                .flatten()
                .or_else(peer)
                .unwrap_or_else(|| "local".into()),
        ))
    }
}

/// A name from the path: `{tape}`, `{variable}` or `{name}`.
macro_rules! path_name {
    ($(#[$doc:meta])* $ty:ident, $key:literal) => {
        $(#[$doc])*
        pub struct $ty(pub String);

        impl FromRequestParts<AppState> for $ty {
            type Rejection = AppError;

            async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, AppError> {
                segment(parts, $key).await.map($ty)
            }
        }
    };
}

path_name!(
    /// `{tape}`: a tape's id.
    TapeName,
    "tape"
);
path_name!(
    /// `{variable}`: a variable's id or the name it is bound to.
    VariableName,
    "variable"
);
path_name!(
    /// `{name}`: a session tensor's name.
    TensorName,
    "name"
);

/// A route's body, decoded from a JSON object holding only `MEMBERS`.
pub trait FromObject: Sized {
    const MEMBERS: &'static [&'static str];
    fn from_object(m: &Obj, st: &AppState) -> Result<Self, AppError>;
}

/// The body as `T`. An empty body reads as `{}`; anything but an object, or a member `T` does
/// not take, is `invalid_json` with what to send instead.
pub struct Object<T>(pub T);

impl<T: FromObject> FromRequest<AppState> for Object<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, st: &AppState) -> Result<Self, AppError> {
        let bytes = super::super::body::read(req.into_body(), st.config.max_body_bytes).await?;
        let arena = super::super::json::arena_for(&bytes);
        let m = if bytes.iter().all(u8::is_ascii_whitespace) {
            Obj::default()
        } else {
            match super::super::body::parse(&bytes, &arena)? {
                BodyJson::Obj(m) => m,
                _ => return Err(AppError::bad_json("the body must be a JSON object")),
            }
        };
        decode::only(&m, T::MEMBERS, "the body")?;
        T::from_object(&m, st).map(Object)
    }
}

/// `value` (a literal) or `from` (a session tensor's name).
pub fn source(m: &Obj, max: usize) -> Result<Source, AppError> {
    match (m.get("value"), m.get("from")) {
        (Some(v), None) => Ok(Source::Literal(decode::lit(v, max)?)),
        (None, Some(f)) => Ok(Source::Tensor(decode::string(f, "from")?)),
        _ => Err(AppError::bad_json("give exactly one of \"value\" (a tensor literal) or \"from\" (the name of a session tensor)")),
    }
}

pub fn opt_string(m: &Obj, key: &str) -> Result<Option<String>, AppError> {
    m.get(key)
        .filter(|v| !v.is_null())
        .map(|v| decode::string(v, key))
        .transpose()
}

pub fn names_field(m: &Obj, key: &str) -> Result<Names, AppError> {
    match m.get(key) {
        Some(BodyJson::Str(s)) => Ok(Names::One(s.to_string())),
        Some(BodyJson::List(a)) => Ok(Names::Many(
            a.iter()
                .map(|x| decode::string(x, key))
                .collect::<Result<_, _>>()?,
        )),
        _ => Err(AppError::bad_json(format!(
            "\"{key}\" must be a name or a list of names"
        ))),
    }
}

/// `bind`: names for a gradient's or Jacobian's results, mirroring its sources.
#[derive(Default)]
pub struct Bind(Option<Names>);

impl Bind {
    pub fn decode(m: &Obj, sources: &Names) -> Result<Bind, AppError> {
        let Some(b) = m.get("bind").filter(|v| !v.is_null()) else {
            return Ok(Bind(None));
        };
        let names = match (b, sources) {
            (BodyJson::Str(n), Names::One(_)) => Names::One(n.to_string()),
            (BodyJson::List(ns), Names::Many(ss)) if ns.len() == ss.len() => Names::Many(
                ns.iter()
                    .map(|n| decode::string(n, "bind"))
                    .collect::<Result<Vec<_>, _>>()?,
            ),
            // the shapes are both valid JSON; that they do not pair up is the request's meaning
            _ => return Err(AppError::new(
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                crate::engine::Code::InvalidArgument,
                "\"bind\" must mirror \"sources\": a name for one source, a list of as many names for a list",
            )),
        };
        Ok(Bind(Some(names)))
    }

    /// Binds each result to its name, a null one to None (as `dW = g.gradient(L, U)` binds
    /// None in Python, so a later use of `dW` fails instead of reading a stale gradient, and
    /// says why with the reason `notes` gave for that source); answers `"bound"`, the names
    /// bound to tensors, and `"bound_to_none"`, those bound to None.
    pub fn apply(
        &self,
        s: &mut Session,
        sources: &Names,
        result: &Shaped<Option<Val>>,
        notes: &[Note],
    ) -> serde_json::Value {
        let (mut bound, mut none) = (vec![], vec![]);
        if let Some(names) = &self.0 {
            let values: Vec<&Option<Val>> = match result {
                Shaped::One(v) => vec![v],
                Shaped::Many(vs) => vs.iter().collect(),
            };
            for ((n, source), v) in names.list().into_iter().zip(sources.list()).zip(values) {
                match v {
                    Some(v) => {
                        s.bind(n, v.clone());
                        bound.push(n.to_string());
                    }
                    None => {
                        let why = notes.iter().find(|w| w.source.as_deref() == Some(source));
                        s.bind_none(n, why);
                        none.push(n.to_string());
                    }
                }
            }
        }
        serde_json::json!({"bound": bound, "bound_to_none": none})
    }
}
