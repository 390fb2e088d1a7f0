//! Why tests failed, said again at the end of the run.
//!
//! libtest prints a failed test's panic message in the middle of its output, followed by a
//! backtrace when `RUST_BACKTRACE` is set; a log that keeps only its tail (as CI's does)
//! then shows the backtrace and the list of failed tests, but not what they asserted. The
//! test stage reads libtest's output as it passes, prints it unchanged, and keeps each
//! failed test's panic message, so the stage's failure can end with them.

use std::io::BufRead;

/// Lines kept of one panic message, and characters of one line.
const MESSAGE_LINES: usize = 40;
const LINE_CHARS: usize = 300;

/// The panic messages of the failed tests in libtest's output, read line by line.
#[derive(Default)]
pub struct Panics {
    /// The failed test whose captured output is being read, if any.
    test: Option<String>,
    /// Whether the lines now read belong to a panic message.
    in_message: bool,
    /// `(test, message lines)`, in the order they were read.
    found: Vec<(String, Vec<String>)>,
}

impl Panics {
    /// Takes one line of libtest's output (without its line ending).
    pub fn read(&mut self, line: &str) {
        if let Some(name) = line
            .strip_prefix("---- ")
            .and_then(|rest| rest.strip_suffix(" stdout ----"))
        {
            self.test = Some(name.to_owned());
            self.in_message = false;
            return;
        }
        if line == "failures:" || line.starts_with("test result:") {
            self.test = None;
            self.in_message = false;
            return;
        }
        let Some(test) = &self.test else {
            return;
        };
        // `thread 'name' panicked at …`; newer toolchains (1.95 here) put the thread's id
        // after its name: `thread 'name' (14994) panicked at …`.
        if let Some((_, at)) = line
            .strip_prefix("thread '")
            .and_then(|rest| rest.split_once(" panicked at "))
        {
            self.found
                .push((test.clone(), vec![format!("panicked at {at}")]));
            self.in_message = true;
            return;
        }
        if !self.in_message {
            return;
        }
        // What libtest and the panic hook add after the message.
        if line == "stack backtrace:" || line.starts_with("note: ") {
            self.in_message = false;
            return;
        }
        if let Some((_, lines)) = self.found.last_mut() {
            if lines.len() < MESSAGE_LINES {
                lines.push(shortened(line));
            } else if lines.len() == MESSAGE_LINES {
                lines.push("…".to_owned());
            }
        }
    }

    /// Reads every line of `from`, printing each as it comes. After a read error the rest is
    /// drained unread, so the writer never blocks on a full pipe.
    pub fn echo(&mut self, mut from: impl BufRead) {
        for line in from.by_ref().split(b'\n') {
            let Ok(line) = line else { break };
            let text = String::from_utf8_lossy(&line);
            let text = text.strip_suffix('\r').unwrap_or(&text);
            println!("{text}");
            self.read(text);
        }
        let _ = std::io::copy(&mut from, &mut std::io::sink());
    }

    /// The messages, one block per failed test, or nothing when no test panicked.
    pub fn summary(&self) -> String {
        self.found
            .iter()
            .map(|(test, lines)| {
                let kept = lines
                    .iter()
                    .rposition(|l| !l.trim().is_empty())
                    .map_or(0, |i| i + 1);
                let body: Vec<String> = lines[..kept].iter().map(|l| format!("    {l}")).collect();
                format!("  {test}\n{}", body.join("\n"))
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

fn shortened(line: &str) -> String {
    match line.char_indices().nth(LINE_CHARS) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(text: &str) -> Panics {
        let mut p = Panics::default();
        for line in text.lines() {
            p.read(line);
        }
        p
    }

    #[test]
    fn a_failed_tests_message_is_kept_without_its_backtrace_or_output() {
        let p = read_all(
            "test a::ok ... ok\n\
             test contract::sqlite::x ... FAILED\n\
             \n\
             failures:\n\
             \n\
             ---- contract::sqlite::x stdout ----\n\
             GET /api/v1/x [200]\n\
             \n\
             thread 'contract::sqlite::x' panicked at tests/api/contract.rs:466:5:\n\
             2 contract violations of 1 kinds on Sqlite (replay with LABDAY_FUZZ_SEED=7):\n\
             answered 500\n\
             stack backtrace:\n\
             \x20  0: rust_begin_unwind\n\
             note: Some details are omitted\n\
             \n\
             failures:\n\
             \x20   contract::sqlite::x\n\
             \n\
             test result: FAILED. 1 passed; 1 failed\n",
        );
        assert_eq!(
            p.summary(),
            "  contract::sqlite::x\n\
             \x20   panicked at tests/api/contract.rs:466:5:\n\
             \x20   2 contract violations of 1 kinds on Sqlite (replay with LABDAY_FUZZ_SEED=7):\n\
             \x20   answered 500"
        );
    }

    #[test]
    fn passing_runs_and_panics_outside_a_failure_report_give_nothing() {
        let p = read_all(
            "test a ... ok\n\
             thread 'main' panicked at src/lib.rs:1:1:\n\
             boom\n\
             test result: ok. 1 passed; 0 failed\n",
        );
        assert_eq!(p.summary(), "");
    }

    #[test]
    fn each_failed_test_gets_its_own_block_and_long_messages_are_cut() {
        let long = "x".repeat(1000);
        let mut text = String::from("---- a stdout ----\nthread 'a' panicked at a.rs:1:1:\n");
        for _ in 0..100 {
            text.push_str(&long);
            text.push('\n');
        }
        text.push_str("---- b stdout ----\nthread 'b' panicked at b.rs:2:2:\nbad\n\nfailures:\n");
        let p = read_all(&text);
        assert_eq!(p.found.len(), 2);
        // Newer toolchains print the thread's id after its name.
        let with_id =
            read_all("---- c stdout ----\nthread 'c' (14994) panicked at c.rs:3:3:\nonly 45\n");
        assert_eq!(
            with_id.summary(),
            "  c\n    panicked at c.rs:3:3:\n    only 45"
        );
        let (a, lines) = &p.found[0];
        assert_eq!(a, "a");
        assert_eq!(lines.len(), MESSAGE_LINES + 1);
        assert_eq!(lines[1].chars().count(), LINE_CHARS + 1);
        assert_eq!(lines.last().map(String::as_str), Some("…"));
        assert!(p
            .summary()
            .ends_with("…\n  b\n    panicked at b.rs:2:2:\n    bad"));
    }
}
