//! Work shared out over the machine's cores, results kept in input order.
//!
//! The scan's heavy steps (peer norms per indicator, recorded results per indicator,
//! organisations) are independent item by item. rayon's indexed parallel iterators keep
//! the input order when collected, so the report does not depend on the number of cores.
//! What this adds is the threshold: a handful of items runs on the calling thread, where
//! handing work to the pool would cost more than it saves (the thresholds are the scan's
//! options, so tests can force the parallel path on small inputs).

use rayon::prelude::*;

/// `f` over `items` on rayon's pool, in input order; below `min_items` items (and always
/// for fewer than two) on the calling thread.
pub fn map<T: Send, R: Send>(items: Vec<T>, min_items: usize, f: impl Fn(T) -> R + Sync + Send) -> Vec<R> {
    if items.len() < min_items.max(2) {
        return items.into_iter().map(f).collect();
    }
    items.into_par_iter().map(f).collect()
}

/// How many threads [`map`] shares work among: for callers that cut their work into one
/// share per thread themselves.
pub fn threads() -> usize {
    rayon::current_num_threads()
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

    #[test]
    fn a_panic_in_a_worker_reaches_the_caller() {
        let caught = std::panic::catch_unwind(|| map((0..100).collect::<Vec<u32>>(), 0, |i| assert!(i != 57)));
        assert!(caught.is_err());
    }
}
