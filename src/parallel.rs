//! Work shared out over the cores in contiguous runs, with the outputs kept in order, so
//! that what a caller builds from them is the same as one thread's.

/// Calls `work` on contiguous runs of `items`, one run per thread, and returns what each
/// run gave, in the items' order. Each thread takes at least `per_thread` items: with
/// fewer items, or one core, it is one call on the current thread.
pub fn in_runs<T: Sync, R: Send>(items: &[T], per_thread: usize, work: impl Fn(&[T]) -> R + Sync) -> Vec<R> {
    in_runs_seeded(items, per_thread, (), |run, _| work(run))
}

/// `in_runs`, where the first run (on the current thread) is also given `seed` and the
/// others `None`: the first run can build its output in place, in what the caller
/// prepared, and only the others' outputs need joining to it.
pub fn in_runs_seeded<T: Sync, S, R: Send>(
    items: &[T],
    per_thread: usize,
    seed: S,
    work: impl Fn(&[T], Option<S>) -> R + Sync,
) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, usize::from).min(items.len() / per_thread.max(1));
    if threads < 2 {
        return vec![work(items, Some(seed))];
    }
    let work = &work;
    std::thread::scope(|scope| {
        let mut runs = items.chunks(items.len().div_ceil(threads));
        let first = runs.next().unwrap_or_default();
        let others: Vec<_> = runs.map(|run| scope.spawn(move || work(run, None))).collect();
        let mut outputs = Vec::with_capacity(threads);
        outputs.push(work(first, Some(seed)));
        for other in others {
            outputs.push(other.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)));
        }
        outputs
    })
}

#[cfg(test)]
mod tests {
    use super::{in_runs, in_runs_seeded};

    #[test]
    fn runs_cover_every_item_once_in_order() {
        let items: Vec<u32> = (0..10_001).collect();
        for per_thread in [1, 7, 5_000, 20_000] {
            let runs = in_runs(&items, per_thread, <[u32]>::to_vec);
            assert_eq!(runs.concat(), items, "per_thread {per_thread}");
        }
        assert_eq!(in_runs(&[] as &[u32], 1, <[u32]>::len), vec![0]);
    }

    #[test]
    fn only_the_first_run_gets_the_seed() {
        let items: Vec<u32> = (0..10_001).collect();
        let runs = in_runs_seeded(&items, 1, vec![7], |run, seed| {
            let mut out = seed.unwrap_or_default();
            out.extend_from_slice(run);
            out
        });
        assert_eq!(runs[0][0], 7);
        assert!(runs[1..].iter().all(|run| run[0] != 7));
        assert_eq!(runs.concat()[1..], items[..]);
    }
}
