//! Synthetic workspaces of realistic shape, deterministic from a seed, for benchmarks
//! and scale tests: layers, groups with sub-groups, results with nested and top-level
//! measures, actions, about two upward links per result, comments, over many files.

/// One generated file: a relative path and its text.
pub struct SynthFile {
    pub path: String,
    pub text: String,
}

/// A small deterministic generator (SplitMix64): no dependency, same output everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const LAYERS: [(&str, &str); 4] = [
    ("financial", "Financial"),
    ("customer", "Customer"),
    ("process", "Internal process"),
    ("people", "Learning and growth"),
];

const SUBJECTS: &[&str] = &[
    "Regulars",
    "Members",
    "Suppliers",
    "Volunteers",
    "Branches",
    "Orders",
    "Deliveries",
    "Staff",
    "Readers",
    "Visitors",
];
const OUTCOMES: &[&str] = &[
    "come back every week",
    "arrive on the promised day",
    "find what they came for",
    "stay with us for years",
    "recommend us to friends",
    "know our opening hours",
    "are ready before the counter",
    "feel safe on every visit",
];
/// Where a result happens: statements name a place, not a number, as real ones do
/// (a number in a statement is the `target-in-result` lint).
const PLACES: &[&str] = &[
    "the north",
    "the old town",
    "the harbour district",
    "the valley",
    "the suburbs",
    "the east end",
    "the market quarter",
    "the riverside",
    "the hill villages",
    "the city centre",
    "the west end",
    "the university district",
];

/// Generates a workspace of `results` results spread over files of about
/// `results_per_file` results each, plus a map file and a groups file.
pub fn workspace(results: usize, results_per_file: usize, seed: u64) -> Vec<SynthFile> {
    let mut rng = Rng(seed);
    let mut files = Vec::new();

    let mut map = String::from(
        "# Generated map: layers top to bottom.\nmap \"Synthetic strategy\" {\n  purpose: \"Serve the region well\"\n  method: pump\n}\n\n",
    );
    for (id, title) in LAYERS {
        map.push_str(&format!("layer {id} \"{title}\"\n"));
    }
    files.push(SynthFile { path: "000-map.strata".to_owned(), text: map });

    let groups = (results / 50).clamp(2, 200);
    let mut text = String::from("# Customer groups and their sub-groups.\n");
    for g in 0..groups {
        text.push_str(&format!(
            "group g{g} \"Group {g}\" {{\n  intent: grow\n  share: {}%\n  gives: \"Steady revenue\"\n  gets: \"Service that fits\"\n  proposition: \"Always ready for you\"\n\n  group g{g}_sub \"Sub-group {g}\" {{\n    share: 40%\n  }}\n}}\n\n",
            (100 / groups).max(1) - 1
        ));
    }
    files.push(SynthFile { path: "001-groups.strata".to_owned(), text });

    let per_file = results_per_file.max(1);
    let file_count = results.div_ceil(per_file);
    for f in 0..file_count {
        let first = f * per_file;
        let last = (first + per_file).min(results);
        let mut text = format!("# Results {first} to {}.\n\n", last.saturating_sub(1));
        for r in first..last {
            // Layer bands: the first quarter of ids is financial, and so on, so that
            // links from higher ids to lower ids flow up the layers.
            let layer = (r * LAYERS.len() / results.max(1)).min(LAYERS.len() - 1);
            let subject = SUBJECTS[rng.below(SUBJECTS.len())];
            let outcome = OUTCOMES[rng.below(OUTCOMES.len())];
            let place = PLACES[rng.below(PLACES.len())];
            text.push_str(&format!(
                "result r{r} \"{subject} {outcome} in {place}\" {{\n  layer: {}\n  owner: \"Owner {}\"\n",
                LAYERS[layer].0,
                r % 97
            ));
            if layer == 1 {
                text.push_str(&format!("  for: g{}_sub\n", rng.below(groups)));
            }
            let nested = rng.below(10) < 7;
            if nested {
                text.push_str(&measure_text(r, None, "  "));
            }
            text.push_str("}\n\n");
            if !nested {
                text.push_str(&measure_text(r, Some(r), ""));
            }
            if r > 0 {
                // About two causal links per result, each to an earlier (higher) result.
                let to = rng.below(r);
                text.push_str(&format!("r{r} -> r{to}\n"));
                if r > 1 && rng.below(10) < 9 {
                    let other = rng.below(r);
                    if other != to {
                        text.push_str(&format!("r{r} -> r{other}: \"Link {r}\" {{\n  strength: moderate\n}}\n"));
                    }
                }
                text.push('\n');
            }
            if r % 5 == 0 {
                text.push_str(&format!(
                    "# An action meant to move r{r}.\naction a{r} \"Launch programme {r}\" {{\n  owner: \"Lead {r}\"\n  due: 2027-{:02}\n  status: planned\n}}\na{r} -> r{r}\n\n",
                    1 + r % 12
                ));
            }
        }
        files.push(SynthFile { path: format!("results/{f:05}.strata"), text });
    }
    files
}

