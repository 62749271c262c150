//! The `starl` command line: argument parsing and dispatch. Each command lives in its own module;
//! this file only turns their outcome into an exit status.
//!
//! Exit status: 0 clean, 1 findings that fail the lint, 2 usage errors and unreadable inputs.

mod coach;
mod inputs;
mod journal;
mod lint;
mod render;
mod rules_cmd;
mod serve;
mod serve_multi;
mod server_admin;
mod settings;

use std::io::Write;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};

/// mimalloc: compiling the rule set at start-up is allocation-heavy (a third of a one-story
/// `starl lint` was glibc malloc/free), and mimalloc serves those small, short-lived blocks faster.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The exit status for usage errors, bad configuration and unreadable inputs.
pub const EXIT_TROUBLE: u8 = 2;

const ABOUT: &str = "starl: face, learn from and talk about failure.";

const LONG_ABOUT: &str = "\
starl reads the failure stories you tell in interviews (\"Tell me about a time you failed\") and
says what an interviewer will hear: blame-shifting, excuses, a missing lesson, a story too long to
tell - and what already works, against the STAR, STAR-L, four-part and failure-arc frameworks.";

const EXAMPLES: &str = "\
\x1b[1m\x1b[4mExamples:\x1b[0m
  starl lint story.md                      Check one story
  starl lint stories/ --format short       One line per finding, for every story in a folder
  cat story.md | starl lint -              Check a story from standard input
  starl rules                              List every rule
  starl explain blame-shifting             Why a rule matters, with a better way to say it";

#[derive(Debug, Parser)]
#[command(name = "starl", version, about = ABOUT, long_about = LONG_ABOUT, after_help = EXAMPLES)]
#[command(max_term_width = 100)]
struct Cli {
    /// When to use colours: auto uses them on a terminal unless NO_COLOR is set.
    #[arg(long, value_enum, default_value_t = ColorWhen::Auto, global = true, value_name = "WHEN")]
    color: ColorWhen,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ColorWhen {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
enum Command {
    Lint(lint::LintArgs),
    Rules(rules_cmd::RulesArgs),
    Explain(rules_cmd::ExplainArgs),
    Completions(CompletionsArgs),
    /// Serve the Language Server Protocol on standard input/output, for editors.
    Lsp,
    Serve(serve::ServeArgs),
    Migrate(server_admin::MigrateArgs),
    Admin(server_admin::AdminCommand),
    /// The failure journal and the story bank (log, entries, story, bank, export, ...).
    #[command(flatten)]
    Journal(journal::JournalCommand),
    /// Practice, reframing, peer review and the quarterly review.
    #[command(flatten)]
    Coach(coach::CoachCommand),
}

/// Print a shell completion script for starl.
///
/// Write the script where your shell loads completions from; it completes subcommands, options
/// and their values.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
\x1b[1m\x1b[4mExamples:\x1b[0m
  starl completions bash > ~/.local/share/bash-completion/completions/starl
  starl completions zsh > ~/.zfunc/_starl
  starl completions fish > ~/.config/fish/completions/starl.fish")]
struct CompletionsArgs {
    /// The shell to write the script for.
    shell: clap_complete::Shell,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    anstream::ColorChoice::write_global(match cli.color {
        ColorWhen::Auto => anstream::ColorChoice::Auto,
        ColorWhen::Always => anstream::ColorChoice::Always,
        ColorWhen::Never => anstream::ColorChoice::Never,
    });
    let result = match cli.command {
        Command::Lint(args) => lint::run(&args),
        Command::Rules(args) => rules_cmd::rules(&args),
        Command::Explain(args) => rules_cmd::explain(&args),
        Command::Completions(args) => completions(args.shell),
        Command::Lsp => starl_lsp::run_stdio().map(|()| ExitCode::SUCCESS),
        Command::Serve(args) => serve::run(&args),
        Command::Migrate(args) => server_admin::migrate(&args),
        Command::Admin(args) => server_admin::admin(&args),
        Command::Journal(command) => journal::run(command),
        Command::Coach(command) => coach::run(command),
    };
    match result {
        Ok(code) => code,
        // A reader that stops early (`starl lint x | head -1`) is not an error.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            report_error(&format!("{e:#}"));
            ExitCode::from(EXIT_TROUBLE)
        }
    }
}

fn completions(shell: clap_complete::Shell) -> anyhow::Result<ExitCode> {
    // clap_complete panics when its writer fails, so it writes to memory, and this function to
    // standard output, where a closed pipe is an error like any other.
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "starl", &mut script);
    let mut out = std::io::stdout().lock();
    out.write_all(&script)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe))
}

/// Print `error: MESSAGE` on standard error. Failing to write to standard error is ignored:
/// there is nowhere left to say so.
pub fn report_error(message: &str) {
    let style = anstyle::AnsiColor::BrightRed.on_default().bold();
    let _ = writeln!(anstream::stderr(), "{style}error{style:#}: {message}");
}

/// Print `note: MESSAGE` on standard error.
pub fn report_note(message: &str) {
    let style = anstyle::AnsiColor::BrightGreen.on_default().bold();
    let _ = writeln!(anstream::stderr(), "{style}note{style:#}: {message}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}
