//! A direct parser for the common body: JSON text straight into the borrowed `Json` tree, without
//! serde's visitor calls per value (a third of a W1 request's parse). It reads only what it can
//! read exactly as serde_json does and gives up (`None`) on anything else: an escape in a string,
//! a number it would have to round differently, deep nesting, a large object, or any error. The
//! caller then parses with serde_json, whose tree or error message is the answer, so a body
//! either gets the same tree from both or never reaches this one's.

use bumpalo::Bump;

use super::json::{Json, Obj, SCAN_MEMBERS};

/// Nesting this parser reads; deeper bodies go to serde_json (whose own limit is 128).
const MAX_DEPTH: usize = 64;

/// The bytes that end a string's plain run: its closing quote, an escape, a control character.
/// One table load a byte, where three comparisons a byte were most of a short string's read.
static STOPS: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = true;
        b += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

/// The body as `Json` in `arena`, or `None` when serde_json must read it.
pub fn parse<'a>(text: &'a str, arena: &'a Bump) -> Option<Json<'a>> {
    let mut p = Parser {
        text,
        bytes: text.as_bytes(),
        at: 0,
        depth: 0,
        arena,
        // room for a small program's lists and objects at once, so neither vector grows
        // (and copies) along the way
        items: Vec::with_capacity(32),
        members: Vec::with_capacity(32),
    };
    let v = p.value()?;
    p.space();
    (p.at == p.bytes.len()).then_some(v)
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
    depth: usize,
    arena: &'a Bump,
    /// The items of the lists being read, innermost last: a list's items are copied into the
    /// arena once it closes, so no list allocates a vector of its own.
    items: Vec<Json<'a>>,
    /// The same for the members of the objects being read.
    members: Vec<(&'a str, Json<'a>)>,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    /// JSON's four whitespace bytes.
    fn space(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.peek() {
            self.at += 1;
        }
    }

    fn word(&mut self, w: &[u8], v: Json<'a>) -> Option<Json<'a>> {
        let end = self.at + w.len();
        (self.bytes.get(self.at..end) == Some(w)).then(|| {
            self.at = end;
            v
        })
    }

    fn value(&mut self) -> Option<Json<'a>> {
        self.space();
        self.value_here()
    }

    /// The value at the current byte (no whitespace before it). A list or an object reads
    /// its items through this, so the strings and numbers that are most of a body are read
    /// without a call of `value` each.
    #[inline(always)]
    fn value_here(&mut self) -> Option<Json<'a>> {
        match self.peek()? {
            b'{' => self.nested(Self::object),
            b'[' => self.nested(Self::array),
            b'"' => self.string().map(Json::Str),
            b't' => self.word(b"true", Json::Bool(true)),
            b'f' => self.word(b"false", Json::Bool(false)),
            b'n' => self.word(b"null", Json::Null),
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    fn nested(&mut self, f: fn(&mut Self) -> Option<Json<'a>>) -> Option<Json<'a>> {
        if self.depth == MAX_DEPTH {
            return None;
        }
        self.depth += 1;
        self.at += 1;
        let v = f(self);
        self.depth -= 1;
        v
    }

    /// After `[`: values up to the matching `]`.
    fn array(&mut self) -> Option<Json<'a>> {
        self.space();
        if self.peek()? == b']' {
            self.at += 1;
            return Some(Json::List(&[]));
        }
        let start = self.items.len();
        loop {
            self.space();
            let v = self.value_here()?;
            self.items.push(v);
            self.space();
            match self.peek()? {
                b',' => self.at += 1,
                b']' => break,
                _ => return None,
            }
        }
        self.at += 1;
        let list = self.arena.alloc_slice_copy(&self.items[start..]);
        self.items.truncate(start);
        Some(Json::List(list))
    }

    /// After `{`: members up to the matching `}`; a repeated key keeps its first place and its
    /// last value, as `Json`'s serde visitor keeps it.
    fn object(&mut self) -> Option<Json<'a>> {
        self.space();
        if self.peek()? == b'}' {
            self.at += 1;
            return Some(Json::Obj(Obj(&[])));
        }
        let start = self.members.len();
        // one bit a key's length and first byte map to: a key whose bit is clear repeats no
        // earlier key, so most members skip the scan for a repeat
        let mut seen = 0u64;
        loop {
            self.space();
            if self.peek()? != b'"' || self.members.len() - start == SCAN_MEMBERS {
                return None;
            }
            let key = self.string()?;
            self.space();
            if self.peek()? != b':' {
                return None;
            }
            self.at += 1;
            self.space();
            let v = self.value_here()?;
            let first = usize::from(key.bytes().next().unwrap_or(0));
            let bit = 1u64 << ((key.len().wrapping_mul(7) ^ first) % 64);
            let repeat = match seen & bit {
                0 => None,
                _ => self.members[start..].iter().position(|(k, _)| *k == key),
            };
            seen |= bit;
            match repeat {
                Some(i) => self.members[start + i].1 = v,
                None => self.members.push((key, v)),
            }
            self.space();
            match self.peek()? {
                b',' => self.at += 1,
                b'}' => break,
                _ => return None,
            }
        }
        self.at += 1;
        let members = self.arena.alloc_slice_copy(&self.members[start..]);
        self.members.truncate(start);
        Some(Json::Obj(Obj(members)))
    }

    /// At `"`: a string without escapes or control characters, borrowed from the body.
    fn string(&mut self) -> Option<&'a str> {
        let start = self.at + 1;
        let len = self.bytes[start..]
            .iter()
            .position(|&b| STOPS[b as usize])?;
        let end = start + len;
        if self.bytes[end] != b'"' {
            return None;
        }
        self.at = end + 1;
        // both ends are ASCII quotes, so they are character boundaries of the UTF-8 text
        Some(&self.text[start..end])
    }

    /// A number in JSON's grammar. An integer of up to 18 digits is exact as an i64 (`-0` is a
    /// float, as serde_json reads it); anything with a fraction or an exponent is read by
    /// `exact_float` or else the standard library, both of which round correctly, as
    /// serde_json's `float_roundtrip` does; a longer integer or a float out of range goes to
    /// serde_json.
    fn number(&mut self) -> Option<Json<'a>> {
        let start = self.at;
        let negative = self.peek() == Some(b'-');
        self.at += usize::from(negative);
        let int_start = self.at;
        let digits = self.digits();
        if digits == 0 || (digits > 1 && self.bytes[int_start] == b'0') {
            return None;
        }
        let mut float = false;
        let mut fraction = &self.bytes[self.at..self.at];
        if self.peek() == Some(b'.') {
            self.at += 1;
            let frac_start = self.at;
            if self.digits() == 0 {
                return None;
            }
            fraction = &self.bytes[frac_start..self.at];
            float = true;
        }
        let mut exponent = Some(0i64);
        if let Some(b'e' | b'E') = self.peek() {
            self.at += 1;
            let minus = self.peek() == Some(b'-');
            if let Some(b'+' | b'-') = self.peek() {
                self.at += 1;
            }
            let exp_start = self.at;
            let exp_digits = self.digits();
            if exp_digits == 0 {
                return None;
            }
            // a long exponent is left to the standard library
            exponent = (exp_digits <= 4).then(|| {
                let e = self.bytes[exp_start..self.at]
                    .iter()
                    .fold(0i64, |n, &d| n * 10 + i64::from(d - b'0'));
                if minus {
                    -e
                } else {
                    e
                }
            });
            float = true;
        }
        if float {
            let integer = &self.bytes[int_start..int_start + digits];
            if let Some(x) = exponent.and_then(|e| exact_float(integer, fraction, e)) {
                return Some(Json::Float(if negative { -x } else { x }));
            }
        }
        if !float {
            if digits > 18 {
                return None;
            }
            let n = self.bytes[int_start..self.at]
                .iter()
                .fold(0i64, |n, &d| n * 10 + i64::from(d - b'0'));
            return Some(match (negative, n) {
                (true, 0) => Json::Float(-0.0),
                (true, n) => Json::Int(-n),
                (false, n) => Json::Int(n),
            });
        }
        let x: f64 = self.text[start..self.at].parse().ok()?;
        x.is_finite().then_some(Json::Float(x))
    }

    fn digits(&mut self) -> usize {
        let start = self.at;
        while let Some(b'0'..=b'9') = self.peek() {
            self.at += 1;
        }
        self.at - start
    }
}

