//! The command line: argument parsing and all printing. Exit codes (spec section 7):
//! 0 no errors, 1 errors found (or `fmt --check` found changes), 2 the tool could not
//! do its job.

use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand, ValueEnum};
use strata::diagnostics::render::{self, Sources};
use strata::diagnostics::{Code, Diagnostic, Kind, Severity, suggest};
use strata::export::{Output, Writer};
use strata::source::{FileId, SourceFile};
use strata::workspace::{self, LoadError, Loaded};

mod init;
mod serve;

#[derive(Parser)]
#[command(name = "strata", version, about = "Strategy maps as code: check, lint, format and export .strata files")]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// When to colour the human output: `always` and `never` win over the environment;
    /// `auto` colours a terminal unless `NO_COLOR` is set (or `CLICOLOR_FORCE` is).
    #[arg(long, value_enum, global = true, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    color: ColorChoice,
}

#[derive(Subcommand)]
enum Command {
    /// Check a workspace: syntax, names, attributes and the method lints.
    Check(CheckArgs),
    /// Export the compiled map as JSON, a Graphviz DOT map, a Mermaid flowchart or an SVG picture.
    Export(ExportArgs),
    /// Print the long explanation of a diagnostic code.
    Explain(ExplainArgs),
    /// Write the performance report: the map, each result with its measures' XmR charts
    /// and signals, the story, and the open diagnostics (HTML, markdown or text).
    Report(ReportArgs),
    /// Tell the map as a story of cause and effect: "if … then …", "because …", "so that …".
    Story(StoryArgs),
    /// Compare the map at two git revisions or in two directories, item by item
    /// (docs/diff.md).
    #[command(long_about = DIFF_ABOUT)]
    Diff(DiffArgs),
    /// Format .strata files in place, in the one canonical style (docs/formatting.md).
    Fmt(FmtArgs),
    /// Start a strategy repository: strata.toml, an example map, CI and pre-commit set-up.
    Init(init::InitArgs),
    /// Run the language server on stdin and stdout (for editors).
    Lsp,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ColorChoice {
    /// Colour when writing to a terminal, unless `NO_COLOR` is set; `CLICOLOR_FORCE`
    /// colours any output.
    Auto,
    /// Always colour, whatever the environment says.
    Always,
    /// Never colour.
    Never,
}

impl ColorChoice {
    /// Whether to colour output bound for stderr (`to_file`: for `--output FILE`).
    /// `--color` wins over `NO_COLOR`, which wins over `CLICOLOR_FORCE`, which wins
    /// over whether stderr is a terminal (spec section 7).
    fn stderr(self, to_file: bool) -> bool {
        let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto if var("NO_COLOR").is_some() => false,
            ColorChoice::Auto if var("CLICOLOR_FORCE").is_some_and(|v| v != "0") => true,
            ColorChoice::Auto => !to_file && std::io::stderr().is_terminal(),
        }
    }
}

#[derive(clap::Args)]
struct CheckArgs {
    /// Files or directories to check (directories are walked; default `.`); `-` reads
    /// one file from stdin (see `--stdin-filename`).
    paths: Vec<PathBuf>,
    /// How to print diagnostics.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Treat warnings as errors (`--deny warnings`).
    #[arg(long, value_enum, value_name = "WHAT")]
    deny: Option<Deny>,
    /// Write the report to FILE instead of the terminal.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Use this `strata.toml` instead of the one found beside the workspace.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Print how many diagnostics of each code there are, not the diagnostics (stdout).
    #[arg(long, conflicts_with = "format")]
    statistics: bool,
    /// With `-`: check stdin as if it were the file PATH of the workspace around it (the
    /// other files are read from disk); only PATH's diagnostics are reported.
    #[arg(long, value_name = "PATH")]
    stdin_filename: Option<PathBuf>,
    /// Apply every certain fix (a "did you mean" with one candidate, a missing `%`) to
    /// files without syntax errors, then report what is left.
    #[arg(long)]
    fix: bool,
    /// With `--fix`: print a unified diff of the fixes on stdout and write nothing.
    #[arg(long, requires = "fix", conflicts_with_all = ["format", "statistics"])]
    diff: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// Source snippets with labels and help, then a summary line (stderr).
    Human,
    /// `path:line:col: severity[code] message`, one per line (stdout).
    Short,
    /// One JSON object (stdout).
    Json,
    /// SARIF 2.1.0, for code scanning (stdout).
    Sarif,
    /// GitHub Actions workflow commands (stdout).
    Github,
    /// A GitLab Code Quality report (stdout).
    Gitlab,
    /// JUnit XML: a test suite per file, a test case per diagnostic (stdout).
    Junit,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Deny {
    /// Every warning counts as an error.
    Warnings,
}

#[derive(clap::Args)]
struct ExplainArgs {
    /// A diagnostic code, such as `weasel-word`.
    #[arg(required_unless_present = "list")]
    code: Option<String>,
    /// List every code with its default level and one line.
    #[arg(long, conflicts_with = "code")]
    list: bool,
}

/// A failure of the tool itself: exit 2.
struct ToolError(String);

impl From<LoadError> for ToolError {
    fn from(err: LoadError) -> ToolError {
        ToolError(err.to_string())
    }
}

pub fn run() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return if err.use_stderr() { 2 } else { 0 };
        }
    };
    let color = cli.color;
    let result = match cli.command {
        Command::Check(args) => check(&args, color),
        Command::Export(args) => export(&args, color),
        Command::Explain(args) => explain(&args),
        Command::Story(args) => story(&args, color),
        Command::Report(args) => report(&args, color),
        Command::Fmt(args) => fmt(&args, color),
        Command::Init(args) => init::init(&args),
        Command::Diff(args) => diff(&args),
        Command::Lsp => lsp(),
    };
    match result {
        Ok(code) => code,
        Err(ToolError(message)) => {
            eprintln!("error: {message}");
            2
        }
    }
}

/// Files of several workspaces, so that one report can cover them all.
struct AllSources<'a> {
    files: Vec<&'a SourceFile>,
}

impl Sources for AllSources<'_> {
    fn source(&self, file: FileId) -> &SourceFile {
        self.files[file.0 as usize]
    }
}

/// The file read from stdin: which workspace (of those loaded) and which of its files.
struct FromStdin {
    workspace: usize,
    file: usize,
}

