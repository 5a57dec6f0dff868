//! The command line: argument parsing and all printing. Exit codes (spec section 7):
//! 0 no errors, 1 errors found (or `fmt --check` found changes), 2 the tool could not
//! do its job.

use std::io::{IsTerminal as _, Write as _};
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};
use strata::diagnostics::render::{self, Sources};
use strata::diagnostics::{Code, Diagnostic, Kind, Severity, suggest};
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
    /// Print the long explanation of a diagnostic code.
    Explain(ExplainArgs),
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
        Command::Explain(args) => explain(&args),
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
    let loaded = workspace::load(&args.paths)?;
    let mut all = AllSources { files: Vec::new() };
    let mut diagnostics: Vec<Diagnostic> = Vec::new();
    let mut file_count = 0;
    for item in &loaded {
        let analysis = strata::check(&item.workspace);
        let offset = all.files.len() as u32;
        all.files.extend(item.workspace.files.iter());
        all.files.extend(item.workspace.config.iter());
        file_count += item.workspace.files.len();
        for mut diag in analysis.diagnostics {
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

fn shift(diag: &mut Diagnostic, offset: u32) {
    diag.primary.loc.file.0 += offset;
    for label in &mut diag.secondary {
        label.loc.file.0 += offset;
    }
}

/// Writes to `--output FILE`, or to stderr (`human`) or stdout (the rest).
fn write_output(path: Option<&PathBuf>, text: &str, to_stderr: bool) -> Result<(), ToolError> {
    let result = match path {
        Some(path) => std::fs::write(path, text)
            .map_err(|e| ToolError(format!("cannot write `{}`: {e}", workspace::display(path)))),
        None if to_stderr => std::io::stderr().write_all(text.as_bytes()).map_err(|e| ToolError(e.to_string())),
        None => std::io::stdout().write_all(text.as_bytes()).map_err(|e| ToolError(e.to_string())),
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
