//! The `strata` binary: runs the command line and turns its outcome into an exit code.

mod cli;

fn main() {
    std::process::exit(cli::run());
}
