//! What a cell may build of Python strings, lists and tuples. One step of a cell (`s + s`,
//! `sep.join(xs)`, `str(xs)`) runs to its end whatever the clock says, and a loop of steps
//! can keep what each made, so each such value is refused before it is made when it would be
//! longer than [`MAX_ITEMS`], and all a cell makes together count against
//! `CellLimits::max_python_bytes` (GRADTAPE_MAX_CELL_PYTHON_BYTES), as every tensor an op
//! makes counts against `max_request_elements`.

use super::interp::Interp;
use super::raise::{Raise, RaiseKind};
use super::value::{lock, Value};

/// Items of one list or tuple, bytes of one string: 1 MiB of text, 32 MiB of list.
pub const MAX_ITEMS: usize = 1 << 20;

/// What one list or tuple item takes (the item itself is shared, not copied).
const ITEM_BYTES: usize = std::mem::size_of::<Value>();

/// What one dict entry takes: its key and value, and the key's place in the index.
const ENTRY_BYTES: usize = 3 * ITEM_BYTES + 16;

/// Refuses a string of `bytes` bytes before it is made.
pub fn str_fits(bytes: usize) -> Result<(), Raise> {
    if bytes > MAX_ITEMS {
        return Err(Raise::new(
            RaiseKind::LimitExceeded,
            format!("a string in a cell holds at most {MAX_ITEMS} characters (this one would have {bytes}); build a shorter one"),
        ));
    }
    Ok(())
}

/// Refuses a list or tuple of `items` items before it is made.
pub fn items_fit(kind: &str, items: usize) -> Result<(), Raise> {
    if items > MAX_ITEMS {
        return Err(Raise::new(
            RaiseKind::LimitExceeded,
            format!("a {kind} in a cell holds at most {MAX_ITEMS} items (this one would have {items}); build a shorter one"),
        ));
    }
    Ok(())
}

impl Interp<'_> {
    /// Counts `bytes` of Python values the cell makes against its budget.
    fn charge(&mut self, bytes: usize) -> Result<(), Raise> {
        self.python_bytes = self.python_bytes.saturating_add(bytes);
        if self.python_bytes > self.max_python_bytes {
            return Err(Raise::new(
                RaiseKind::LimitExceeded,
                format!("the cell made more than {} bytes of Python strings, lists, tuples and dicts (GRADTAPE_MAX_CELL_PYTHON_BYTES); make fewer or shorter ones, or append to one list instead of copying it", self.max_python_bytes),
            ));
        }
        Ok(())
    }

    /// Makes room for a string of `bytes` bytes: within [`MAX_ITEMS`] and the cell's budget.
    pub fn room_for_str(&mut self, bytes: usize) -> Result<(), Raise> {
        str_fits(bytes)?;
        self.charge(bytes)
    }

    /// Makes room for a list or tuple of `items` items (`kind` names it in the error).
    pub fn room_for_items(&mut self, kind: &str, items: usize) -> Result<(), Raise> {
        items_fit(kind, items)?;
        self.charge(items.saturating_mul(ITEM_BYTES))
    }

    /// Makes room for `more` items at the end of a list of `len` (`append`, `extend`,
    /// `+=`, which grow it in place: only the new items count against the budget).
    pub fn room_to_grow(&mut self, len: usize, more: usize) -> Result<(), Raise> {
        items_fit("list", len.saturating_add(more))?;
        self.charge(more.saturating_mul(ITEM_BYTES))
    }

    /// Makes room for `more` new keys in a dict of `len` (each entry holds its key, its value
    /// and its place in the dict's index).
    pub fn room_for_entries(&mut self, len: usize, more: usize) -> Result<(), Raise> {
        items_fit("dict", len.saturating_add(more))?;
        self.charge(more.saturating_mul(ENTRY_BYTES))
    }

    /// A string made by a step whose result is at most a few times its operands: checked
    /// and counted once made.
    pub fn new_str(&mut self, s: String) -> Result<Value, Raise> {
        self.room_for_str(s.len())?;
        Ok(Value::str(s))
    }

    pub fn new_list(&mut self, items: Vec<Value>) -> Result<Value, Raise> {
        self.room_for_items("list", items.len())?;
        Ok(Value::list(items))
    }

    pub fn new_tuple(&mut self, items: Vec<Value>) -> Result<Value, Raise> {
        self.room_for_items("tuple", items.len())?;
        Ok(Value::tuple(items))
    }
}

