//! Request bodies: read within the size limit and parsed as JSON, with problem+json errors
//! (axum's own rejections would answer plain text).

use std::future::Future as _;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::StatusCode;
use axum::BoxError;
use http_body::Frame;
use http_body_util::BodyExt as _;
use tokio::time::{Instant, Sleep};

use bumpalo::Bump;

use super::error::AppError;
use super::json::{self, Json};
use crate::engine::Code;

/// The body's bytes, or 413 `limit_exceeded` past `limit`. `gradtape serve` has read a body of
/// known length already (`listen::whole_body`), so this takes its one frame; a chunked body, or
/// one from a caller without the accept loop (the tests' `oneshot`), is read here.
/// A body that stopped arriving, or came too slowly (`ReadTimeout`), is 408 `limit_exceeded`.
pub async fn read(body: Body, limit: usize) -> Result<Bytes, AppError> {
    gather(body, limit).await.map_err(|e| match e {
        Gathered::TooLarge => AppError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            Code::LimitExceeded,
            format!("the request body is larger than max_body_bytes = {limit} bytes; send large tensors as {{\"b64\", \"shape\", \"dtype\"}} or split the work"),
        ),
        Gathered::Broken(e) => match stalled(&e) {
            Some(stall) => AppError::new(
                StatusCode::REQUEST_TIMEOUT,
                Code::LimitExceeded,
                format!("{stall}; send the whole body without pausing, with a Content-Length that counts its bytes exactly"),
            ),
            None => AppError::bad_json(format!("the request body could not be read: {e}")),
        },
    })
}

/// The stall behind a body's error, however many layers wrap it.
fn stalled<'e>(e: &'e (dyn std::error::Error + 'static)) -> Option<&'e Stalled> {
    let mut cause = Some(e);
    while let Some(e) = cause {
        if let Some(stall) = e.downcast_ref::<Stalled>() {
            return Some(stall);
        }
        cause = e.source();
    }
    None
}

/// Why a body was not gathered.
pub enum Gathered<E> {
    /// Longer than the limit (by its Content-Length, or by what arrived).
    TooLarge,
    /// The client went away in the middle of it, or sent it malformed.
    Broken(E),
}

/// A body's bytes, up to `limit`. A body that arrives in one frame (a small one, the common
/// case) is kept as hyper read it, without a copy; one in several frames is copied as it comes
/// into one buffer sized once from Content-Length (hyper's size hint), so a large body is held
/// once, not as its frames and then their join.
pub async fn gather<B>(mut body: B, limit: usize) -> Result<Bytes, Gathered<B::Error>>
where
    B: http_body::Body<Data = Bytes> + Unpin,
{
    let expected = body.size_hint().exact().unwrap_or(0);
    if expected > limit as u64 {
        return Err(Gathered::TooLarge);
    }
    let mut first: Option<Bytes> = None;
    let mut joined = Vec::new();
    while let Some(frame) = body.frame().await {
        let Ok(data) = frame.map_err(Gathered::Broken)?.into_data() else {
            continue;
        };
        let held = first.as_ref().map_or(joined.len(), |f| f.len());
        if held + data.len() > limit {
            return Err(Gathered::TooLarge);
        }
        match first.take() {
            None if joined.is_empty() => first = Some(data),
            None => joined.extend_from_slice(&data),
            Some(f) => {
                joined = Vec::with_capacity((expected as usize).max(f.len() + data.len()));
                joined.extend_from_slice(&f);
                joined.extend_from_slice(&data);
            }
        }
    }
    Ok(first.unwrap_or_else(|| joined.into()))
}

/// The body as JSON, its lists and objects in `arena` (`json::arena_for`). Any Content-Type is
/// accepted, since `curl -d` sends a form type by default and students should not have to know
/// that. Strings borrow from `bytes`.
pub fn parse<'a>(bytes: &'a [u8], arena: &'a Bump) -> Result<Json<'a>, AppError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(AppError::bad_json("the body is empty; send a JSON object"));
    }
    // UTF-8 checked once for the whole body: from a slice, serde_json checks each string
    // again as it reads it (a tenth of a small program's parse); a body that is not UTF-8
    // goes the slice's way for the same error
    let parsed = match std::str::from_utf8(bytes) {
        Ok(text) => match fast(text, arena) {
            Some(json) => return Ok(json),
            None => json::from_str(text, arena),
        },
        Err(_) => json::from_slice(bytes, arena),
    };
    parsed.map_err(|e| AppError::bad_json(super::json_error::describe(bytes, &e)))
}