fn check(args: &CheckArgs, color: ColorChoice) -> Result<i32, ToolError> {
    let dashes = args.paths.iter().filter(|p| p.as_os_str() == "-").count();
    if dashes > 1 {
        return Err(ToolError("`-` (stdin) can be given once".to_owned()));
    }
    if dashes == 0 && args.stdin_filename.is_some() {
        return Err(ToolError(
            "`--stdin-filename` names the file that stdin stands for: add `-` to the paths, as in \
             `strata check - --stdin-filename PATH`"
                .to_owned(),
        ));
    }
    if dashes == 1 && args.fix {
        return Err(ToolError(
            "`--fix` writes files, and stdin is no file: check the file itself, or drop `--fix`".to_owned(),
        ));
    }
    let (mut loaded, stdin) = if dashes == 1 { load_stdin(args)? } else { (workspace::load(&args.paths)?, None) };
    if let Some(config) = &args.config {
        use_config(&mut loaded, config)?;
    }
    let note = workspace_note(args, &loaded, stdin.as_ref());
    let mut fixed: Vec<Fixed> = Vec::new();
    let analyses: Vec<strata::Analysis> = loaded
        .iter_mut()
        .map(|item| {
            if args.fix {
                let (analysis, files) = fix_workspace(item);
                fixed.extend(files);
                analysis
            } else {
                let (asts, diags) = workspace::parse_and_read_data(item);
                strata::check_parsed(&item.workspace, asts, diags)
            }
        })
        .collect();
    fixed.sort_by(|a, b| a.shown.cmp(&b.shown));
    if args.diff {
        let text: String = fixed.iter().map(|f| unified_diff(&f.shown, &f.before, &f.after)).collect();
        write_output(args.output.as_ref(), &text, false)?;
        let left = analyses.iter().any(|a| a.diagnostics.iter().any(|d| denied(d, args.deny)));
        return Ok(i32::from(!fixed.is_empty() || left));
    }
    if args.fix {
        write_fixes(&fixed)?;
    }
    // Holds the place of a `strata.toml` a workspace with data files lacks; never shown.
    let no_config = SourceFile::new(String::new(), String::new());
    let mut all = AllSources { files: Vec::new() };
    let mut diagnostics: Vec<Diagnostic> = Vec::new();
    let mut file_count = 0;
    let mut only: Option<FileId> = None;
    // Freed on one thread, whatever the number of workspaces (one thread each took
    // a third of checking 10,000 nested workspaces, issue 17).
    let mut to_free = Vec::with_capacity(analyses.len());
    for (index, (item, analysis)) in loaded.iter().zip(analyses).enumerate() {
        let offset = all.files.len() as u32;
        if let Some(stdin) = &stdin
            && stdin.workspace == index
        {
            only = Some(FileId(offset + stdin.file as u32));
        }
        all.files.extend(item.workspace.files.iter());
        // The ids of a workspace's files follow one another: `.strata` files,
        // `strata.toml`'s place (held even without one), the data files.
        match &item.workspace.config {
            Some(config) => all.files.push(config),
            None if !item.workspace.data.is_empty() => all.files.push(&no_config),
            None => {}
        }
        all.files.extend(item.workspace.data.iter().map(|d| &d.source));
        file_count += item.workspace.files.len();
        let strata::Analysis { asts, model, diagnostics: mut found, .. } = analysis;
        to_free.push((asts, model));
        found.iter_mut().for_each(|diag| shift(diag, offset));
        // The first workspace's list is taken whole, not copied on (40,000 diagnostics).
        if diagnostics.is_empty() {
            diagnostics = found;
        } else {
            diagnostics.append(&mut found);
        }
    }
    free_in_background(to_free);
    if let Some(only) = only {
        // Only the file from stdin is reported (the caller, often an editor, shows it).
        diagnostics.retain(|d| d.loc().file == only);
        file_count = 1;
    }
    if args.deny == Some(Deny::Warnings) {
        for diag in &mut diagnostics {
            diag.severity = Severity::Error;
        }
    }
    // By path, position and code: each file's place among the paths worked out once
    // (equal paths, equal places), not two paths compared per comparison.
    let mut by_path: Vec<usize> = (0..all.files.len()).collect();
    by_path.sort_by(|&a, &b| all.files[a].path.cmp(&all.files[b].path));
    let mut place = vec![0; all.files.len()];
    for (k, pair) in by_path.iter().enumerate().skip(1) {
        let same = all.files[by_path[k - 1]].path == all.files[*pair].path;
        place[*pair] = if same { place[by_path[k - 1]] } else { k };
    }
    diagnostics.sort_by_key(|d| (place[d.loc().file.0 as usize], d.loc().span.start, d.code.name_order()));
    let to_file = args.output.is_some();
    let streamed = match args.format {
        _ if args.statistics => None,
        Format::Json => {
            Some(write_to(args.output.as_ref(), false, |out| render::write_json(&all, &diagnostics, file_count, out)))
        }
        Format::Sarif => {
            Some(write_to(args.output.as_ref(), false, |out| render::write_sarif(&all, &diagnostics, out)))
        }
        Format::Short => {
            Some(write_to(args.output.as_ref(), false, |out| render::write_short(&all, &diagnostics, out)))
        }
        _ => None,
    };
    if let Some(written) = streamed {
        written?;
        let failed = diagnostics.iter().any(|d| d.severity == Severity::Error);
        // Tens of thousands of them: freed beside the exit, not before it.
        free_in_background(diagnostics);
        return Ok(i32::from(failed));
    }
    let text = if args.statistics {
        let mut text = statistics(&diagnostics);
        text.push_str(&render::summary(&diagnostics, file_count));
        text.push('\n');
        text
    } else {
        match args.format {
            Format::Human => {
                let mut text = render::human(&all, &diagnostics, color.stderr(to_file), 100);
                text.push_str(&note);
                text.push_str(&render::summary(&diagnostics, file_count));
                text.push('\n');
                text
            }
            // Streamed above.
            Format::Short | Format::Json | Format::Sarif => String::new(),
            Format::Github => render::github(&all, &diagnostics),
            Format::Gitlab => render::gitlab(&all, &diagnostics),
            Format::Junit => render::junit(&all, &diagnostics, all_paths(&loaded, only)),
        }
    };
    let to_stderr = args.format == Format::Human && !args.statistics;
    write_output(args.output.as_ref(), &text, to_stderr)?;
    let failed = diagnostics.iter().any(|d| d.severity == Severity::Error);
    Ok(i32::from(failed))
}

