//! The command line: argument parsing and all printing. Exit codes (spec section 7):
//! 0 no errors, 1 errors found (or `fmt --check` found changes), 2 the tool could not
//! do its job.

use std::io::{IsTerminal as _, Write as _};
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};
use strata::diagnostics::render::{self, Sources};
use strata::diagnostics::{Code, Diagnostic, Kind, Severity, suggest};
use strata::export::{Output, Writer};
use strata::source::{FileId, SourceFile};
use strata::workspace::{self, LoadError};

#[derive(Parser)]
#[command(name = "strata", version, about = "Strategy maps as code: check, lint, format and export .strata files")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check a workspace: syntax, names, attributes and the method lints.
    Check(CheckArgs),
    /// Export the compiled map as JSON, a Graphviz DOT map, a Mermaid flowchart or an SVG picture.
    Export(ExportArgs),
    /// Print the long explanation of a diagnostic code.
    Explain(ExplainArgs),
    /// Tell the map as a story of cause and effect: "if … then …", "because …", "so that …".
    Story(StoryArgs),
    /// Format .strata files in place, in the one canonical style (docs/formatting.md).
    Fmt(FmtArgs),
    /// Run the language server on stdin and stdout (for editors).
    Lsp,
}

#[derive(clap::Args)]
struct CheckArgs {
    /// Files or directories to check (directories are walked; default `.`).
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
    let result = match cli.command {
        Command::Check(args) => check(&args),
        Command::Export(args) => export(&args),
        Command::Explain(args) => explain(&args),
        Command::Story(args) => story(&args),
        Command::Fmt(args) => fmt(&args),
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

fn check(args: &CheckArgs) -> Result<i32, ToolError> {
    let mut loaded = workspace::load(&args.paths)?;
    let analyses: Vec<strata::Analysis> = loaded
        .iter_mut()
        .map(|item| {
            let (asts, diags) = workspace::parse_and_read_data(item);
            strata::check_parsed(&item.workspace, asts, diags)
        })
        .collect();
    // Holds the place of a `strata.toml` a workspace with data files lacks; never shown.
    let no_config = SourceFile::new(String::new(), String::new());
    let mut all = AllSources { files: Vec::new() };
    let mut diagnostics: Vec<Diagnostic> = Vec::new();
    let mut file_count = 0;
    for (item, analysis) in loaded.iter().zip(analyses) {
        let offset = all.files.len() as u32;
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
        let strata::Analysis { asts, model, diagnostics: found, .. } = analysis;
        free_in_background((asts, model));
        for mut diag in found {
            shift(&mut diag, offset);
            diagnostics.push(diag);
        }
    }
    if args.deny == Some(Deny::Warnings) {
        for diag in &mut diagnostics {
            diag.severity = Severity::Error;
        }
    }
    diagnostics.sort_by(|a, b| {
        let key = |d: &Diagnostic| (&all.files[d.loc().file.0 as usize].path, d.loc().span.start, d.code.name());
        key(a).cmp(&key(b))
    });
    let to_file = args.output.is_some();
    let text = match args.format {
        Format::Human => {
            let color = !to_file && std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            let mut text = render::human(&all, &diagnostics, color, 100);
            text.push_str(&render::summary(&diagnostics, file_count));
            text.push('\n');
            text
        }
        Format::Short => render::short(&all, &diagnostics),
        Format::Json => render::json(&all, &diagnostics, file_count),
        Format::Sarif => render::sarif(&all, &diagnostics),
        Format::Github => render::github(&all, &diagnostics),
    };
    write_output(args.output.as_ref(), &text, args.format == Format::Human)?;
    let failed = diagnostics.iter().any(|d| d.severity == Severity::Error);
    Ok(i32::from(failed))
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
struct StoryArgs {
    /// Files or directories of one workspace (directories are walked; default `.`).
    paths: Vec<PathBuf>,
    /// How to write the story.
    #[arg(long, value_enum, default_value_t = StoryFormat::Markdown)]
    format: StoryFormat,
    /// Write the story to FILE instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
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
fn story(args: &StoryArgs) -> Result<i32, ToolError> {
    let mut loaded = workspace::load(&args.paths)?;
    let item = match loaded.as_mut_slice() {
        [item] => item,
        _ => {
            let roots: Vec<String> = loaded.iter().map(|l| format!("`{}`", l.root)).collect();
            return Err(ToolError(format!(
                "the paths hold {} workspaces ({}); tell them one at a time",
                loaded.len(),
                roots.join(", ")
            )));
        }
    };
    let (asts, diags) = workspace::parse_and_read_data(item);
    let analysis = strata::check_parsed(&item.workspace, asts, diags);
    let format = match args.format {
        StoryFormat::Markdown => strata::story::Format::Markdown,
        StoryFormat::Text => strata::story::Format::Text,
    };
    let text = strata::story::story(&analysis.model, &analysis.evidence, format);
    write_output(args.output.as_ref(), &text, false)?;
    let errors: Vec<Diagnostic> =
        analysis.diagnostics.iter().filter(|d| d.severity == Severity::Error).cloned().collect();
    if errors.is_empty() {
        return Ok(0);
    }
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let mut report = render::human(&item.workspace, &errors, color, 100);
    report.push_str(&render::summary(&errors, item.workspace.files.len()));
    report.push('\n');
    write_output(None, &report, true)?;
    Ok(1)
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
fn export(args: &ExportArgs) -> Result<i32, ToolError> {
    let mut loaded = workspace::load(&args.paths)?;
    let item = match loaded.as_mut_slice() {
        [item] => item,
        _ => {
            let roots: Vec<String> = loaded.iter().map(|l| format!("`{}`", l.root)).collect();
            return Err(ToolError(format!(
                "the paths hold {} workspaces ({}); export them one at a time",
                loaded.len(),
                roots.join(", ")
            )));
        }
    };
    let (asts, diags) = workspace::parse_and_read_data(item);
    let analysis = strata::check_parsed_for_errors(&item.workspace, asts, diags);
    if analysis.has_errors() {
        let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        let mut text = render::human(&item.workspace, &analysis.diagnostics, color, 100);
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
}

/// `strata fmt`: a file with syntax errors (or not UTF-8) is reported and left as it is,
/// and the others are still formatted; exit 1 if any was, or if `--check` found changes.
fn fmt(args: &FmtArgs) -> Result<i32, ToolError> {
    if args.paths.iter().any(|p| p.as_os_str() == "-") {
        if args.paths.len() > 1 {
            return Err(ToolError("`-` (stdin) cannot be combined with other paths".to_owned()));
        }
        return fmt_stdin(args.check);
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
            Ok(_) if args.check => {
                changed.push_str(&file.path);
                changed.push('\n');
            }
            Ok(text) => {
                if let Err(ToolError(message)) = write_formatted(disk_path, &text) {
                    eprintln!("error: {message}");
                    unwritable = true;
                }
            }
            Err(diagnostics) => {
                report_unformatted(file, &diagnostics)?;
                broken = true;
            }
        }
    }
    write_output(None, &changed, false)?;
    Ok(if unwritable { 2 } else { i32::from(broken || !changed.is_empty()) })
}

/// `strata fmt -`: stdin to stdout; nothing on stdout when the text cannot be formatted.
fn fmt_stdin(check: bool) -> Result<i32, ToolError> {
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut std::io::stdin(), &mut bytes)
        .map_err(|e| ToolError(format!("cannot read stdin: {e}")))?;
    let bom = bytes.starts_with(BOM);
    let file = SourceFile::from_bytes("<stdin>", bytes);
    match fmt_source(&file) {
        Ok(text) if check => {
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
            report_unformatted(&file, &diagnostics)?;
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

fn report_unformatted(file: &SourceFile, diagnostics: &[Diagnostic]) -> Result<(), ToolError> {
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let mut text = render::human(&AllSources { files: vec![file] }, diagnostics, color, 100);
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
/// and left as it is (docs/formatting.md, "Writing files").
fn write_formatted(path: &std::path::Path, text: &str) -> Result<(), ToolError> {
    let shown = workspace::display(path);
    let error = |e: std::io::Error| {
        let why = match e.kind() {
            std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
            _ => e.to_string(),
        };
        ToolError(format!("cannot write `{shown}`: {why}; it was not formatted"))
    };
    let target = std::fs::canonicalize(path).map_err(error)?;
    let meta = std::fs::metadata(&target).map_err(error)?;
    if meta.permissions().readonly() {
        return Err(ToolError(format!(
            "`{shown}` is read-only, so it was not formatted; make it writable to format it"
        )));
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
