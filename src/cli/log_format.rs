//! The human-readable log line, written without going through `core::fmt` for its common
//! parts: tracing-subscriber's `Full` formatter spends ~9,000 instructions on an access line
//! (the timestamp's seven `{:02}`s, a `write!` per field, ANSI styles applied even when colour is
//! off), about as much as a small program's whole evaluation costs the server. The line is the
//! same text `Full` writes without colour; an event inside a span, or any line when colour is on,
//! is left to `Full` itself.

use std::fmt::{self, Write as _};

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::format::{Format, Full, Writer};
use tracing_subscriber::fmt::time::SystemTime;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

#[derive(Default)]
pub struct PlainLines {
    full: Format<Full, SystemTime>,
}

impl<S, N> FormatEvent<S, N> for PlainLines
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        if writer.has_ansi_escapes() || ctx.event_scope().is_some() {
            return self.full.format_event(ctx, writer, event);
        }
        let meta = event.metadata();
        timestamp(&mut writer, std::time::SystemTime::now())?;
        writer.write_str(level(meta.level()))?;
        writer.write_str(meta.target())?;
        writer.write_str(": ")?;
        let mut fields = Fields {
            out: &mut writer,
            first: true,
            result: Ok(()),
        };
        event.record(&mut fields);
        fields.result?;
        writer.write_char('\n')
    }
}

/// The level as `Full` pads it, with the spaces around it.
fn level(l: &Level) -> &'static str {
    match *l {
        Level::TRACE => "TRACE ",
        Level::DEBUG => "DEBUG ",
        Level::INFO => " INFO ",
        Level::WARN => " WARN ",
        _ => "ERROR ",
    }
}

/// `2026-12-02T06:48:30.123456Z ` (UTC, microseconds, a space after), as `Full` writes it.
fn timestamp(w: &mut impl fmt::Write, now: std::time::SystemTime) -> fmt::Result {
    let since = now
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let secs = since.as_secs();
    let (year, month, day) = civil_from_days(secs / 86_400);
    if year > 9999 {
        write!(w, "+{year}")?;
    } else {
        w.write_str(digits(year, 4, &mut [0; 20]))?;
    }
    let of_day = secs % 86_400;
    let mut buf = *b"-00-00T00:00:00.";
    for (at, v) in [
        (1, month),
        (4, day),
        (7, of_day / 3600),
        (10, of_day / 60 % 60),
        (13, of_day % 60),
    ] {
        buf[at] = b'0' + (v / 10) as u8;
        buf[at + 1] = b'0' + (v % 10) as u8;
    }
    w.write_str(std::str::from_utf8(&buf).map_err(|_| fmt::Error)?)?;
    w.write_str(digits(u64::from(since.subsec_micros()), 6, &mut [0; 20]))?;
    w.write_str("Z ")
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian calendar
/// (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

/// Fields as `Full`'s default visitor writes them without colour: the message bare, then
/// `name=value` with strings and other values in their `Debug` form, separated by spaces.
struct Fields<'a, 'w> {
    out: &'a mut Writer<'w>,
    first: bool,
    result: fmt::Result,
}

impl Fields<'_, '_> {
    fn start(&mut self, field: &Field) -> fmt::Result {
        if !std::mem::take(&mut self.first) {
            self.out.write_char(' ')?;
        }
        let name = field.name();
        if name != "message" {
            self.out
                .write_str(name.strip_prefix("r#").unwrap_or(name))?;
            self.out.write_char('=')?;
        }
        Ok(())
    }

    fn put(&mut self, field: &Field, value: impl FnOnce(&mut Writer<'_>) -> fmt::Result) {
        if self.result.is_ok() {
            self.result = self.start(field).and_then(|()| value(self.out));
        }
    }
}

/// Characters `Full` escapes in a message (terminal control sequences).
fn escapes(c: char) -> bool {
    matches!(
        c,
        '\x1b' | '\x07' | '\x08' | '\x0c' | '\x7f' | '\u{80}'..='\u{9f}'
    )
}

/// `Full`'s message escaping: a message is written with terminal controls spelled out.
struct Escaping<'a, 'w>(&'a mut Writer<'w>);

impl fmt::Write for Escaping<'_, '_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if !s.contains(escapes) {
            return self.0.write_str(s);
        }
        for c in s.chars() {
            match c {
                '\x1b' | '\x07' | '\x08' | '\x0c' | '\x7f' => {
                    write!(self.0, "\\x{:02x}", c as u32)?
                }
                c if escapes(c) => write!(self.0, "\\u{{{:x}}}", c as u32)?,
                c => self.0.write_char(c)?,
            }
        }
        Ok(())
    }
}

