//! Benchmarks for `strata check` (run with `cargo bench --bench check`; see
//! BENCHMARKS.md). Generates workspaces with `strata::synth`, then measures in-process
//! stages and the real binary end to end, with the floor of reading the same bytes.
//! Prints a Markdown table; timings are medians of several runs. Not a test: nothing
//! here asserts a time.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --all-targets` does not, and then the
    // harness only proves that it and the generator run, on a small size.
    let bench = std::env::args().any(|a| a == "--bench");
    let sizes: Vec<usize> = std::env::var("STRATA_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| if bench { vec![1_000, 10_000, 100_000] } else { vec![200] });
    let default_runs = if bench { 5 } else { 1 };
    let runs: usize = std::env::var("STRATA_BENCH_RUNS").ok().and_then(|n| n.parse().ok()).unwrap_or(default_runs);
    // The binary built with this harness: release-optimised under `cargo bench`.
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_strata"));
    let data = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bench-data");
    println!(
        "| results | files | MB | cat (floor) | parse | analyse+lint | `strata check` wall | per result | peak RSS |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for &results in &sizes {
        let dir = data.join(format!("r{results}"));
        let files = strata::synth::workspace(results, 50, 42);
        write(&dir, &files);
        let bytes: usize = files.iter().map(|f| f.text.len()).sum();
        let workspace = strata::synth::as_workspace(&files);

        let cat = median(runs, || {
            run(Command::new("sh")
                .arg("-c")
                .arg("find . -name '*.strata' -print0 | xargs -0 cat > /dev/null")
                .current_dir(&dir))
        });
        let parse = median(runs, || {
            let start = Instant::now();
            let mut diags = Vec::new();
            for (i, file) in workspace.files.iter().enumerate() {
                std::hint::black_box(strata::parse_file(strata::source::FileId(i as u32), file, &mut diags));
            }
            start.elapsed()
        });
        let mut diags = Vec::new();
        let asts: Vec<_> = workspace
            .files
            .iter()
            .enumerate()
            .map(|(i, f)| strata::parse_file(strata::source::FileId(i as u32), f, &mut diags))
            .collect();
        let analyse = median(runs, || {
            let start = Instant::now();
            std::hint::black_box(strata::check_parsed(&workspace, asts.clone(), Vec::new()));
            start.elapsed()
        });
        let wall =
            median(runs, || run(Command::new(&binary).args(["check", "--format", "short", "."]).current_dir(&dir)));
        let rss = peak_rss(&binary, &dir).map_or_else(|| "n/a".to_owned(), |kb| format!("{} MB", kb / 1024));
        println!(
            "| {results} | {} | {:.1} | {} | {} | {} | {} | {:.2} µs | {rss} |",
            files.len(),
            bytes as f64 / 1e6,
            ms(cat),
            ms(parse),
            ms(analyse),
            ms(wall),
            wall.as_secs_f64() * 1e6 / results as f64,
        );
    }
}

fn write(dir: &Path, files: &[strata::synth::SynthFile]) {
    let _ = std::fs::remove_dir_all(dir);
    for file in files {
        let path = dir.join(&file.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{}: {e}", parent.display()));
        }
        std::fs::write(&path, &file.text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
}

fn run(command: &mut Command) -> Duration {
    let start = Instant::now();
    let output = command.output().unwrap_or_else(|e| panic!("cannot run benchmark command: {e}"));
    let elapsed = start.elapsed();
    assert!(
        output.status.code().is_some_and(|c| c <= 1),
        "command failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    elapsed
}

fn median(runs: usize, mut f: impl FnMut() -> Duration) -> Duration {
    let mut times: Vec<Duration> = (0..runs.max(1)).map(|_| f()).collect();
    times.sort();
    times[times.len() / 2]
}

/// Peak resident memory of `strata check`, in KiB, from GNU time when it is installed.
fn peak_rss(binary: &Path, dir: &Path) -> Option<u64> {
    let output = Command::new("/usr/bin/time")
        .arg("-v")
        .arg(binary)
        .args(["check", "--format", "short", "."])
        .current_dir(dir)
        .output()
        .ok()?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    stderr.lines().find_map(|l| l.trim().strip_prefix("Maximum resident set size (kbytes): ")?.parse().ok())
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}
