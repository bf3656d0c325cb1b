//! The runtime diagnoses run on: worker threads with deep stacks.
//!
//! A diagnosis polls deeply nested AWS SDK futures (every region, every service at once);
//! unoptimised builds need more stack than actix's worker threads have, so diagnoses run
//! here and the HTTP worker only awaits the result.

use std::sync::Arc;

use tokio::runtime::{Handle, Runtime};

/// Stack of each diagnosis thread (virtual memory; only what is touched is resident).
const STACK_BYTES: usize = 16 * 1024 * 1024;

/// A multi-threaded runtime owned by the service; shut down without blocking when dropped.
#[derive(Clone)]
pub struct Executor {
    inner: Arc<RuntimeGuard>,
}

struct RuntimeGuard(Option<Runtime>);

impl Drop for RuntimeGuard {
    fn drop(&mut self) {
        // Dropping a runtime blocks, which panics inside another runtime; this does not.
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

impl Executor {
    /// Starts the runtime's threads.
    pub fn new() -> std::io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .thread_name("diagnosis")
            .thread_stack_size(STACK_BYTES)
            .enable_all()
            .build()?;
        Ok(Self {
            inner: Arc::new(RuntimeGuard(Some(runtime))),
        })
    }

    /// The handle to spawn on.
    pub fn handle(&self) -> &Handle {
        match &self.inner.0 {
            Some(runtime) => runtime.handle(),
            None => unreachable!("the runtime lives as long as the guard"),
        }
    }
}
