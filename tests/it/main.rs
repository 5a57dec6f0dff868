//! The one integration-test binary: data fixtures under `tests/fixtures/`, each input
//! beside its expected output. Bless changed outputs with `UPDATE_EXPECT=1 cargo test`
//! (never under `CI=true`), then read the diff before committing it.

mod check;
mod cli;
mod common;
mod corpus;
mod diff;
mod docs;
mod evidence;
mod export;
mod files;
mod fmt;
mod hostile;
mod incremental;
mod lsp;
mod lsp_abuse;
mod props;
mod report;
mod server_diff;
mod shapes;
mod story;
mod syntax;
mod tidy;