/// For `human` output, which workspace a single file was checked in: with `-
/// --stdin-filename`, the root and how many other files were read from disk; for one
/// file given alone (a workspace of that file, spec section 1) below a `strata.toml`,
/// the root its data paths and settings come from and how many `.strata` files there
/// were left unread.
/// Empty otherwise.
fn workspace_note(args: &CheckArgs, loaded: &[Loaded], stdin: Option<&FromStdin>) -> String {
    let plural = |n: usize| if n == 1 { "file" } else { "files" };
    let root_of = |item: &Loaded| {
        let root = workspace::display(&item.data_root);
        match &item.workspace.config {
            Some(config) => format!("`{root}` (the folder of `{}`)", config.path),
            None => format!("`{root}`"),
        }
    };
    if let (Some(stdin), Some(_)) = (stdin, &args.stdin_filename) {
        let Some(item) = loaded.get(stdin.workspace) else { return String::new() };
        let others = item.workspace.files.len().saturating_sub(1);
        let shown = item.workspace.files.get(stdin.file).map_or("", |f| f.path.as_str());
        return format!(
            "`{shown}` read from stdin and checked in the workspace {}, with {others} other {} read from disk\n",
            root_of(item),
            plural(others)
        );
    }
    let [path] = args.paths.as_slice() else { return String::new() };
    let [item] = loaded else { return String::new() };
    // A folder of independent files (no `strata.toml` marks it a workspace) draws none.
    if stdin.is_some() || item.workspace.config.is_none() || !std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
        return String::new();
    }
    let own = workspace::file_identity(path);
    let root = if item.data_root.as_os_str().is_empty() { Path::new(".") } else { item.data_root.as_path() };
    let unread = workspace::walker(root)
        .flatten()
        .filter(|e| e.file_type().is_some_and(|t| t.is_file()))
        .filter(|e| e.path().as_os_str().as_encoded_bytes().ends_with(b".strata"))
        .filter(|e| workspace::file_identity(e.path()) != own)
        .count();
    if unread == 0 {
        return String::new();
    }
    format!(
        "note: `{}` was checked alone, in the workspace root {}, which holds {unread} other `.strata` {} not read: \
         ids they declare are unknown here; check `{}` to check them together\n",
        workspace::display(path),
        root_of(item),
        plural(unread),
        workspace::display(root)
    )
}

/// The paths of every `.strata` file checked, in order (`junit` gives each a suite).
fn all_paths(loaded: &[Loaded], only: Option<FileId>) -> Vec<String> {
    let mut paths: Vec<String> = loaded.iter().flat_map(|l| l.workspace.files.iter().map(|f| f.path.clone())).collect();
    if only.is_some() {
        // With stdin, only its file is reported.
        paths.clear();
    }
    paths.sort();
    paths
}

/// Whether `diag` counts as an error once `--deny` is applied.
fn denied(diag: &Diagnostic, deny: Option<Deny>) -> bool {
    diag.severity == Severity::Error || deny == Some(Deny::Warnings)
}

/// `--statistics`: one line per code (and level), the most frequent first, then by code:
/// the count, the code, its level and its one line, in aligned columns.
fn statistics(diagnostics: &[Diagnostic]) -> String {
    let mut counts: std::collections::BTreeMap<(&str, &str), usize> = std::collections::BTreeMap::new();
    for d in diagnostics {
        *counts.entry((d.code.name(), d.severity.as_str())).or_default() += 1;
    }
    let mut rows: Vec<((&str, &str), usize)> = counts.into_iter().collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let count_width = rows.iter().map(|r| r.1.to_string().len()).max().unwrap_or(1);
    let code_width = rows.iter().map(|r| r.0.0.len()).max().unwrap_or(0);
    let mut out = String::new();
    for ((code, level), count) in rows {
        let summary = Code::from_name(code).map_or("", Code::summary);
        out.push_str(&format!("{count:>count_width$}  {code:<code_width$}  {level:<7}  {summary}\n"));
    }
    out
}

/// `check -`: stdin as the file `--stdin-filename` names (which must be inside the
/// workspace the other paths, default `.`, make, in a folder that exists), or without
/// it as `<stdin>`, a workspace of its own in the current folder.
fn load_stdin(args: &CheckArgs) -> Result<(Vec<Loaded>, Option<FromStdin>), ToolError> {
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut std::io::stdin(), &mut bytes)
        .map_err(|e| ToolError(format!("cannot read stdin: {e}")))?;
    let paths: Vec<PathBuf> = args.paths.iter().filter(|p| p.as_os_str() != "-").cloned().collect();
    let Some(name) = &args.stdin_filename else {
        let config_path = workspace::find_config(Path::new("."));
        let config = config_path.as_deref().map(workspace::read).transpose()?;
        let data_root = config_path.as_deref().and_then(Path::parent).map_or_else(PathBuf::new, Path::to_path_buf);
        let file = SourceFile::from_bytes("<stdin>", bytes);
        let loaded = Loaded {
            root: ".".to_owned(),
            data_root,
            workspace: strata::Workspace { files: vec![file], config, data: Vec::new() },
            disk_paths: vec![PathBuf::from("<stdin>")],
        };
        return Ok((vec![loaded], Some(FromStdin { workspace: 0, file: 0 })));
    };
    let shown = workspace::display(name);
    let folder = name.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    if !std::fs::metadata(folder).is_ok_and(|m| m.is_dir()) {
        return Err(ToolError(format!(
            "`--stdin-filename {shown}`: the folder `{}` does not exist; name the file where it is (or will be) \
             in the workspace",
            workspace::display(folder)
        )));
    }
    if name.file_name().is_none() || std::fs::metadata(name).is_ok_and(|m| m.is_dir()) {
        return Err(ToolError(format!("`--stdin-filename {shown}` is a folder; name a `.strata` file")));
    }
    let roots: Vec<PathBuf> = if paths.is_empty() { vec![PathBuf::from(".")] } else { paths.clone() };
    if !roots.iter().any(|root| workspace::is_below(name, root)) {
        let given: Vec<String> = roots.iter().map(|r| format!("`{}`", workspace::display(r))).collect();
        return Err(ToolError(format!(
            "`--stdin-filename {shown}` is outside the workspace ({}): run strata in the workspace, or give its \
             folder as a path",
            given.join(", ")
        )));
    }
    let stdin = workspace::StdinFile { path: name, bytes };
    let loaded = workspace::load_with_stdin(&roots, Some(stdin))?;
    let cwd = std::env::current_dir().unwrap_or_default();
    let target = std::path::absolute(cwd.join(name)).unwrap_or_default();
    let same = |disk: &PathBuf| workspace::is_below(disk, &target) && workspace::is_below(&target, disk);
    let found = loaded
        .iter()
        .enumerate()
        .find_map(|(w, item)| item.disk_paths.iter().position(same).map(|file| FromStdin { workspace: w, file }));
    let Some(found) = found else {
        return Err(ToolError(format!(
            "`--stdin-filename {shown}` was not loaded: a hidden or `.gitignore`d path? name a file the workspace holds"
        )));
    };
    // Only the workspace that holds the file is checked.
    let mut loaded = loaded;
    let item = loaded.swap_remove(found.workspace);
    Ok((vec![item], Some(FromStdin { workspace: 0, file: found.file })))
}

/// `--config FILE`: every workspace uses FILE's settings (its data files stay where
/// its root says).
fn use_config(loaded: &mut [Loaded], path: &Path) -> Result<(), ToolError> {
    let config = workspace::read(path)?;
    for item in loaded {
        item.workspace.config = Some(config.clone());
    }
    Ok(())
}

/// A file that `--fix` changed: where, how it was shown, its text before and after.
struct Fixed {
    disk: PathBuf,
    shown: String,
    before: String,
    after: String,
    fixes: usize,
}

