//! [`Settings`]: what a group's builder collects, whatever its mode; what
//! the `run` future starts the group with.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

/// What a builder collects, whatever its mode.
#[derive(Debug, Clone, Default)]
pub(crate) struct Settings {
    pub(crate) name: Option<Arc<str>>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) deadline: Option<Instant>,
    pub(crate) limit: Option<usize>,
    pub(crate) grace: Option<Duration>,
    pub(crate) supervise: bool,
    #[cfg(feature = "tokio-util")]
    pub(crate) cancel_on: Option<tokio_util::sync::CancellationToken>,
}
