//! The order in which TensorFlow's backprop (`ComputeGradient` in `c/eager/tape.h`) runs the
//! recorded ops' gradient functions. The gradients a source gets are summed in that order, and
//! IndexedSlices are summed by concatenating their indices, so the order shows in `indices`.

use std::collections::{HashMap, HashSet, VecDeque};

use crate::engine::autodiff::{Entry, Val, ValId};

/// The indices of `entries` in the order their gradient functions run for `targets`.
///
/// TensorFlow first walks back from the targets (a stack, the last target first) and collects
/// the ops that lead to them; the ops whose outputs no collected op reads start, in the order
/// the walk found them. Each op run counts down the uses of its inputs; an op whose outputs'
/// uses are all counted is put at the far end of the stack, so it runs after every op already
/// waiting (`a + b` runs a's gather first, `b + a` b's).
///
/// The starting order is really the iteration order of the `std::unordered_map` the walk fills:
/// the reverse of insertion while it has one op per bucket, which holds up to 13 collected
/// ops; past that its rehashing reorders them. So with one target (one op to start from) this
/// is TensorFlow's order on any tape, and with a list of targets up to 13 collected ops. An op
/// this crate records as several (`tf.add_n` is a chain of adds) runs its parts in this chain's
/// order, not as TensorFlow's one op would.
pub fn backprop_order(entries: &[Entry], targets: &[Val]) -> Vec<usize> {
    let producer: HashMap<ValId, usize> = entries
        .iter()
        .enumerate()
        .map(|(k, e)| (e.output.id, k))
        .collect();
    let mut stack: Vec<ValId> = targets.iter().map(|t| t.id).collect();
    let mut found = Vec::new();
    let mut seen = HashSet::new();
    let mut uses: HashMap<ValId, usize> = HashMap::new();
    while let Some(id) = stack.pop() {
        let Some(&op) = producer.get(&id) else {
            continue;
        };
        if !seen.insert(op) {
            continue;
        }
        found.push(op);
        for x in &entries[op].inputs {
            let n = uses.entry(x.id).or_insert(0);
            *n += 1;
            if *n == 1 && producer.contains_key(&x.id) {
                stack.push(x.id);
            }
        }
    }
    // an op waits for the uses of its one output
    let mut waiting: HashSet<usize> = uses
        .keys()
        .filter_map(|id| producer.get(id).copied())
        .filter(|op| seen.contains(op))
        .collect();
    let mut ready: VecDeque<usize> = found
        .iter()
        .rev()
        .copied()
        .filter(|op| !waiting.contains(op))
        .collect();
    let mut order = Vec::with_capacity(found.len());
    while let Some(op) = ready.pop_back() {
        order.push(op);
        for x in &entries[op].inputs {
            let Some(n) = uses.get_mut(&x.id) else {
                continue;
            };
            *n -= 1;
            if *n > 0 {
                continue;
            }
            if let Some(&p) = producer.get(&x.id) {
                if waiting.remove(&p) {
                    ready.push_front(p);
                }
            }
        }
    }
    order
}
