//! Work shared out over the cores in contiguous runs, with the outputs kept in order, so
//! that what a caller builds from them is the same as one thread's.

/// Calls `work` on contiguous runs of `items`, one run per thread, and returns what each
/// run gave, in the items' order. Each thread takes at least `per_thread` items: with
/// fewer items, or one core, it is one call on the current thread.
pub fn in_runs<T: Sync, R: Send>(items: &[T], per_thread: usize, work: impl Fn(&[T]) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, usize::from).min(items.len() / per_thread.max(1));
    if threads < 2 {
        return vec![work(items)];
    }
    let work = &work;
    std::thread::scope(|scope| {
        let handles: Vec<_> =
            items.chunks(items.len().div_ceil(threads)).map(|run| scope.spawn(move || work(run))).collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))).collect()
    })
}

#[cfg(test)]
mod tests {
    use super::in_runs;

    #[test]
    fn runs_cover_every_item_once_in_order() {
        let items: Vec<u32> = (0..10_001).collect();
        for per_thread in [1, 7, 5_000, 20_000] {
            let runs = in_runs(&items, per_thread, <[u32]>::to_vec);
            assert_eq!(runs.concat(), items, "per_thread {per_thread}");
        }
        assert_eq!(in_runs(&[] as &[u32], 1, <[u32]>::len), vec![0]);
    }
}