fn measure_text(r: usize, of: Option<usize>, indent: &str) -> String {
    let of = of.map_or_else(String::new, |r| format!("{indent}  of: r{r}\n"));
    format!(
        "\n{indent}measure m{r} \"Share of cases on time, area {r}\" {{\n{of}{indent}  unit: \"%\"\n{indent}  direction: up\n{indent}  baseline: {}% at 2026-09\n{indent}  target: {}% by 2027-12\n{indent}  frequency: monthly\n{indent}  owner: \"Analyst {}\"\n{indent}}}\n",
        40 + r % 20,
        70 + r % 20,
        r % 13
    )
}

/// A workspace with measure data (spec §9), for the data benchmark: `measures` results
/// in files of 100, each with one measure whose `data` is its own CSV file of `values`
/// monthly values from 2020-01 (noise around a level, with a shift two-thirds of the
/// way through, so the charts have signals), the results linked in a chain. The paths
/// are `maps/NNN.strata` and `data/mNNNNN.csv`.
pub fn data_workspace(measures: usize, values: usize, seed: u64) -> Vec<SynthFile> {
    let mut rng = Rng(seed);
    let mut files = Vec::new();
    for start in (0..measures).step_by(100) {
        let mut text = String::new();
        for r in start..(start + 100).min(measures) {
            text.push_str(&format!(
                "result r{r} \"Cases in this area are closed on time\" {{\n  owner: \"Lead {}\"\n  measure m{r} \"Share of cases on time, area {r}\" {{\n    unit: \"%\"\n    direction: up\n    frequency: monthly\n    owner: \"Analyst {}\"\n    data: \"../data/m{r:05}.csv\"\n  }}\n}}\n",
                r % 17,
                r % 13
            ));
            if r + 1 < measures {
                text.push_str(&format!("r{r} -> r{}\n", r + 1));
            }
        }
        files.push(SynthFile { path: format!("maps/{:03}.strata", start / 100), text });
    }
    for r in 0..measures {
        let mut text = String::from("period,value,note\n");
        let level = 40.0 + (r % 20) as f64;
        for i in 0..values {
            let shift = if i * 3 >= values * 2 { 4.0 } else { 0.0 };
            let noise = (rng.below(2001) as f64 - 1000.0) / 400.0;
            let (year, month) = (2020 + i / 12, i % 12 + 1);
            text.push_str(&format!("{year}-{month:02},{:.1}%,\n", level + shift + noise));
        }
        files.push(SynthFile { path: format!("data/m{r:05}.csv"), text });
    }
    files
}

/// The generated files as a `Workspace`, in path order.
pub fn as_workspace(files: &[SynthFile]) -> crate::Workspace {
    let mut sources: Vec<crate::source::SourceFile> =
        files.iter().map(|f| crate::source::SourceFile::new(f.path.clone(), f.text.clone())).collect();
    sources.sort_by(|a, b| a.path.cmp(&b.path));
    crate::Workspace { files: sources, config: None, data: Vec::new() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_workspaces_are_deterministic_and_error_free() {
        let a = workspace(300, 50, 7);
        let b = workspace(300, 50, 7);
        assert_eq!(a.len(), 2 + 6);
        assert!(a.iter().zip(&b).all(|(x, y)| x.path == y.path && x.text == y.text));
        let analysis = crate::check(&as_workspace(&a));
        let errors: Vec<_> = analysis.diagnostics.iter().filter(|d| d.code.is_error()).collect();
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(analysis.model.results.len(), 300);
        assert!(analysis.model.links.len() > 500, "{}", analysis.model.links.len());
        // Lint-clean, as a real map would mostly be: no lint on every result (the
        // statements hold no numbers), and a handful at most in all.
        assert!(!analysis.diagnostics.iter().any(|d| d.code == crate::diagnostics::Code::TargetInResult));
        assert!(analysis.diagnostics.len() <= 3, "{:?}", analysis.diagnostics);
    }

    #[test]
    fn generated_data_workspaces_check_clean_with_charts() {
        let files = data_workspace(150, 60, 3);
        let (maps, csvs): (Vec<&SynthFile>, Vec<&SynthFile>) = files.iter().partition(|f| f.path.ends_with(".strata"));
        assert_eq!((maps.len(), csvs.len()), (2, 150));
        let mut workspace = as_workspace(
            &files
                .iter()
                .filter(|f| f.path.ends_with(".strata"))
                .map(|f| SynthFile { path: f.path.clone(), text: f.text.clone() })
                .collect::<Vec<_>>(),
        );
        workspace.data = csvs
            .iter()
            .map(|f| {
                std::sync::Arc::new(crate::DataFile::new(f.path.clone(), f.path.clone(), f.text.clone().into_bytes()))
            })
            .collect();
        workspace.data.sort_by(|a, b| a.path.cmp(&b.path));
        let analysis = crate::check(&workspace);
        // Lint-clean, so that a benchmark times the checking, not the printing.
        assert!(analysis.diagnostics.is_empty(), "{:?}", analysis.diagnostics);
        let charts: Vec<_> = analysis.evidence.iter().flatten().collect();
        assert_eq!(charts.len(), 150);
        assert!(charts.iter().all(|c| c.chart.points.len() == 60));
        assert!(charts.iter().any(|c| !c.chart.signals.is_empty()));
    }
}