/// A body that fails with [`Stalled`] once nothing of it has arrived for `timeout`, or once,
/// past that first `timeout` of waiting, it has averaged fewer than `min_rate` bytes a second:
/// a client that announces more than it sends, stops halfway, or trickles a byte just within
/// every timeout, gives its connection back. A large body on a slow link keeps arriving far
/// above the minimum, so it takes as long as it needs.
/// The clock is read and the timer made only when the body first has nothing ready (a body
/// that came whole with its head never waits), and moved only after a frame.
pub struct ReadTimeout<B> {
    inner: B,
    timeout: Duration,
    min_rate: u64,
    stall: Option<Pin<Box<Sleep>>>,
    /// When the body first had nothing ready: the rate is averaged from then.
    since: Option<Instant>,
    /// Bytes arrived so far.
    got: u64,
    /// A frame has arrived since the timer was last set.
    arrived: bool,
    /// The timer is set for the rate's deadline, not the silence's.
    too_slow_at_timer: bool,
}

impl<B> ReadTimeout<B> {
    pub fn new(inner: B, timeout: Duration, min_rate: u64) -> ReadTimeout<B> {
        ReadTimeout {
            inner,
            timeout,
            min_rate,
            stall: None,
            since: None,
            got: 0,
            arrived: false,
            too_slow_at_timer: false,
        }
    }

    /// The earlier of the silence's deadline (`timeout` after now) and the rate's (when the
    /// bytes so far stop averaging `min_rate` over the wait after its first `timeout`), and
    /// whether it is the rate's.
    fn deadline(&self, now: Instant, since: Instant) -> (Instant, bool) {
        let silent = now + self.timeout;
        if self.min_rate == 0 {
            return (silent, false);
        }
        // whole nanoseconds, in integers: Duration's float conversion costs more than the rest
        let allowed = self.got.saturating_mul(1_000_000_000) / self.min_rate;
        let slow = since + self.timeout + Duration::from_nanos(allowed);
        if slow < silent {
            (slow, true)
        } else {
            (silent, false)
        }
    }

    /// `Pending`, or the stall once the timer has run out first.
    fn wait(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let moved = std::mem::take(&mut self.arrived) && self.stall.is_some();
        if self.stall.is_none() || moved {
            let now = Instant::now();
            let since = *self.since.get_or_insert(now);
            let (at, slow) = self.deadline(now, since);
            self.too_slow_at_timer = slow;
            match &mut self.stall {
                Some(stall) => stall.as_mut().reset(at),
                None => self.stall = Some(Box::pin(tokio::time::sleep_until(at))),
            }
        }
        let Some(stall) = self.stall.as_mut() else {
            unreachable!("set above")
        };
        match stall.as_mut().poll(cx) {
            Poll::Ready(()) => {
                let why = match (self.too_slow_at_timer, self.since) {
                    (true, Some(since)) => Stalled::Slow {
                        got: self.got,
                        waited: since.elapsed(),
                        min_rate: self.min_rate,
                        timeout: self.timeout,
                    },
                    _ => Stalled::Silent(self.timeout),
                };
                Poll::Ready(Some(Err(why.into())))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<B> http_body::Body for ReadTimeout<B>
where
    B: http_body::Body<Data = Bytes> + Unpin,
    B::Error: Into<BoxError>,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        match Pin::new(&mut self.inner).poll_frame(cx) {
            Poll::Ready(frame) => {
                self.arrived = true;
                if let Some(Ok(f)) = &frame {
                    self.got += f.data_ref().map_or(0, |d| d.len() as u64);
                }
                Poll::Ready(frame.map(|f| f.map_err(Into::into)))
            }
            Poll::Pending => self.wait(cx),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// Why a body stopped being read before its end.
#[derive(Debug)]
pub enum Stalled {
    /// Nothing of it arrived for the read timeout.
    Silent(Duration),
    /// It averaged less than the minimum rate once it had waited the read timeout.
    Slow {
        got: u64,
        waited: Duration,
        min_rate: u64,
        timeout: Duration,
    },
}

impl std::fmt::Display for Stalled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stalled::Silent(t) => write!(
                f,
                "the request body stopped arriving before its end: nothing more came for {t:?} (GRADTAPE_READ_TIMEOUT_SECS)"
            ),
            Stalled::Slow {
                got,
                waited,
                min_rate,
                timeout,
            } => write!(
                f,
                "the request body came too slowly: {got} bytes in {:.1}s, and a body that has waited {timeout:?} must average at least {min_rate} bytes a second (GRADTAPE_MIN_BODY_BYTES_PER_SEC)",
                waited.as_secs_f64()
            ),
        }
    }
}

impl std::error::Error for Stalled {}

/// Bodies up to this size try the direct parser first (`json_fast`); it reads a string a byte
/// at a time, where serde_json skips eight, so megabytes of base64 stay with serde_json.
const FAST_BYTES: usize = 64 << 10;

fn fast<'a>(text: &'a str, arena: &'a Bump) -> Option<Json<'a>> {
    (text.len() <= FAST_BYTES)
        .then(|| super::json_fast::parse(text, arena))
        .flatten()
}