/// How many times `--fix` fixes and checks again: a fix can uncover another (a
/// misspelt `layer:` name fixed, its "did you mean" elsewhere follows).
const FIX_ROUNDS: usize = 8;

/// Checks a workspace, applies the certain fixes (`strata::fix`) to its files without
/// syntax errors, checks again, until no fix is left; returns the last analysis (what
/// is left) and the files changed. Nothing is written here.
fn fix_workspace(item: &mut Loaded) -> (strata::Analysis, Vec<Fixed>) {
    let (asts, diags) = workspace::parse_and_read_data(item);
    let count = item.workspace.files.len();
    let mut broken = vec![false; count];
    for d in &diags {
        if let Some(flag) = broken.get_mut(d.loc().file.0 as usize) {
            *flag = true;
        }
    }
    let mut before: Vec<Option<String>> = vec![None; count];
    let mut fixes = vec![0; count];
    let mut analysis = strata::check_parsed(&item.workspace, asts, diags);
    for _ in 0..FIX_ROUNDS {
        let mut per_file: Vec<Vec<strata::fix::Fix>> = vec![Vec::new(); count];
        for d in &analysis.diagnostics {
            let i = d.loc().file.0 as usize;
            if i < count
                && !broken[i]
                && let Some(fix) = strata::fix::certain(&item.workspace.files[i], d)
            {
                per_file[i].push(fix);
            }
        }
        let mut changed = false;
        for (i, found) in per_file.into_iter().enumerate().filter(|(_, f)| !f.is_empty()) {
            let file = &item.workspace.files[i];
            let (text, applied) = strata::fix::apply(&file.text, found);
            let next = SourceFile { in_root: file.in_root.clone(), ..SourceFile::new(file.path.clone(), text) };
            // Never leave a file with a syntax error it did not have.
            let mut errors = Vec::new();
            strata::parse_file(FileId(i as u32), &next, &mut errors);
            if !errors.is_empty() {
                broken[i] = true;
                continue;
            }
            before[i].get_or_insert_with(|| file.text.clone());
            fixes[i] += applied.len();
            item.workspace.files[i] = next;
            changed = true;
        }
        if !changed {
            break;
        }
        let (asts, diags) = strata::parse_all(&item.workspace.files);
        analysis = strata::check_parsed(&item.workspace, asts, diags);
    }
    let files = before
        .into_iter()
        .enumerate()
        .filter_map(|(i, before)| {
            let file = &item.workspace.files[i];
            Some(Fixed {
                disk: item.disk_paths[i].clone(),
                shown: file.path.clone(),
                before: before?,
                after: file.text.clone(),
                fixes: fixes[i],
            })
        })
        .collect();
    (analysis, files)
}

/// Writes the fixed files, each atomically (`write_file`). A read-only file refuses the
/// whole run before anything is written; a file changed on disk since it was read is
/// left as it is (its fixes are lost, not its edits). Says what was fixed, on stderr.
fn write_fixes(fixed: &[Fixed]) -> Result<(), ToolError> {
    for file in fixed {
        if std::fs::metadata(&file.disk).is_ok_and(|m| m.permissions().readonly()) {
            return Err(ToolError(format!(
                "`{}` is read-only, so no file was fixed; make it writable, or see the fixes with `--fix --diff`",
                file.shown
            )));
        }
        // Opening to write (nothing is written) asks the system whether the user may.
        if let Err(e) = std::fs::OpenOptions::new().write(true).open(&file.disk) {
            return Err(ToolError(format!(
                "cannot write `{}`: {}, so no file was fixed; see the fixes with `--fix --diff`",
                file.shown,
                if e.kind() == std::io::ErrorKind::PermissionDenied {
                    "permission denied".to_owned()
                } else {
                    e.to_string()
                }
            )));
        }
    }
    let mut failed = Vec::new();
    let mut report = String::new();
    // A line per file, up to ten files; past that one line says how many.
    let each = fixed.len() <= 10;
    let (mut fixes, mut files) = (0, 0);
    for file in fixed {
        let now = std::fs::read(&file.disk).map(|bytes| SourceFile::from_bytes("", bytes).text);
        if now.as_ref().ok() != Some(&file.before) {
            failed.push(format!("`{}` changed while strata ran, so it was not fixed; run `--fix` again", file.shown));
            continue;
        }
        match write_file(&file.disk, &file.after, "fixed") {
            Ok(()) => {
                let plural = if file.fixes == 1 { "" } else { "es" };
                if each {
                    report.push_str(&format!("fixed `{}`: {} fix{plural} applied\n", file.shown, file.fixes));
                }
                fixes += file.fixes;
                files += 1;
            }
            Err(ToolError(message)) => failed.push(message),
        }
    }
    if !each && files > 0 {
        report.push_str(&format!("fixed {files} files: {fixes} fixes applied\n"));
    }
    write_output(None, &report, true)?;
    match failed.is_empty() {
        true => Ok(()),
        false => Err(ToolError(failed.join("\nerror: "))),
    }
}

/// A unified diff of one file, `--- PATH` / `+++ PATH` (`patch -p0` applies it); empty
/// when nothing changes.
fn unified_diff(path: &str, before: &str, after: &str) -> String {
    if before == after {
        return String::new();
    }
    let diff = similar::TextDiff::from_lines(before, after);
    diff.unified_diff().context_radius(3).header(path, path).to_string()
}

/// Freeing a big workspace's trees and model is ~7% of a check's instructions
/// (callgrind); another thread does it while the output is rendered and written. Should
/// no thread start, the closure and the value are dropped here instead.
fn free_in_background<T: Send + 'static>(value: T) {
    let _ = std::thread::Builder::new().spawn(move || drop(value));
}

fn shift(diag: &mut Diagnostic, offset: u32) {
    diag.primary.loc.file.0 += offset;
    for label in &mut diag.secondary {
        label.loc.file.0 += offset;
    }
}

/// Writes to `--output FILE`, or to stderr (`human`) or stdout (the rest).
fn write_output(path: Option<&PathBuf>, text: &str, to_stderr: bool) -> Result<(), ToolError> {
    write_to(path, to_stderr, |out| out.put(text))
}

/// Lets `write` write, in order, to `path` (created or emptied first) or to standard
/// output (or error).
fn write_to(
    path: Option<&PathBuf>,
    to_stderr: bool,
    write: impl FnOnce(&mut dyn Output) -> std::io::Result<()>,
) -> Result<(), ToolError> {
    fn all(
        mut out: Writer<impl std::io::Write>,
        write: impl FnOnce(&mut dyn Output) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        write(&mut out)?;
        out.0.flush()
    }
    let result = match path {
        Some(path) => std::fs::File::create(path)
            .and_then(|file| all(Writer(file), write))
            .map_err(|e| ToolError(format!("cannot write `{}`: {e}", workspace::display(path)))),
        None if to_stderr => all(Writer(std::io::stderr().lock()), write).map_err(|e| ToolError(e.to_string())),
        None => all(Writer(std::io::stdout().lock()), write).map_err(|e| ToolError(e.to_string())),
    };
    match result {
        // A closed pipe (`strata check | head`) is the reader's choice, not our failure.
        Err(ToolError(message)) if message.contains("Broken pipe") => Ok(()),
        other => other,
    }
}