impl Visit for Fields<'_, '_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            return self.put(field, |w| Escaping(w).write_str(value));
        }
        // plain text needs no escape: its Debug form is the text in quotes
        let plain = value
            .bytes()
            .all(|b| (b' '..=b'~').contains(&b) && b != b'"' && b != b'\\');
        self.put(field, |w| {
            if plain {
                w.write_char('"')?;
                w.write_str(value)?;
                w.write_char('"')
            } else {
                write!(w, "{value:?}")
            }
        });
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.put(field, |w| w.write_str(digits(value, 1, &mut [0; 20])));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.put(field, |w| {
            if value < 0 {
                w.write_char('-')?;
            }
            w.write_str(digits(value.unsigned_abs(), 1, &mut [0; 20]))
        });
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            return self.put(field, |w| write!(Escaping(w), "{value:?}"));
        }
        self.put(field, |w| write!(w, "{value:?}"));
    }
}

/// `v` in decimal with at least `width` digits (zeros in front), written into the end of `buf`.
fn digits(mut v: u64, width: usize, buf: &mut [u8; 20]) -> &str {
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 && buf.len() - at >= width {
            break;
        }
    }
    std::str::from_utf8(&buf[at..]).unwrap_or("0")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// The events the server writes, through `format`; each line without its timestamp.
    fn lines<E>(format: E) -> Vec<String>
    where
        E: FormatEvent<
                tracing_subscriber::Registry,
                tracing_subscriber::fmt::format::DefaultFields,
            > + Send
            + Sync
            + 'static,
    {
        let buf = Buf::default();
        let out = buf.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_writer(move || out.clone())
            .event_format(format)
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            let uri: axum::http::Uri = "/v1/evaluate?x=1".parse().unwrap();
            let (status, latency_us) = (422u16, 65u64);
            tracing::info!(id = "3f2a", method = "POST", %uri, status, latency_us, "answered");
            tracing::info!(id = "a \"quoted\" id\t\u{e9}", method = "GET", %uri, status, latency_us, code = "shape_mismatch", node = "z", "client error");
            tracing::error!(error = ?std::io::Error::other("disk"), signed = -12i64, r#type = 3u64, ok = true, "a \x1b[31m red \u{85} message {}", 7);
            tracing::warn!(addr = %"127.0.0.1:8080", ratio = 0.5f64, "gradtape listening");
        });
        let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        text.lines()
            .map(|l| l.split_once(' ').unwrap().1.to_string())
            .collect()
    }

    #[test]
    fn lines_read_exactly_as_the_full_formatter_writes_them() {
        let ours = lines(PlainLines::default());
        let theirs = lines(Format::<Full, SystemTime>::default());
        assert_eq!(ours.len(), 4);
        assert_eq!(ours, theirs);
    }

    #[test]
    fn the_timestamp_is_utc_to_the_microsecond_with_a_space_after() {
        let at = |secs: u64, micros: u32| {
            let t = std::time::UNIX_EPOCH + std::time::Duration::new(secs, micros * 1000);
            let mut out = String::new();
            timestamp(&mut out, t).unwrap();
            out
        };
        // expected values from Python's datetime.fromtimestamp(secs, timezone.utc)
        assert_eq!(at(0, 0), "1970-01-01T00:00:00.000000Z ");
        assert_eq!(at(951_782_400, 7), "2000-02-29T00:00:00.000007Z ");
        assert_eq!(at(1_796_186_910, 999_999), "2026-12-02T04:48:30.999999Z ");
        assert_eq!(at(4_107_542_399, 500_000), "2100-02-28T23:59:59.500000Z ");
        assert_eq!(at(253_402_300_799, 1), "9999-12-31T23:59:59.000001Z ");
        // a second later: past four digits, the year is signed as `Full` writes it
        assert_eq!(at(253_402_300_800, 0), "+10000-01-01T00:00:00.000000Z ");
    }
}
