//! The order TensorFlow's eager tape runs recorded ops' gradients (`c/eager/tape.h`,
//! `GradientTape::ComputeGradient`), which is the order the gradients reaching one tensor are
//! added in: TensorFlow keeps them in a list as they arrive and sums the list with AddN, left
//! to right, so another order can differ in the last bit (`x` used three times: `1e8 + 1 - 1e8`
//! is 0 in float32, `-1e8 + 1e8 + 1` is 1).
//!
//! `PrepareBackprop` keeps the ops a depth-first walk from the targets reaches, counting each
//! tensor's uses among them. The ops whose outputs no kept op uses start a stack, in the order
//! its `std::unordered_map` of ops iterates them; an op is popped from the back, and once every
//! use of its output has been popped it is inserted at the front (a queue, breadth first).
//! The order is the graph's alone, whatever the values: it is computed before any gradient.

use std::collections::VecDeque;

use smallvec::SmallVec;

use super::{Entry, IdMap, IdSet, Val};

/// The indices of `entries` in the order TensorFlow pops their ops, for `targets`; an entry no
/// target depends on is left out. An entry's index stands for TensorFlow's op id (the tape's
/// count of ops recorded before it).
pub(super) fn ready_order(entries: &[Entry], traced: &IdSet, targets: &[Val]) -> Vec<usize> {
    // a tensor's op: the last to record it, as `tensor_tape_[id] = op_id` overwrites
    let producer: IdMap<usize> = entries
        .iter()
        .enumerate()
        .map(|(i, e)| (e.output.id, i))
        .collect();
    let mut uses: IdMap<u32> = IdMap::default();
    let mut kept = vec![false; entries.len()];
    let mut inserted = Vec::new();
    let mut stack: Vec<u64> = targets.iter().map(|t| t.id).collect();
    while let Some(id) = stack.pop() {
        let Some(&op) = producer.get(&id) else {
            continue;
        };
        if kept[op] {
            continue;
        }
        kept[op] = true;
        inserted.push(op);
        for input in &entries[op].inputs {
            let n = uses.entry(input.id).or_insert(0);
            *n += 1;
            if *n == 1 && (traced.contains(&input.id) || producer.contains_key(&input.id)) {
                stack.push(input.id);
            }
        }
    }
    // how many used outputs each kept op still waits for (one: an entry has one output)
    let mut missing = vec![0u32; entries.len()];
    for id in uses.keys() {
        if let Some(&op) = producer.get(id) {
            missing[op] += 1;
        }
    }
    let mut queue: VecDeque<usize> = libstdcxx_iteration_order(&inserted)
        .into_iter()
        .filter(|&op| missing[op] == 0)
        .collect();
    let mut order = Vec::with_capacity(inserted.len());
    while let Some(op) = queue.pop_back() {
        order.push(op);
        for input in &entries[op].inputs {
            let Some(n) = uses.get_mut(&input.id) else {
                continue;
            };
            *n -= 1;
            if *n > 0 {
                continue;
            }
            if let Some(&producer) = producer.get(&input.id) {
                missing[producer] -= 1;
                if missing[producer] == 0 {
                    queue.push_front(producer);
                }
            }
        }
    }
    order
}

/// Whether walking `entries` in TensorFlow's order can answer otherwise than walking them
/// backwards (the tape's order, also an order in which each op's consumers come first): only
/// when a value takes three gradients or more (a target's seed counts), since two add up alike
/// in either order, or when a value is the output of two entries (TensorFlow keeps the last,
/// `producer` above). The caller adds what else sees the order: a tape recording the VJPs
/// (its own order then follows theirs) and the numerics check (the first non-finite VJP).
pub(super) fn order_is_seen(entries: &[Entry], targets: &[Val]) -> bool {
    let mut used: SmallVec<[u64; 32]> = targets.iter().map(|t| t.id).collect();
    used.extend(entries.iter().flat_map(|e| e.inputs.iter().map(|i| i.id)));
    used.sort_unstable();
    let mut made: SmallVec<[u64; 32]> = entries.iter().map(|e| e.output.id).collect();
    made.sort_unstable();
    used.windows(3).any(|w| w[0] == w[2]) || made.windows(2).any(|w| w[0] == w[1])
}

/// libstdc++'s bucket counts for a growing `std::unordered_map` (its prime rehash policy at
/// load factor 1: 13 buckets for the first element, the next count once the size passes the
/// last one), read off libstdc++ 12 inserting 0, 1, 2, ...
const BUCKETS: [usize; 21] = [
    13, 29, 59, 127, 257, 541, 1109, 2357, 5087, 10273, 20753, 42043, 85229, 172933, 351061,
    712697, 1447153, 2938679, 5967347, 12117689, 24607243,
];