fn explain(args: &ExplainArgs) -> Result<i32, ToolError> {
    if args.list {
        let width = Code::ALL.iter().map(|c| c.name().len()).max().unwrap_or(0);
        let mut out = String::new();
        for code in Code::ALL {
            let level = match code.kind() {
                Kind::Error => "error",
                Kind::Lint(level) => level.as_str(),
            };
            out.push_str(&format!("{:<width$}  {level:<5}  {}\n", code.name(), code.summary()));
        }
        write_output(None, &out, false)?;
        return Ok(0);
    }
    let name = args.code.as_deref().unwrap_or_default();
    match Code::from_name(name) {
        Some(code) => {
            write_output(None, code.explanation(), false)?;
            Ok(0)
        }
        None => {
            let hint = match suggest(name, Code::ALL.iter().map(|c| c.name())) {
                Some(close) => format!("; did you mean `{close}`?"),
                None => "; `strata explain --list` lists every code".to_owned(),
            };
            Err(ToolError(format!("unknown diagnostic code `{name}`{hint}")))
        }
    }
}

#[derive(clap::Args)]
struct ReportArgs {
    /// Files or directories of one workspace (directories are walked; default `.`).
    paths: Vec<PathBuf>,
    /// How to write the report.
    #[arg(long, value_enum, default_value_t = ReportFormat::Html)]
    format: ReportFormat,
    /// Write the report to FILE instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Use this `strata.toml` instead of the one found beside the workspace.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Serve the HTML report on 127.0.0.1 and rebuild it when a `.strata` file, a data
    /// file or `strata.toml` changes; the page reloads itself.
    #[arg(long, conflicts_with = "output")]
    watch: bool,
    /// With `--watch`: the port to serve on (0: any free port).
    #[arg(long, requires = "watch", default_value_t = 7273, value_name = "PORT")]
    port: u16,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ReportFormat {
    /// One self-contained HTML file: the map, XmR charts, links between sections.
    Html,
    /// CommonMark, for a pull request or a wiki (no pictures).
    Markdown,
    /// Plain text, wrapped at 100 columns, for a terminal (no pictures).
    Text,
}

/// `strata report`: made from what resolved, errors and all (they are in the report's
/// diagnostics and on stderr); the exit code is `check`'s (1 when there are errors).
fn report(args: &ReportArgs, color: ColorChoice) -> Result<i32, ToolError> {
    let format = match args.format {
        ReportFormat::Html => strata::report::Format::Html,
        ReportFormat::Markdown => strata::report::Format::Markdown,
        ReportFormat::Text => strata::report::Format::Text,
    };
    if args.watch {
        if format != strata::report::Format::Html {
            return Err(ToolError("`--watch` serves the HTML report: leave out `--format`".to_owned()));
        }
        let build = |last: Option<u64>| match one_workspace(&args.paths, args.config.as_ref(), "report on") {
            Ok((item, asts, diags)) => {
                let fingerprint = workspace_fingerprint(&item.workspace);
                if last == Some(fingerprint) {
                    return None;
                }
                let analysis = strata::check_parsed(&item.workspace, asts, diags);
                let text = make_report(&item, &analysis, format);
                Some((fingerprint, Ok(text)))
            }
            Err(ToolError(message)) => {
                let fingerprint = serve::fingerprint(&mut std::iter::once(message.as_bytes()));
                (last != Some(fingerprint)).then_some((fingerprint, Err(message)))
            }
        };
        serve::watch(args.port, build).map_err(ToolError)?;
        return Ok(0);
    }
    let (item, asts, diags) = one_workspace(&args.paths, args.config.as_ref(), "report on")?;
    let analysis = strata::check_parsed(&item.workspace, asts, diags);
    let text = make_report(&item, &analysis, format);
    write_output(args.output.as_ref(), &text, false)?;
    report_errors(&item.workspace, &analysis.diagnostics, color)
}

/// The one workspace `paths` make (`--config` applied), parsed, with its data read; more
/// than one is an error that says to `verb` them one at a time.
fn one_workspace(
    paths: &[PathBuf],
    config: Option<&PathBuf>,
    verb: &str,
) -> Result<(Loaded, Vec<strata::syntax::ast::Ast>, Vec<Diagnostic>), ToolError> {
    let mut loaded = workspace::load(paths)?;
    if let Some(config) = config {
        use_config(&mut loaded, config)?;
    }
    if loaded.len() != 1 {
        let roots: Vec<String> = loaded.iter().map(|l| format!("`{}`", l.root)).collect();
        return Err(ToolError(format!(
            "the paths hold {} workspaces ({}); {verb} them one at a time",
            loaded.len(),
            roots.join(", ")
        )));
    }
    let mut item = loaded.remove(0);
    let (asts, diags) = workspace::parse_and_read_data(&mut item);
    Ok((item, asts, diags))
}

fn make_report(item: &Loaded, analysis: &strata::Analysis, format: strata::report::Format) -> String {
    let input = strata::report::Input {
        model: &analysis.model,
        asts: &analysis.asts,
        evidence: &analysis.evidence,
        diagnostics: &analysis.diagnostics,
        sources: &item.workspace,
    };
    strata::report::report(&input, format)
}

/// What a workspace was read as: its files' paths and texts, `strata.toml` and the data
/// files' bytes (or why they could not be read).
fn workspace_fingerprint(ws: &strata::Workspace) -> u64 {
    let files = ws.files.iter().flat_map(|f| [f.path.as_bytes(), f.text.as_bytes()]);
    let config = ws.config.iter().flat_map(|f| [f.path.as_bytes(), f.text.as_bytes()]);
    let data = ws.data.iter().flat_map(|d| {
        let bytes: &[u8] = match &d.bytes {
            Ok(bytes) => bytes,
            Err(_) => b"\0unreadable",
        };
        [d.path.as_bytes(), bytes]
    });
    serve::fingerprint(&mut files.chain(config).chain(data))
}

/// The errors among `diagnostics` on stderr, as `check` shows them, and the exit code:
/// 1 when there are any.
fn report_errors(
    workspace: &strata::Workspace,
    diagnostics: &[Diagnostic],
    color: ColorChoice,
) -> Result<i32, ToolError> {
    let errors: Vec<Diagnostic> = diagnostics.iter().filter(|d| d.severity == Severity::Error).cloned().collect();
    if errors.is_empty() {
        return Ok(0);
    }
    let mut report = render::human(workspace, &errors, color.stderr(false), 100);
    report.push_str(&render::summary(&errors, workspace.files.len()));
    report.push('\n');
    write_output(None, &report, true)?;
    Ok(1)
}

#[derive(clap::Args)]
struct StoryArgs {
    /// Files or directories of one workspace (directories are walked; default `.`).
    paths: Vec<PathBuf>,
    /// How to write the story.
    #[arg(long, value_enum, default_value_t = StoryFormat::Markdown)]
    format: StoryFormat,
    /// Write the story to FILE instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Use this `strata.toml` instead of the one found beside the workspace.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum StoryFormat {
    /// CommonMark, for a pull request or a wiki.
    Markdown,
    /// Plain text, wrapped at 100 columns, for a terminal.
    Text,
}

/// `strata story`: told from what resolved, errors and all; the errors go to stderr and
/// the exit code is `check`'s (1 when there are errors).
fn story(args: &StoryArgs, color: ColorChoice) -> Result<i32, ToolError> {
    let (item, asts, diags) = one_workspace(&args.paths, args.config.as_ref(), "tell")?;
    let analysis = strata::check_parsed(&item.workspace, asts, diags);
    let format = match args.format {
        StoryFormat::Markdown => strata::story::Format::Markdown,
        StoryFormat::Text => strata::story::Format::Text,
    };
    let text = strata::story::story(&analysis.model, &analysis.evidence, format);
    write_output(args.output.as_ref(), &text, false)?;
    report_errors(&item.workspace, &analysis.diagnostics, color)
}

#[derive(clap::Args)]
struct ExportArgs {
    /// Files or directories of one workspace (directories are walked; default `.`).
    paths: Vec<PathBuf>,
    /// What to write.
    #[arg(long, value_enum)]
    format: ExportFormat,
    /// Write the export to FILE instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Keep only the sub-map around this result, measure or action.
    #[arg(long, value_name = "ID")]
    focus: Option<String>,
    /// With `--focus`: how many links away from it to keep, in either direction.
    #[arg(long, value_name = "N", requires = "focus", default_value_t = 1)]
    depth: usize,
    /// Use this `strata.toml` instead of the one found beside the workspace.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ExportFormat {
    /// The compiled model (spec 7.3).
    Json,
    /// A Graphviz digraph: `strata export --format dot | dot -Tsvg > map.svg`.
    Dot,
    /// A Mermaid `flowchart BT`, which GitHub renders.
    Mermaid,
    /// A self-contained SVG picture, laid out by Strata (no Graphviz needed).
    Svg,
}

/// `strata export`: refuses (exit 1, diagnostics on stderr) when the workspace has errors.
fn export(args: &ExportArgs, color: ColorChoice) -> Result<i32, ToolError> {
    let (item, asts, diags) = one_workspace(&args.paths, args.config.as_ref(), "export")?;
    let analysis = strata::check_parsed_for_errors(&item.workspace, asts, diags);
    if analysis.has_errors() {
        let mut text = render::human(&item.workspace, &analysis.diagnostics, color.stderr(false), 100);
        text.push_str(&render::summary(&analysis.diagnostics, item.workspace.files.len()));
        text.push_str("\nnothing exported: fix the errors first\n");
        write_output(None, &text, true)?;
        return Ok(1);
    }
    let format = match args.format {
        ExportFormat::Json => strata::export::Format::Json,
        ExportFormat::Dot => strata::export::Format::Dot,
        ExportFormat::Mermaid => strata::export::Format::Mermaid,
        ExportFormat::Svg => strata::export::Format::Svg,
    };
    let focus = args.focus.clone().map(|id| strata::export::Focus { id, depth: args.depth });
    let prepared = strata::export::prepare(&analysis.model, focus.as_ref())
        .map_err(|e| ToolError(e.to_string()))?
        .with_evidence(&analysis.model, &analysis.evidence);
    write_to(args.output.as_ref(), false, |out| prepared.write(&item.workspace, format, out))?;
    // The process ends now, and the system takes its memory back at once: freeing the
    // trees and the model (500 MB of small allocations at 100,000 results), even on
    // another thread, only slowed the export (0.82 -> 0.73 s, medians of eight
    // interleaved runs).
    std::mem::forget(prepared);
    std::mem::forget(analysis);
    Ok(0)
}

/// `strata lsp`: serves until the client exits; 0 after a `shutdown`, 1 without one
/// (as LSP asks), 2 when the runtime cannot start.
fn lsp() -> Result<i32, ToolError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| ToolError(format!("cannot start the language server: {e}")))?;
    let clean = runtime.block_on(strata::lsp::run_stdio());
    // An analysis still running on a blocking thread is not waited for.
    runtime.shutdown_background();
    Ok(if clean { 0 } else { 1 })
}

