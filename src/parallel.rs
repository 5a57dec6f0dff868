//! Work shared out over the cores in contiguous runs, with the outputs kept in order, so
//! that what a caller builds from them is the same as one thread's.

/// How many threads to share work over: the cores this process may use, asked once.
/// (`available_parallelism` reads the cgroup files on every call: once per workspace,
/// it was a sixth of checking 10,000 nested workspaces, issue 17.)
pub fn threads() -> usize {
    static THREADS: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *THREADS.get_or_init(|| std::thread::available_parallelism().map_or(1, usize::from))
}

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
    let threads = threads().min(items.len() / per_thread.max(1));
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

/// Calls `work` on consecutive chunks of `chunk` items on every core, and `take` on each
/// chunk's text on the calling thread, in the items' order, as soon as that chunk and
/// every one before it are done. A thread's buffers come back to it once taken, so the
/// memory in use is a few chunks' worth however many items there are: a big export is
/// written out while it is made, not held whole first. When `take` gives false (a write
/// failed) no further chunk is started. With one core, or one chunk, it all runs on the
/// calling thread; either way `take` sees the same texts in the same order.
pub fn in_order<T: Sync>(
    items: &[T],
    chunk: usize,
    work: impl Fn(&[T], &mut String) + Sync,
    mut take: impl FnMut(&str) -> bool,
) {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::mpsc;
    /// Buffers per thread: one being taken while the next is written.
    const BUFFERS: usize = 2;
    enum Done {
        Chunk { index: usize, thread: usize, text: String },
        Panicked,
    }
    /// Tells the calling thread when a worker panics, so that it stops waiting for the
    /// chunk that will never come (and the panic is raised when the scope joins).
    struct Alarm(mpsc::Sender<Done>);
    impl Drop for Alarm {
        fn drop(&mut self) {
            if std::thread::panicking() {
                let _ = self.0.send(Done::Panicked);
            }
        }
    }

    let chunks: Vec<&[T]> = items.chunks(chunk.max(1)).collect();
    let threads = threads().min(chunks.len());
    if threads < 2 {
        let mut buffer = String::new();
        for run in chunks {
            buffer.clear();
            work(run, &mut buffer);
            if !take(&buffer) {
                return;
            }
        }
        return;
    }
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let (work, chunks, next, stop) = (&work, &chunks, &next, &stop);
    std::thread::scope(|scope| {
        // Made inside the scope: should `take` panic, they are dropped as it unwinds, and
        // the workers, waiting for a buffer, see it and return, so the scope can end.
        let (done, finished) = mpsc::channel::<Done>();
        let (mut give_back, returned): (Vec<_>, Vec<_>) = (0..threads).map(|_| mpsc::channel::<String>()).unzip();
        for (thread, returned) in returned.into_iter().enumerate() {
            let alarm = Alarm(done.clone());
            scope.spawn(move || {
                let mut fresh = BUFFERS;
                loop {
                    let mut text = match fresh.checked_sub(1) {
                        Some(left) => {
                            fresh = left;
                            String::new()
                        }
                        None => match returned.recv() {
                            Ok(text) => text,
                            Err(_) => return,
                        },
                    };
                    // A chunk is claimed only with a buffer in hand, so the first chunk
                    // not yet taken is always being written by a thread that can finish it.
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(run) = chunks.get(index).filter(|_| !stop.load(Ordering::Relaxed)) else { return };
                    text.clear();
                    work(run, &mut text);
                    if alarm.0.send(Done::Chunk { index, thread, text }).is_err() {
                        return;
                    }
                }
            });
        }
        drop(done);
        let mut waiting = std::collections::BTreeMap::new();
        let mut wanted = 0;
        let mut going = true;
        // Ends when every worker has returned (or one panicked and the others were released).
        for message in finished.iter() {
            let Done::Chunk { index, thread, text } = message else {
                stop.store(true, Ordering::Relaxed);
                give_back.clear();
                continue;
            };
            waiting.insert(index, (thread, text));
            while let Some((thread, text)) = waiting.remove(&wanted) {
                if going && !take(&text) {
                    going = false;
                    stop.store(true, Ordering::Relaxed);
                }
                if let Some(back) = give_back.get(thread) {
                    let _ = back.send(text);
                }
                wanted += 1;
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::{in_order, in_runs, in_runs_seeded};

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

    #[test]
    fn chunks_are_taken_in_order_whatever_finishes_first() {
        let items: Vec<u32> = (0..10_001).collect();
        for chunk in [1, 7, 100, 20_000] {
            let mut taken = String::new();
            // Later chunks are quicker, so they finish first and must wait their turn.
            let work = |run: &[u32], out: &mut String| {
                if run[0].is_multiple_of(3) {
                    std::thread::yield_now();
                }
                run.iter().for_each(|n| out.push_str(&format!("{n};")));
            };
            in_order(&items, chunk, work, |text| {
                taken.push_str(text);
                true
            });
            let expected: String = items.iter().map(|n| format!("{n};")).collect();
            assert_eq!(taken, expected, "chunk {chunk}");
        }
    }

    #[test]
    fn a_refusal_stops_the_work_and_a_panic_anywhere_reaches_the_caller() {
        let items: Vec<u32> = (0..100_000).collect();
        let started = std::sync::atomic::AtomicUsize::new(0);
        let mut takes = 0;
        in_order(
            &items,
            10,
            |run, out| {
                started.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                out.push_str(&run[0].to_string());
            },
            |_| {
                takes += 1;
                takes < 3
            },
        );
        assert_eq!(takes, 3);
        // At most the chunks in flight when the third was refused: a few per thread.
        let threads = std::thread::available_parallelism().map_or(1, usize::from);
        assert!(started.into_inner() <= 3 + 3 * threads, "work went on after the refusal");

        let panicked = std::panic::catch_unwind(|| {
            in_order(&items, 10, |run, _| assert!(run[0] != 50_000, "chunk 5000"), |_| true);
        });
        assert!(panicked.is_err());
        let mut taken = 0;
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            in_order(
                &items,
                10,
                |_, _| {},
                |_| {
                    taken += 1;
                    assert!(taken != 7, "the seventh take");
                    true
                },
            );
        }));
        assert!(panicked.is_err());
    }
}