/// A decimal `integer.fraction e exponent` read without the standard library's general
/// algorithm when it is exact in one step (Clinger's fast path, the one `str::parse` takes
/// first): digits that make an integer of at most 2^53 are exact as an f64, so is 10^k for
/// k <= 22, and one multiplication or division of exact operands rounds correctly. Most numbers
/// in a body are such short decimals; anything else is `None`.
fn exact_float(integer: &[u8], fraction: &[u8], exponent: i64) -> Option<f64> {
    const POW10: [f64; 23] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
        1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ];
    if integer.len() + fraction.len() > 19 {
        return None;
    }
    let digits = |n: u64, part: &[u8]| part.iter().fold(n, |n, &d| n * 10 + u64::from(d - b'0'));
    let w = digits(digits(0, integer), fraction);
    if w > 1 << 53 {
        return None;
    }
    let e = exponent - fraction.len() as i64;
    let w = w as f64;
    match e {
        0..=22 => Some(w * POW10[e as usize]),
        -22..=-1 => Some(w / POW10[(-e) as usize]),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whatever this parser reads, serde_json reads to the same tree (bit for bit in floats).
    fn agrees(text: &str) {
        let arena = Bump::new();
        if let Some(fast) = parse(text, &arena) {
            let slow = crate::api::json::from_str(text, &arena)
                .unwrap_or_else(|e| panic!("serde_json refuses {text}: {e}"));
            assert_eq!(format!("{fast:?}"), format!("{slow:?}"), "{text}");
        }
    }

    fn reads(text: &str) -> bool {
        parse(text, &Bump::new()).is_some()
    }

    fn float(text: &str) -> Option<f64> {
        match parse(text, &Bump::new()) {
            Some(Json::Float(x)) => Some(x),
            _ => None,
        }
    }

    #[test]
    fn it_reads_what_serde_json_reads_and_leaves_the_rest_to_it() {
        let read = [
            r#"{"a": [1, -2, 0, 3.5, -0, -0.0, 1e3, 2E-2, 1.5e+300, true, false, null], "b": {}}"#,
            r#" [ [] , {"k": "v", "k": "w", "x": "é ∑"} ] "#,
            "123456789012345678",
            "-123456789012345678",
            "4.9e-324",
            "2.2250738585072011e-308",
            "0.1000000000000000055511151231257827021181583404541015625",
            "1e-400",
            "-1e-400",
        ];
        for text in read {
            assert!(reads(text), "{text}");
            agrees(text);
        }
        let left = [
            r#"{"a": "tab\tescaped"}"#,
            "1234567890123456789",
            "1e400",
            "01",
            "1.",
            ".5",
            "-",
            "1e",
            "[1,]",
            r#"{"a":1,}"#,
            "[1] x",
            "",
            "nul",
            "\"a\u{1}\"",
        ];
        for text in left {
            assert!(!reads(text), "{text}");
        }
        let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        assert!(!reads(&deep));
        let many: Vec<String> = (0..40).map(|i| format!("\"k{i}\": {i}")).collect();
        assert!(!reads(&format!("{{{}}}", many.join(","))));
    }

    #[test]
    fn a_string_stops_at_a_quote_an_escape_or_a_control_character() {
        for b in 0..=255u8 {
            assert_eq!(
                STOPS[b as usize],
                b == b'"' || b == b'\\' || b < 0x20,
                "{b}"
            );
        }
    }

    #[test]
    fn floats_round_as_serde_json_rounds_them() {
        // a deterministic spread of decimal strings of every length and exponent
        let mut s: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..20_000 {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let digits = (s % 10_000_000_000_000_000_000) as u128 * 1_000 + (s >> 54) as u128;
            let exp = (s >> 40) as i64 % 700 - 350;
            let cut = 1 + (s >> 20) as usize % 20;
            let d = digits.to_string();
            let (a, b) = d.split_at(cut.min(d.len()));
            let text = format!("[{a}.{b}1e{exp}, -{a}.{b}, {a}e{}]", exp / 10);
            agrees(&text);
        }
    }

    #[test]
    fn short_decimals_take_the_exact_path_and_round_as_the_standard_library() {
        // y = w * 10^e with w < 2^53 and |e| <= 22, and just past either bound
        let mut s: u64 = 0x2545_F491_4F6C_DD1D;
        for _ in 0..50_000 {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let w = s >> (s % 64) as u32;
            let int = (w % 10_000_000_000).to_string();
            let frac = ((s >> 17) % 100_000_000_000).to_string();
            let frac = &frac[..1 + (s >> 9) as usize % frac.len()];
            let exp = (s >> 33) as i64 % 60 - 30;
            for text in [
                format!("{int}.{frac}"),
                format!("{int}e{exp}"),
                format!("-{int}.{frac}E{exp}"),
            ] {
                let want: f64 = text.parse().unwrap();
                let Some(got) = float(&text) else {
                    panic!("{text} is not a float");
                };
                assert_eq!(got.to_bits(), want.to_bits(), "{text}");
                agrees(&text);
            }
        }
        for text in [
            "9007199254740993.0",
            "9007199254740992e22",
            "1e23",
            "1.5e-23",
            "-0.0",
            "0e5",
        ] {
            let want: f64 = text.parse().unwrap();
            let Some(got) = float(text) else {
                panic!("{text} is not a float");
            };
            assert_eq!(got.to_bits(), want.to_bits(), "{text}");
        }
    }
}