#[derive(clap::Args)]
struct FmtArgs {
    /// Files or directories to format (directories are walked; default `.`), or `-` to
    /// read stdin and write the result to stdout.
    paths: Vec<PathBuf>,
    /// Write nothing: list the files that would change, and exit 1 if there are any.
    #[arg(long)]
    check: bool,
    /// With `--check`: print a unified diff of what would change instead of the list.
    #[arg(long, requires = "check")]
    diff: bool,
}

/// `strata fmt`: a file with syntax errors (or not UTF-8) is reported and left as it is,
/// and the others are still formatted; exit 1 if any was, or if `--check` found changes.
fn fmt(args: &FmtArgs, color: ColorChoice) -> Result<i32, ToolError> {
    if args.paths.iter().any(|p| p.as_os_str() == "-") {
        if args.paths.len() > 1 {
            return Err(ToolError("`-` (stdin) cannot be combined with other paths".to_owned()));
        }
        return fmt_stdin(args, color);
    }
    let loaded = workspace::load(&args.paths)?;
    let mut files: Vec<(&SourceFile, &std::path::PathBuf)> =
        loaded.iter().flat_map(|l| l.workspace.files.iter().zip(&l.disk_paths)).collect();
    files.sort_by(|a, b| a.0.path.cmp(&b.0.path));
    let (mut broken, mut unwritable) = (false, false);
    let mut changed = String::new();
    for (file, disk_path) in files {
        match fmt_source(file) {
            Ok(text) if text == file.text => {}
            Ok(text) if args.diff => changed.push_str(&unified_diff(&file.path, &file.text, &text)),
            Ok(_) if args.check => {
                changed.push_str(&file.path);
                changed.push('\n');
            }
            Ok(text) => {
                if let Err(ToolError(message)) = write_file(disk_path, &text, "formatted") {
                    eprintln!("error: {message}");
                    unwritable = true;
                }
            }
            Err(diagnostics) => {
                report_unformatted(file, &diagnostics, color)?;
                broken = true;
            }
        }
    }
    write_output(None, &changed, false)?;
    Ok(if unwritable { 2 } else { i32::from(broken || !changed.is_empty()) })
}

