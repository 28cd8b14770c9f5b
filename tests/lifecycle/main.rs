//! Behaviour tests of a group's lifecycle: background tasks, the readiness
//! handshake, cancellation reasons, nested cancellation, the reschedulable
//! deadline, results in completion order, outside shutdown and backpressure.
//! One test binary, one module per concept.

#[path = "../common/mod.rs"]
mod common;

mod background;
mod backpressure;
mod cancel_reasons;
mod completions;
mod nested;
mod report;
mod reschedule;
mod shutdown;
mod start;
