//! NumPy's `_formatArray`: an array's formatted elements laid out in nested brackets.

use ndarray::IxDyn;

use super::numpy::EDGE_ITEMS;
use crate::engine::tensor::Arr;

/// Formats one element of an array, with widths fixed from the values shown.
pub(super) trait ElemFormat<T> {
    fn fmt(&self, x: T) -> String;
}

/// `_formatArray`: nested brackets, wrapping at the line width, `...` past the threshold.
pub(super) struct Layout {
    pub shape: Vec<usize>,
    pub line_width: usize,
    pub separator: String,
    pub summarize: bool,
}

impl Layout {
    pub fn render<T: Copy>(
        &self,
        a: &Arr<T>,
        f: &dyn ElemFormat<T>,
        next_line_prefix: &str,
    ) -> String {
        let mut index = Vec::with_capacity(self.shape.len());
        self.recurse(a, f, &mut index, next_line_prefix, self.line_width)
    }

    fn recurse<T: Copy>(
        &self,
        a: &Arr<T>,
        f: &dyn ElemFormat<T>,
        index: &mut Vec<usize>,
        hanging_indent: &str,
        curr_width: usize,
    ) -> String {
        let axis = index.len();
        let axes_left = self.shape.len() - axis;
        if axes_left == 0 {
            return f.fmt(a[IxDyn(index)]);
        }
        let next_hanging_indent = format!("{hanging_indent} ");
        let next_width = curr_width.saturating_sub(1);
        let a_len = self.shape[axis];
        let show_summary = self.summarize && 2 * EDGE_ITEMS < a_len;
        let (leading, trailing) = if show_summary {
            (EDGE_ITEMS, EDGE_ITEMS)
        } else {
            (0, a_len)
        };
        let child = |i: usize, index: &mut Vec<usize>| {
            index.push(i);
            let s = self.recurse(a, f, index, &next_hanging_indent, next_width);
            index.pop();
            s
        };
        let mut s = String::new();
        if axes_left == 1 {
            let sep = &self.separator;
            let elem_width = curr_width.saturating_sub(sep.trim_end().len().max(1));
            let mut line = hanging_indent.to_string();
            for i in 0..leading {
                let word = child(i, index);
                extend_line(&mut s, &mut line, &word, elem_width, hanging_indent);
                line.push_str(sep);
            }
            if show_summary {
                extend_line(&mut s, &mut line, "...", elem_width, hanging_indent);
                line.push_str(sep);
            }
            for i in (2..=trailing).rev() {
                let word = child(a_len - i, index);
                extend_line(&mut s, &mut line, &word, elem_width, hanging_indent);
                line.push_str(sep);
            }
            let word = child(a_len - 1, index);
            extend_line(&mut s, &mut line, &word, elem_width, hanging_indent);
            s.push_str(&line);
        } else {
            let line_sep = format!(
                "{}{}",
                self.separator.trim_end(),
                "\n".repeat(axes_left - 1)
            );
            for i in 0..leading {
                let nested = child(i, index);
                s.push_str(hanging_indent);
                s.push_str(&nested);
                s.push_str(&line_sep);
            }
            if show_summary {
                s.push_str(hanging_indent);
                s.push_str("...");
                s.push_str(&line_sep);
            }
            for i in (2..=trailing).rev() {
                let nested = child(a_len - i, index);
                s.push_str(hanging_indent);
                s.push_str(&nested);
                s.push_str(&line_sep);
            }
            let nested = child(a_len - 1, index);
            s.push_str(hanging_indent);
            s.push_str(&nested);
        }
        format!("[{}]", &s[hanging_indent.len()..])
    }
}

/// `_extendLine`: starts a new line when `word` would pass `line_width`, unless the line
/// holds nothing but its indent (wrapping would not help).
fn extend_line(
    s: &mut String,
    line: &mut String,
    word: &str,
    line_width: usize,
    next_line_prefix: &str,
) {
    let needs_wrap = line.len() + word.len() > line_width && line.len() > next_line_prefix.len();
    if needs_wrap {
        s.push_str(line.trim_end());
        s.push('\n');
        *line = next_line_prefix.to_string();
    }
    line.push_str(word);
}
