//! Wall time per stage of a build, for `EXPLAINER_TIMINGS=1` and the benchmarks.

use std::time::Instant;

/// The time each stage took, in order.
#[derive(Debug)]
pub struct Timings {
    started: Instant,
    last: Instant,
    /// Each stage's name and wall time in milliseconds.
    pub stages: Vec<(&'static str, f64)>,
}

impl Timings {
    /// Starts timing now.
    pub fn start() -> Self {
        let now = Instant::now();
        Timings {
            started: now,
            last: now,
            stages: vec![],
        }
    }

    /// Records the time since the previous mark as stage `name`.
    pub fn mark(&mut self, name: &'static str) {
        let now = Instant::now();
        self.stages
            .push((name, (now - self.last).as_secs_f64() * 1000.0));
        self.last = now;
    }

    /// Milliseconds since the start.
    pub fn elapsed_ms(&self) -> f64 {
        self.started.elapsed().as_secs_f64() * 1000.0
    }
}