/// The order libstdc++'s `std::unordered_map<int64_t, _>` iterates `keys` inserted one by one
/// in this order (each once). Its nodes form one singly linked list, each bucket's nodes a run
/// in it: a node joins the front of its bucket's run, or the front of the list when its
/// bucket is empty; a rehash re-inserts the nodes that way in list order. std::hash of an
/// integer is the integer.
fn libstdcxx_iteration_order(keys: &[usize]) -> Vec<usize> {
    const NONE: usize = usize::MAX;
    // the list's head node stands before the first (`_M_before_begin`)
    const HEAD: usize = usize::MAX - 1;
    struct Table {
        next: Vec<usize>,
        head: usize,
        // each bucket's node before its run, NONE when empty
        before: Vec<usize>,
    }
    impl Table {
        fn insert(&mut self, keys: &[usize], node: usize) {
            let n = self.before.len();
            let bucket = keys[node] % n;
            match self.before[bucket] {
                NONE => {
                    self.next[node] = self.head;
                    self.head = node;
                    if self.next[node] != NONE {
                        self.before[keys[self.next[node]] % n] = node;
                    }
                    self.before[bucket] = HEAD;
                }
                HEAD => {
                    self.next[node] = self.head;
                    self.head = node;
                }
                before => {
                    self.next[node] = self.next[before];
                    self.next[before] = node;
                }
            }
        }
        fn walk(&self) -> Vec<usize> {
            let mut out = Vec::with_capacity(self.next.len());
            let mut at = self.head;
            while at != NONE {
                out.push(at);
                at = self.next[at];
            }
            out
        }
    }
    let mut table = Table {
        next: vec![NONE; keys.len()],
        head: NONE,
        before: Vec::new(),
    };
    let mut grown = 0;
    for node in 0..keys.len() {
        if grown < BUCKETS.len() && node + 1 > table.before.len() {
            let list = table.walk();
            table.before = vec![NONE; BUCKETS[grown]];
            table.head = NONE;
            grown += 1;
            for old in list {
                table.insert(keys, old);
            }
        }
        table.insert(keys, node);
    }
    table.walk().into_iter().map(|node| keys[node]).collect()
}

#[cfg(test)]
mod tests {
    use super::{libstdcxx_iteration_order, order_is_seen};
    use crate::engine::autodiff::{Entry, Val};
    use crate::engine::dtype::DType;
    use crate::engine::ops::{Binary, Op};
    use crate::engine::tensor::Tensor;

    fn val(id: u64) -> Val {
        Val {
            id,
            tensor: std::sync::Arc::new(Tensor::scalar(1.0, DType::F32)),
        }
    }

    /// `output = a + b` as the tape records it.
    fn add(a: u64, b: u64, output: u64) -> Entry {
        Entry {
            op: Op::Binary(Binary::Add),
            inputs: [val(a), val(b)].into_iter().collect(),
            output: val(output),
        }
    }

    #[test]
    fn the_order_is_seen_only_where_a_value_takes_three_gradients_or_has_two_producers() {
        // x used twice: its two gradients add up alike in either order
        let twice = [add(1, 1, 2)];
        assert!(!order_is_seen(&twice, &[val(2)]));
        // three uses
        let thrice = [add(1, 1, 2), add(2, 1, 3)];
        assert!(order_is_seen(&thrice, &[val(3)]));
        // two uses and a seed: y = x + x, then z = y + y with targets [y, z]
        let seeded = [add(1, 1, 2), add(2, 2, 3)];
        assert!(!order_is_seen(&seeded, &[val(3)]));
        assert!(order_is_seen(&seeded, &[val(2), val(3)]));
        // one output recorded twice: TensorFlow walks from its last producer only
        assert!(order_is_seen(&[add(1, 4, 2), add(4, 5, 2)], &[val(2)]));
    }

    #[test]
    fn iterates_as_libstdcxx_does() {
        // each key alone in its bucket: the newest first
        assert_eq!(libstdcxx_iteration_order(&[5, 3, 9, 1]), [1, 9, 3, 5]);
        // 0..=40: 13 buckets until the 14th key, then 29 (a rehash reverses the runs), then
        // 59 at the 30th: what libstdc++ 12 printed for the same insertions
        let keys: Vec<usize> = (0..=40).collect();
        let printed: Vec<usize> = (29..=40)
            .rev()
            .chain((0..=12).rev())
            .chain(13..=28)
            .collect();
        assert_eq!(libstdcxx_iteration_order(&keys), printed);
    }
}
