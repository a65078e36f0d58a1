//! What the command line prints, in one place: output is gathered in a `String` ([`outln!`]) and
//! written once by [`emit`], `--json` goes through [`emit_json`], and a closed pipe
//! (`avstem entries … | head`) ends the output quietly instead of panicking as `println!` would.
//! Also the value parsers shared by several subcommands' flags.

use avstem_core::model::{Topic, YearMonth};
use avstem_core::{Error, Result};
use serde::Serialize;

/// `writeln!` into a `String` buffer: output is written once, at the end, by [`emit`].
#[macro_export]
#[doc(hidden)]
macro_rules! outln {
    ($buf:expr) => {{
        $buf.push('\n');
    }};
    ($buf:expr, $($arg:tt)*) => {{
        use std::fmt::Write as _;
        let _ = writeln!($buf, $($arg)*);
    }};
}

/// `println!` through [`emit`]: evaluates to `Result<()>`, so a closed pipe is not a panic.
#[macro_export]
#[doc(hidden)]
macro_rules! sayln {
    ($($arg:tt)*) => {
        $crate::output::emit(&format!("{}\n", format_args!($($arg)*)))
    };
}

/// Write a command's output to stdout. A closed pipe is not an error.
pub fn emit(text: &str) -> Result<()> {
    emit_to(&mut std::io::stdout().lock(), text)
}

fn emit_to(out: &mut impl std::io::Write, text: &str) -> Result<()> {
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Error::Io(format!("Could not write the output ({e})."))),
    }
}

/// `--json`: the value, pretty-printed, on stdout.
pub fn emit_json<T: Serialize>(value: &T) -> Result<()> {
    let mut text = serde_json::to_string_pretty(value).map_err(|e| Error::Io(e.to_string()))?;
    text.push('\n');
    emit(&text)
}

/// `--month YYYY-MM`.
pub fn parse_month(s: &str) -> std::result::Result<YearMonth, String> {
    YearMonth::parse(s).ok_or_else(|| format!("not a month (YYYY-MM): {s}"))
}

/// `--topic funds|fees`.
pub fn parse_topic(s: &str) -> std::result::Result<Topic, String> {
    Topic::parse(s).ok_or_else(|| format!("not a topic (funds or fees): {s}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer whose reader has gone away, like stdout into `head` after it exits.
    struct ClosedPipe;
    impl std::io::Write for ClosedPipe {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// A full disk, which is an error the user must hear about.
    struct Full;
    impl std::io::Write for Full {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("No space left on device"))
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_closed_pipe_ends_the_output_quietly_and_a_full_disk_is_named() {
        assert!(emit_to(&mut ClosedPipe, "x\n").is_ok());
        let err = emit_to(&mut Full, "x\n").expect_err("full");
        assert_eq!(
            err.to_string(),
            "Could not write the output (No space left on device)."
        );
        let mut buf = Vec::new();
        emit_to(&mut buf, "a\nb\n").expect("written");
        assert_eq!(buf, b"a\nb\n");
    }

    #[test]
    fn months_and_topics_parse_or_say_what_was_wrong() {
        assert_eq!(
            parse_month("2026-10").map(|m| m.to_string()),
            Ok("2026-10".to_string())
        );
        assert_eq!(
            parse_month("2026-13"),
            Err("not a month (YYYY-MM): 2026-13".to_string())
        );
        assert_eq!(parse_topic("fees"), Ok(Topic::Fees));
        assert_eq!(
            parse_topic("x"),
            Err("not a topic (funds or fees): x".to_string())
        );
    }
}
