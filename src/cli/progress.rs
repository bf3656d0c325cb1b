//! Progress on standard error while a diagnosis runs: on a terminal a spinner with the step
//! that is running (finished steps stay as lines); otherwise one plain line per step.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

/// Shows the steps of one diagnosis on standard error.
pub struct Steps {
    spinner: Option<ProgressBar>,
    current: Mutex<Option<(String, Instant)>>,
}

impl Steps {
    /// A spinner when standard error is a terminal, plain lines otherwise.
    pub fn on_stderr() -> Self {
        let spinner = std::io::stderr().is_terminal().then(|| {
            let spinner = ProgressBar::new_spinner();
            spinner.set_style(
                ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            spinner.enable_steady_tick(Duration::from_millis(100));
            spinner
        });
        Self {
            spinner,
            current: Mutex::new(None),
        }
    }

    /// A step began, e.g. "Verifying the credentials with STS"; the one before it ended.
    pub fn step(&self, what: &str) {
        self.close_current();
        match &self.spinner {
            Some(spinner) => spinner.set_message(what.to_owned()),
            None => eprintln!("connector-doctor: {what}"),
        }
        *self
            .current
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) =
            Some((what.to_owned(), Instant::now()));
    }

    /// The last step ended; the spinner goes away.
    pub fn finish(&self) {
        self.close_current();
        if let Some(spinner) = &self.spinner {
            spinner.finish_and_clear();
        }
    }

    fn close_current(&self) {
        let mut current = self
            .current
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let (Some((step, started)), Some(spinner)) = (current.take(), &self.spinner) {
            spinner.println(format!(
                "✓ {step} ({:.1} s)",
                started.elapsed().as_secs_f64()
            ));
        }
    }
}