/// `strata fmt -`: stdin to stdout; nothing on stdout when the text cannot be formatted.
fn fmt_stdin(args: &FmtArgs, color: ColorChoice) -> Result<i32, ToolError> {
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut std::io::stdin(), &mut bytes)
        .map_err(|e| ToolError(format!("cannot read stdin: {e}")))?;
    let bom = bytes.starts_with(BOM);
    let file = SourceFile::from_bytes("<stdin>", bytes);
    match fmt_source(&file) {
        Ok(text) if args.diff => {
            write_output(None, &unified_diff("<stdin>", &file.text, &text), false)?;
            Ok(i32::from(text != file.text))
        }
        Ok(text) if args.check => {
            let changed = text != file.text;
            write_output(None, if changed { "<stdin>\n" } else { "" }, false)?;
            Ok(i32::from(changed))
        }
        Ok(text) => {
            // `SourceFile` drops a byte-order mark: put it back.
            let bom = if bom && !text.starts_with('\u{FEFF}') { "\u{FEFF}" } else { "" };
            write_output(None, &format!("{bom}{text}"), false)?;
            Ok(0)
        }
        Err(diagnostics) => {
            report_unformatted(&file, &diagnostics, color)?;
            Ok(1)
        }
    }
}

/// The formatted text of a file, or why it cannot be formatted.
fn fmt_source(file: &SourceFile) -> Result<String, Vec<Diagnostic>> {
    if file.invalid_utf8_at.is_some() {
        let mut diagnostics = Vec::new();
        strata::parse_file(FileId(0), file, &mut diagnostics);
        return Err(diagnostics);
    }
    strata::fmt::format(&file.text)
}

