//! Steps of a long scenario test: each names itself, so a failure says which step
//! of the story broke instead of only a line number deep inside it.
//!
//! ```ignore
//! step("the dealer files the claim", flow.dealer_files_the_claim()).await;
//! ```

use std::future::Future;

/// Prints the step as it starts; if the step panics, says so on the way out.
struct Current(&'static str);

impl Drop for Current {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("*** the step that failed: {}", self.0);
        }
    }
}

/// Runs one named step of a scenario.
pub async fn step<T>(name: &'static str, work: impl Future<Output = T>) -> T {
    println!("--- step: {name}");
    let current = Current(name);
    let out = work.await;
    drop(current);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_step_returns_what_its_work_returns() {
        assert_eq!(step("answer", async { 42 }).await, 42);
    }

    #[test]
    fn a_failing_step_is_named() {
        // The panic goes through the guard (whose message goes to the captured
        // stderr) and on to the test: a step never swallows a failure.
        let result =
            std::panic::catch_unwind(|| block_on(step("breaks", async { panic!("boom") })));
        assert!(result.is_err());
    }

    fn block_on<F: Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }
}
