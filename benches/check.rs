//! Benchmarks for `strata check` and `strata export` (run with `cargo bench --bench
//! check`; see BENCHMARKS.md). Generates workspaces with `strata::synth`, then measures
//! the in-process stages (parse, analysis, lints, each export) and the real binary end
//! to end, with the floors measured in the same run: reading the same bytes, and
//! Graphviz reading the exported DOT without laying it out; and workspaces with measure
//! data (`STRATA_BENCH_DATA_ROWS`, CSV rows). Prints Markdown tables;
//! timings are medians of several runs. Not a test: nothing here asserts a time.

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
    let mut check_rows = Vec::new();
    let mut export_rows = Vec::new();
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
        let parse_one = |diags: &mut Vec<_>| -> Vec<_> {
            let files = workspace.files.iter().enumerate();
            files.map(|(i, f)| strata::parse_file(strata::source::FileId(i as u32), f, diags)).collect()
        };
        let parse = median(runs, || timed(|| parse_one(&mut Vec::new())).0);
        let asts = parse_one(&mut Vec::new());
        let config = strata::config::Config::default();
        let analysis =
            median(runs, || timed(|| strata::sema::analyze(&workspace.files, &asts, &config, &mut Vec::new())).0);
        let model = strata::sema::analyze(&workspace.files, &asts, &config, &mut Vec::new());
        let lints = median(runs, || {
            timed(|| strata::lints::run(&workspace, &asts, &model, &config, &Default::default(), &mut Vec::new())).0
        });
        let export = |format| median(runs, || timed(|| strata::export::export(&workspace, &model, format, None)).0);
        let (json, dot, mermaid) = (
            export(strata::export::Format::Json),
            export(strata::export::Format::Dot),
            export(strata::export::Format::Mermaid),
        );
        let check_args = ["check", "--format", "short", "."];
        let wall = median(runs, || run(Command::new(&binary).args(check_args).current_dir(&dir)));
        let rss = peak_rss(&binary, &check_args, &dir);
        check_rows.push(format!(
            "| {results} | {} | {:.1} | {} | {} | {} | {} | **{}** | {:.2} µs | {:.0}× | {rss} |",
            files.len(),
            bytes as f64 / 1e6,
            ms(cat),
            ms(parse),
            ms(analysis),
            ms(lints),
            ms(wall),
            wall.as_secs_f64() * 1e6 / results as f64,
            wall.as_secs_f64() / cat.as_secs_f64(),
        ));

        let dot_file = dir.join("map.dot");
        let export_args = ["export", "--format", "dot", "--output", "map.dot", "."];
        let export_wall = median(runs, || run(Command::new(&binary).args(export_args).current_dir(&dir)));
        let export_rss = peak_rss(&binary, &export_args, &dir);
        // Graphviz reading the same DOT without laying it out: `gc` counts nodes and edges.
        let gc = Command::new("gc").arg("--version").output().is_ok().then(|| {
            median(runs, || {
                run(Command::new("gc").args(["-n", "-e"]).arg(&dot_file).stdout(std::process::Stdio::null()))
            })
        });
        let dot_mb = std::fs::metadata(&dot_file).map_or(0.0, |m| m.len() as f64 / 1e6);
        export_rows.push(format!(
            "| {results} | {} | {} | {} | {dot_mb:.1} | **{}** | {} | {} | {export_rss} |",
            ms(json),
            ms(dot),
            ms(mermaid),
            ms(export_wall),
            gc.map_or_else(|| "n/a (no `gc`)".to_owned(), ms),
            gc.map_or_else(|| "n/a".to_owned(), |gc| format!("{:.2}×", export_wall.as_secs_f64() / gc.as_secs_f64())),
        ));
    }
    println!(
        "| results | files | MB | cat (floor) | parse (1 thread) | analysis | lints | `strata check` wall | per result | ratio to cat | peak RSS |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    check_rows.iter().for_each(|row| println!("{row}"));
    println!();
    println!(
        "| results | JSON | DOT | Mermaid | DOT MB | `strata export --format dot` wall | Graphviz `gc -n -e` (floor) | ratio to floor | peak RSS |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    export_rows.iter().for_each(|row| println!("{row}"));
    println!();
    data_bench(&binary, &data, runs, bench);
    report_bench(&binary, &data, runs, bench);
}

/// The report (issue 19): the 1,000-result map with 1,000 measures of 60 values, as HTML
/// (map, charts) and as markdown, by the binary end to end; the HTML's size.
fn report_bench(binary: &Path, root: &Path, runs: usize, bench: bool) {
    let measures: Vec<usize> = std::env::var("STRATA_BENCH_REPORT_MEASURES")
        .ok()
        .map(|s| s.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| if bench { vec![1_000] } else { vec![10] });
    println!();
    println!(
        "| results and measures | values | `strata report` HTML wall | HTML size | HTML peak RSS | markdown wall | markdown size |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    for measures in measures {
        let dir = root.join(format!("report{measures}"));
        write(&dir, &strata::synth::data_workspace(measures, 60, 42));
        let html_args = ["report", ".", "-o", "report.html"];
        let html = median(runs, || run(Command::new(binary).args(html_args).current_dir(&dir)));
        let md_args = ["report", ".", "--format", "markdown", "-o", "report.md"];
        let md = median(runs, || run(Command::new(binary).args(md_args).current_dir(&dir)));
        let size = |name: &str| std::fs::metadata(dir.join(name)).map_or(0, |m| m.len()) as f64 / 1e6;
        println!(
            "| {measures} | {} | **{}** | **{:.2} MB** | {} | {} | {:.2} MB |",
            measures * 60,
            ms(html),
            size("report.html"),
            peak_rss(binary, &html_args, &dir),
            ms(md),
            size("report.md"),
        );
    }
}

/// Workspaces with measure data (issue 18): one CSV of 60 monthly values per measure,
/// checked and exported to JSON by the binary, against `cat` of the same files.
fn data_bench(binary: &Path, root: &Path, runs: usize, bench: bool) {
    let rows: Vec<usize> = std::env::var("STRATA_BENCH_DATA_ROWS")
        .ok()
        .map(|s| s.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| if bench { vec![1_000, 10_000, 100_000, 600_000] } else { vec![600] });
    println!(
        "| CSV rows | measures | files | MB | cat (floor) | `strata check` wall | per row | `strata export --format json` wall | per row | check peak RSS | export peak RSS |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for rows in rows {
        let measures = rows.div_ceil(60);
        let dir = root.join(format!("d{rows}"));
        let files = strata::synth::data_workspace(measures, 60, 42);
        write(&dir, &files);
        let bytes: usize = files.iter().map(|f| f.text.len()).sum();
        let cat = median(runs, || {
            run(Command::new("sh").arg("-c").arg("find . -type f -print0 | xargs -0 cat > /dev/null").current_dir(&dir))
        });
        let check_args = ["check", "--format", "short", "."];
        let check = median(runs, || run(Command::new(binary).args(check_args).current_dir(&dir)));
        let export_args = ["export", "--format", "json", "--output", "/dev/null", "."];
        let export = median(runs, || run(Command::new(binary).args(export_args).current_dir(&dir)));
        let per_row = |d: Duration| format!("{:.2} µs", d.as_secs_f64() * 1e6 / (measures * 60) as f64);
        println!(
            "| {} | {measures} | {} | {:.1} | {} | **{}** | {} | **{}** | {} | {} | {} |",
            measures * 60,
            files.len(),
            bytes as f64 / 1e6,
            ms(cat),
            ms(check),
            per_row(check),
            ms(export),
            per_row(export),
            peak_rss(binary, &check_args, &dir),
            peak_rss(binary, &export_args, &dir),
        );
    }
}

/// How long `f` takes, and what it returned (kept alive until after the clock stops).
fn timed<T>(f: impl FnOnce() -> T) -> (Duration, T) {
    let start = Instant::now();
    let value = std::hint::black_box(f());
    (start.elapsed(), value)
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

/// Peak resident memory of `strata ARGS` in `dir`, from GNU time when it is installed.
fn peak_rss(binary: &Path, args: &[&str], dir: &Path) -> String {
    let output = Command::new("/usr/bin/time").arg("-v").arg(binary).args(args).current_dir(dir).output();
    let stderr = output.map(|o| String::from_utf8_lossy(&o.stderr).into_owned()).unwrap_or_default();
    let kb: Option<u64> =
        stderr.lines().find_map(|l| l.trim().strip_prefix("Maximum resident set size (kbytes): ")?.parse().ok());
    kb.map_or_else(|| "n/a".to_owned(), |kb| format!("{} MB", kb / 1024))
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}