fn report_unformatted(file: &SourceFile, diagnostics: &[Diagnostic], color: ColorChoice) -> Result<(), ToolError> {
    let mut text = render::human(&AllSources { files: vec![file] }, diagnostics, color.stderr(false), 100);
    // The formatter refuses a file with errors, and a file where formatting would change
    // what a suppression comment covers (`misplaced-suppression`, never both at once).
    let why = if diagnostics.iter().any(|d| d.code == Code::MisplacedSuppression) {
        "formatting would change what a suppression comment covers; move the comment as the help says"
    } else {
        "fix the errors first"
    };
    text.push_str(&format!("`{}` was not formatted: {why}\n", file.path));
    write_output(None, &text, true)
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Replaces a file's text and keeps what makes it that file: its owner, group, mode and
/// other names (hard links), and a leading byte-order mark (which `SourceFile` drops).
/// A symbolic link stays one: the file it points to is rewritten. A file that nobody may
/// write (no `w` in its mode, even for root) or that the user may not write is refused,
/// and left as it is (docs/formatting.md, "Writing files"). `done` says what writing
/// it does ("formatted", "fixed"), for the errors. `fmt` and `check --fix` both write so.
fn write_file(path: &std::path::Path, text: &str, done: &str) -> Result<(), ToolError> {
    let shown = workspace::display(path);
    let error = |e: std::io::Error| {
        let why = match e.kind() {
            std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
            _ => e.to_string(),
        };
        ToolError(format!("cannot write `{shown}`: {why}; it was not {done}"))
    };
    let target = std::fs::canonicalize(path).map_err(error)?;
    let meta = std::fs::metadata(&target).map_err(error)?;
    if meta.permissions().readonly() {
        let verb = if done == "fixed" { "fix" } else { "format" };
        return Err(ToolError(format!("`{shown}` is read-only, so it was not {done}; make it writable to {verb} it")));
    }
    // Opening the file to write asks the system whether the user may; the rename below
    // would otherwise replace a file the user may not write, in a directory they may.
    let mut file = std::fs::OpenOptions::new().read(true).write(true).open(&target).map_err(error)?;
    let mut start = Vec::with_capacity(BOM.len());
    std::io::Read::read_to_end(&mut std::io::Read::take(&mut file, BOM.len() as u64), &mut start).map_err(error)?;
    let mut bytes = Vec::with_capacity(BOM.len() + text.len());
    if start == BOM && !text.starts_with('\u{FEFF}') {
        bytes.extend_from_slice(BOM);
    }
    bytes.extend_from_slice(text.as_bytes());
    if !replace_by_rename(&target, &meta, &bytes).map_err(error)? {
        write_in_place(&mut file, &bytes).map_err(error)?;
    }
    Ok(())
}

/// Writes `bytes` to a temporary file in the same directory, gives it the original's
/// owner, group and mode, and renames it over the original, so that no reader ever sees
/// half a file. `false` (nothing done) when that cannot keep the file as it was: it has
/// other names (hard links), the user cannot give the new file its owner or group, or
/// cannot create a file in its directory.
fn replace_by_rename(target: &std::path::Path, meta: &std::fs::Metadata, bytes: &[u8]) -> std::io::Result<bool> {
    #[cfg(unix)]
    use std::os::unix::fs::MetadataExt as _;
    #[cfg(unix)]
    if meta.nlink() > 1 {
        return Ok(false);
    }
    let dir = target.parent().unwrap_or(std::path::Path::new("."));
    let mut temp = match tempfile::NamedTempFile::new_in(dir) {
        Ok(temp) => temp,
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => return Ok(false),
        Err(e) => return Err(e),
    };
    temp.write_all(bytes)?;
    #[cfg(unix)]
    {
        let made = temp.as_file().metadata()?;
        let owner = (meta.uid(), meta.gid());
        // Only root may give a file away, and a user only to a group they are in.
        if (made.uid(), made.gid()) != owner
            && std::os::unix::fs::fchown(temp.as_file(), Some(owner.0), Some(owner.1)).is_err()
        {
            return Ok(false);
        }
    }
    // After the owner: changing the owner clears the set-user-id and set-group-id bits.
    temp.as_file().set_permissions(meta.permissions())?;
    temp.persist(target).map_err(|e| e.error)?;
    Ok(true)
}

/// Rewrites an open file from its start: every name, the owner and the mode stay, but a
/// reader may see the file half written.
fn write_in_place(file: &mut std::fs::File, bytes: &[u8]) -> std::io::Result<()> {
    std::io::Seek::seek(file, std::io::SeekFrom::Start(0))?;
    file.write_all(bytes)?;
    file.set_len(bytes.len() as u64)?;
    file.flush()
}

const DIFF_ABOUT: &str = "Compare the map at two git revisions or in two directories, item by item.

Items are matched by id whatever files they live in (links by cause and effect), so \
moving or splitting files is no change. Reports items added and removed, statements, \
titles and names reworded, attributes changed, links added, removed or changed, \
measures moved to another result, the layer order, targets lowered, raised, deferred \
or brought forward (per milestone), intents and action statuses changed, and measure data \
(values revised, limits recalculated, signals started or ended); then the \
diagnostics the change introduced and those it fixed (matched by code, item and \
message, never by line).

BASE and HEAD are directories (an argument naming an existing directory is one) or git \
revisions read from the repository around the current directory; without HEAD, BASE \
is compared with the working tree. With revisions, the arguments after HEAD (or after \
`--`) are the paths to compare (default `.`).

Exit codes: 0 whatever changed, unless `--fail-on` names something present (1); 2 \
for a bad revision or path. See docs/diff.md.";

#[derive(clap::Args)]
struct DiffArgs {
    /// BASE, then HEAD and PATHs: directories, or a git revision, another revision (or
    /// nothing: the working tree), then paths.
    #[arg(value_name = "BASE [HEAD] [PATH]", required = true)]
    args: Vec<String>,
    /// Paths to compare (with revisions), after `--`.
    #[arg(last = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// How to print the changes.
    #[arg(long, value_enum, default_value_t = DiffFormat::Human)]
    format: DiffFormat,
    /// Exit 1 when any of these is present: change kinds (`target-lowered`, ...),
    /// `added`, `removed` (any kind of item), `new-errors`, `new-warnings`;
    /// comma-separated.
    #[arg(long, value_name = "KIND,...", value_delimiter = ',')]
    fail_on: Vec<String>,
    /// Write the diff to FILE instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum DiffFormat {
    /// Grouped by result, for a terminal.
    Human,
    /// A pull-request comment: a summary line, then collapsible sections.
    Markdown,
    /// One JSON object (spec 11, schema/diff.schema.json).
    Json,
}

/// One side of `strata diff`, as the arguments name it.
enum DiffSide {
    Dir(PathBuf),
    Revision(String),
    WorkTree,
}

/// `strata diff`: loads both sides, checks each, compares them.
fn diff(args: &DiffArgs) -> Result<i32, ToolError> {
    use strata::diff::{self, FailOn};
    let mut fail_on = Vec::new();
    for name in &args.fail_on {
        let name = name.trim();
        match FailOn::parse(name) {
            Some(condition) => fail_on.push(condition),
            None => {
                let names = FailOn::names();
                let hint = match suggest(name, names.iter().copied()) {
                    Some(close) => format!("did you mean `{close}`?"),
                    None => format!("one of {}", names.join(", ")),
                };
                return Err(ToolError(format!("unknown `--fail-on` value `{name}`: {hint}")));
            }
        }
    }
    let is_dir = |arg: &str| std::fs::metadata(arg).is_ok_and(|m| m.is_dir());
    let base = &args.args[0];
    let rest = &args.args[1..];
    let mut repo = None;
    let (old, new, paths) = if is_dir(base) {
        let Some(head) = rest.first() else {
            return Err(ToolError(format!(
                "`{base}` is a directory: name the directory to compare it with (`strata diff {base} OTHER`)"
            )));
        };
        if !is_dir(head) {
            return Err(ToolError(format!(
                "`{head}` is not a directory: with a directory as BASE, HEAD must be a directory too"
            )));
        }
        if rest.len() > 1 || !args.paths.is_empty() {
            return Err(ToolError("paths after BASE and HEAD apply to revisions only".to_owned()));
        }
        (DiffSide::Dir(PathBuf::from(base)), DiffSide::Dir(PathBuf::from(head)), Vec::new())
    } else {
        let opened = diff::git::open()
            .map_err(|e| ToolError(format!("`{base}` is not a directory, and not a revision either: {}", e.message)))?;
        if !opened.resolves(base) {
            // `load` says why, with git's words.
            opened.load(base, &[]).map_err(ToolError::from)?;
        }
        let head_is_revision =
            rest.first().is_some_and(|h| std::fs::symlink_metadata(h).is_err() && opened.resolves(h));
        let (head, first_path) =
            if head_is_revision { (DiffSide::Revision(rest[0].clone()), 1) } else { (DiffSide::WorkTree, 0) };
        let mut paths: Vec<PathBuf> = rest[first_path..].iter().map(PathBuf::from).collect();
        paths.extend(args.paths.iter().cloned());
        repo = Some(opened);
        (DiffSide::Revision(base.clone()), head, paths)
    };
    let load = |side: &DiffSide| -> Result<Vec<diff::git::Parsed>, ToolError> {
        match side {
            DiffSide::Revision(spec) => match &repo {
                Some(repo) => Ok(repo.load(spec, &paths)?),
                None => Err(ToolError(format!("`{spec}`: not in a git repository"))),
            },
            DiffSide::Dir(dir) => load_dir(std::slice::from_ref(dir)),
            DiffSide::WorkTree => load_dir(&paths),
        }
    };
    let (old, new) = (load(&old)?, load(&new)?);
    if old.iter().chain(&new).all(|p| p.workspace.files.is_empty()) {
        return Err(ToolError(format!("no `.strata` files on either side of `strata diff {}`", args.args.join(" "))));
    }
    let check = |parsed: Vec<diff::git::Parsed>| -> Vec<(String, strata::Workspace, strata::Analysis)> {
        parsed
            .into_iter()
            .map(|p| {
                let analysis = strata::check_parsed(&p.workspace, p.asts, p.diags);
                (p.key, p.workspace, analysis)
            })
            .collect()
    };
    let (old, new) = (check(old), check(new));
    fn sides(list: &[(String, strata::Workspace, strata::Analysis)]) -> Vec<(String, strata::diff::Side<'_>)> {
        list.iter()
            .map(|(key, workspace, analysis)| (key.clone(), strata::diff::Side { workspace, analysis }))
            .collect()
    }
    let found = diff::diff_all(&sides(&old), &sides(&new));
    let text = match args.format {
        DiffFormat::Human => diff::render::human(&found),
        DiffFormat::Markdown => diff::render::markdown(&found),
        DiffFormat::Json => diff::render::json(&found),
    };
    write_output(args.output.as_ref(), &text, false)?;
    let failed = fail_on.iter().any(|&condition| found.fails_on(condition));
    // The process ends now: freeing two analyses of a big map would only slow it (as
    // for `export`).
    std::mem::forget((old, new));
    Ok(i32::from(failed))
}

/// The workspaces under `paths` on disk, parsed, as `check` loads them, each keyed by its
/// root relative to the first path's.
fn load_dir(paths: &[PathBuf]) -> Result<Vec<strata::diff::git::Parsed>, ToolError> {
    let mut loaded = workspace::load(paths)?;
    let main = loaded.iter().map(|l| l.root.clone()).min_by_key(String::len).unwrap_or_default();
    Ok(loaded
        .iter_mut()
        .map(|item| {
            let (asts, diags) = workspace::parse_and_read_data(item);
            let key = if item.root == main {
                String::new()
            } else if main == "." {
                item.root.clone()
            } else {
                item.root.strip_prefix(&format!("{main}/")).unwrap_or(&item.root).to_owned()
            };
            strata::diff::git::Parsed { key, workspace: std::mem::take(&mut item.workspace), asts, diags }
        })
        .collect())
}