/// Lists nested deeper than this do not print (Python's repr raises RecursionError near 1000).
const MAX_PRINT_DEPTH: usize = 900;

/// At least as many bytes as `str(v)` or `repr(v)` prints, counted without printing it, and
/// counting stops past `max` (one shared string may sit in a list many times over: a list of
/// a million-character string a thousand times is refused before a gigabyte is written). A
/// list nested too deep to print counts as longer than `max`.
pub fn printed_len(it: &Interp, v: &Value, max: usize) -> usize {
    if let Value::Str(s) = v {
        // `str(s)` is `s` itself; quotes come only inside a list
        return s.len();
    }
    let mut n = 0;
    count(it, v, max, &mut Vec::new(), &mut n);
    n
}

/// At least as many bytes as a tensor or array of `shape` prints: two a number (a digit and a
/// space), for the numbers NumPy shows (all up to a thousand, else three at each end of every
/// axis, which is all of an axis of 6 or fewer).
fn tensor_len(shape: &[usize]) -> usize {
    let all: usize = shape.iter().product();
    let shown = if all > 1000 {
        shape.iter().map(|&d| d.min(6)).product()
    } else {
        all
    };
    40 + 2 * shown
}

/// Adds what `v` prints to `n`; `path` holds the lists being printed around it (one of them
/// inside itself prints `[...]`).
fn count(it: &Interp, v: &Value, max: usize, path: &mut Vec<usize>, n: &mut usize) {
    let items: Vec<Value> = match v {
        Value::List(_) | Value::Dict(_) | Value::DictView(..) => {
            let at = super::containers::address(v).expect("a list or dict");
            if path.contains(&at) {
                *n += 5;
                return;
            }
            if path.len() >= MAX_PRINT_DEPTH {
                *n = max.saturating_add(1);
                return;
            }
            path.push(at);
            // a dict's keys and values (`: ` the same as `, `), a view's name around its items
            let items = match v {
                Value::List(l) => lock(l).clone(),
                Value::Dict(d) => d.snapshot().into_iter().flat_map(|(k, x)| [k, x]).collect(),
                Value::DictView(d, kind, _) => {
                    *n = n.saturating_add(12);
                    d.view_items(*kind)
                }
                _ => Vec::new(),
            };
            *n = n.saturating_add(2 + 2 * items.len());
            for x in &items {
                if *n > max {
                    break;
                }
                count(it, x, max, path, n);
            }
            path.pop();
            return;
        }
        Value::Tuple(t) => t.to_vec(),
        Value::Str(s) => {
            *n = n.saturating_add(s.len() + 2);
            return;
        }
        Value::Tensor(x) => {
            *n = n.saturating_add(tensor_len(x.tensor.shape()));
            return;
        }
        Value::Array(a) => {
            *n = n.saturating_add(tensor_len(a.get().shape()));
            return;
        }
        Value::Exception(e) => {
            let message = e.message.as_ref().map_or(0, String::len);
            *n = n.saturating_add(e.class.name.len() + 2 + 2 * e.args.len() + message);
            for x in &e.args {
                count(it, x, max, path, n);
            }
            return;
        }
        Value::Ref(r) => {
            *n = n.saturating_add(22);
            count(it, r, max, path, n);
            return;
        }
        Value::Variable(id) | Value::UnreadVariable(id) => {
            let shown = it
                .ws
                .variable(id)
                .map_or(40, |v| tensor_len(v.val.tensor.shape()));
            *n = n.saturating_add(shown);
            return;
        }
        _ => {
            *n = n.saturating_add(1);
            return;
        }
    };
    if path.len() >= MAX_PRINT_DEPTH {
        *n = max.saturating_add(1);
        return;
    }
    *n = n.saturating_add(2 + 2 * items.len());
    path.push(0);
    for x in &items {
        if *n > max {
            break;
        }
        count(it, x, max, path, n);
    }
    path.pop();
}
