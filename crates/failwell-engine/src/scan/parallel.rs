//! Work shared out over the machine's cores, results kept in input order.
//!
//! The scan's heavy steps (peer norms per indicator, recorded results per indicator,
//! organisations) are independent item by item. Scoped threads over contiguous chunks
//! are enough: no work stealing, no extra dependency, and the output order (hence the
//! report) does not depend on the number of cores.

/// Threads at most, whatever the machine: beyond this the steps are memory-bound.
const MAX_THREADS: usize = 8;

/// `f` over `items` on up to one thread per core, in input order. Below `min_items`
/// items, or on one core, it runs on the calling thread (a thread costs more than it saves).
/// Borrowed items are passed as a `Vec` of references.
pub fn map<T: Send, R: Send>(items: Vec<T>, min_items: usize, f: impl Fn(T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(MAX_THREADS);
    if threads < 2 || items.len() < min_items.max(2) {
        return items.into_iter().map(f).collect();
    }
    let per = items.len().div_ceil(threads);
    let mut chunks = Vec::with_capacity(threads);
    let mut rest = items;
    while rest.len() > per {
        let tail = rest.split_off(per);
        chunks.push(rest);
        rest = tail;
    }
    chunks.push(rest);
    let f = &f;
    std::thread::scope(|s| {
        let handles: Vec<_> =
            chunks.into_iter().map(|chunk| s.spawn(move || chunk.into_iter().map(f).collect::<Vec<R>>())).collect();
        handles
            .into_iter()
            // A worker panics only on a bug; carry the panic to the caller as it was.
            .flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::map;

    #[test]
    fn results_keep_the_input_order() {
        let items: Vec<u32> = (0..1001).collect();
        let expected: Vec<u32> = items.iter().map(|i| i * 2).collect();
        assert_eq!(map(items, 0, |i| i * 2), expected);
        assert_eq!(map(Vec::<u32>::new(), 0, |i| i), Vec::<u32>::new());
    }
}
