//! Checked cells kept by their text. A grader sends the same reference cell with every
//! submission, and a class sends the same exercise cell hundreds of times: parsing and checking
//! it is a quarter of the work of running a small cell, so a text seen recently skips both.
//! Only cells that parse and pass the subset check are kept (a refusal is found again, it is
//! cheap and rare); the cache is bounded in entries and in bytes of text, and the least
//! recently used entry goes first.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Mutex, PoisonError};

use ruff_python_ast::ModModule;

use super::raise::Refusal;
use super::source;

/// Cells kept at most, and bytes of their text (their ASTs take some tens of times more).
const MAX_ENTRIES: usize = 64;
const MAX_TEXT_BYTES: usize = 256 << 10;
/// A larger cell is parsed every time: keeping it would push out a quarter of the others.
const MAX_KEPT_CELL: usize = MAX_TEXT_BYTES / 4;

struct Entry {
    hash: u64,
    text: Box<str>,
    module: Arc<ModModule>,
    /// The clock when it was last used.
    used: u64,
}

struct Cache {
    entries: Vec<Entry>,
    text_bytes: usize,
    clock: u64,
}

static CACHE: Mutex<Cache> = Mutex::new(Cache {
    entries: Vec::new(),
    text_bytes: 0,
    clock: 0,
});

impl Cache {
    fn get(&mut self, hash: u64, text: &str) -> Option<Arc<ModModule>> {
        self.clock += 1;
        let e = self
            .entries
            .iter_mut()
            .find(|e| e.hash == hash && *e.text == *text)?;
        e.used = self.clock;
        Some(e.module.clone())
    }

    fn put(&mut self, hash: u64, text: &str, module: Arc<ModModule>) {
        if self.get(hash, text).is_some() {
            return;
        }
        while !self.entries.is_empty()
            && (self.entries.len() >= MAX_ENTRIES || self.text_bytes + text.len() > MAX_TEXT_BYTES)
        {
            let oldest = (0..self.entries.len())
                .min_by_key(|&i| self.entries[i].used)
                .expect("not empty");
            let gone = self.entries.swap_remove(oldest);
            self.text_bytes -= gone.text.len();
        }
        self.text_bytes += text.len();
        self.entries.push(Entry {
            hash,
            text: text.into(),
            module,
            used: self.clock,
        });
    }
}

fn lock() -> std::sync::MutexGuard<'static, Cache> {
    // the cache holds no invariant a panic elsewhere could break half-way
    CACHE.lock().unwrap_or_else(PoisonError::into_inner)
}

fn hash_of(text: &str) -> u64 {
    let mut h = DefaultHasher::new();
    text.hash(&mut h);
    h.finish()
}

/// [`source::parse`], answering a text parsed and checked recently from the cache.
pub fn parse(text: &str, max_bytes: usize) -> Result<Arc<ModModule>, Refusal> {
    if text.len() > max_bytes || text.len() > MAX_KEPT_CELL {
        return source::parse(text, max_bytes).map(Arc::new);
    }
    let hash = hash_of(text);
    if let Some(module) = lock().get(hash, text) {
        return Ok(module);
    }
    let module = Arc::new(source::parse(text, max_bytes)?);
    lock().put(hash, text, module.clone());
    Ok(module)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_parsed_again_is_the_same_module() {
        let text = "x = 1 + 2  # parsed.rs: kept\n";
        let first = parse(text, 1000).expect("parses");
        let again = parse(text, 1000).expect("parses");
        assert!(Arc::ptr_eq(&first, &again));
        let other = parse("x = 1 + 3  # parsed.rs: kept\n", 1000).expect("parses");
        assert!(!Arc::ptr_eq(&first, &other));
    }

    #[test]
    fn a_kept_text_still_meets_the_size_bound_and_refusals_are_not_kept() {
        let text = "y = 2 * 3  # parsed.rs: bound\n";
        parse(text, 1000).expect("parses");
        let refused = parse(text, 10).expect_err("over the bound");
        assert_eq!(refused.code, "limit_exceeded");
        for _ in 0..2 {
            let e = parse("class A: pass\n", 1000).expect_err("outside the subset");
            assert_eq!(e.code, "unsupported");
        }
    }

    #[test]
    fn the_cache_stays_within_its_bounds() {
        let mut c = Cache {
            entries: Vec::new(),
            text_bytes: 0,
            clock: 0,
        };
        let module = Arc::new(source::parse("z = 0\n", 100).expect("parses"));
        for k in 0..(3 * MAX_ENTRIES) {
            let text = format!("z = {k}\n");
            c.put(hash_of(&text), &text, module.clone());
            // the first text, used every turn, stays while others come and go
            assert!(c.get(hash_of("z = 0\n"), "z = 0\n").is_some());
        }
        assert_eq!(c.entries.len(), MAX_ENTRIES);
        let big = "#".repeat(MAX_KEPT_CELL);
        for k in 0..8 {
            let text = format!("{big}{k}");
            c.put(hash_of(&text), &text, module.clone());
        }
        assert!(c.text_bytes <= MAX_TEXT_BYTES);
    }
}
