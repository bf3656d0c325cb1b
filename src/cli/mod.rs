//! The command line for people: `connector-doctor diagnose` runs one diagnosis on this machine
//! with the AWS SDK's credential chain, `connector-doctor explain` finds the catalogue entries
//! for an error text, `connector-doctor evaluate` decides a request with the policy evaluator.
//! Without a subcommand (or with `serve`) the binary is the service.

mod args;
mod coverage_text;
mod credentials;
mod diagnose;
mod evaluate;
mod evaluate_lines;
mod exit;
mod explain;
mod progress;
mod text_report;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::Parser;

use args::{Tool, ToolCommand};
use exit::Exit;

/// Whether `args` (the program name first) name one of the tools rather than the service.
pub fn names_a_tool(args: &[OsString]) -> bool {
    args.get(1)
        .and_then(|arg| arg.to_str())
        .is_some_and(|arg| matches!(arg, "diagnose" | "explain" | "evaluate"))
}

/// Runs the tool `args` name; the process's exit status.
pub fn run(args: Vec<OsString>) -> ExitCode {
    let tool = match Tool::try_parse_from(args) {
        Ok(tool) => tool,
        Err(error) => {
            // `--help` and `--version` are answers, everything else a usage error.
            let _ = error.print();
            return if error.use_stderr() {
                Exit::Usage.into()
            } else {
                Exit::Healthy.into()
            };
        }
    };
    match tool.command {
        ToolCommand::Diagnose(args) => diagnose::run(*args).into(),
        ToolCommand::Explain(args) => explain::run(&args).into(),
        ToolCommand::Evaluate(args) => evaluate::run(&args).into(),
    }
}
