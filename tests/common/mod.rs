//! Helpers shared by the integration tests: each was written again in several
//! files under `tests/` before it moved here.
//!
//! A test file uses it with `mod common;`. Cargo builds every file under `tests/`
//! as its own crate, so each of them compiles this module anew; the macros
//! therefore name it as `$crate::common`.
//!
//! What is here is what is the same everywhere. A test that pins a particular
//! error text keeps its own error types: [`error_types!`] only spares it the
//! `Display` and `Error` boilerplate, the text stays in the test file.

// Each test crate uses only part of this module, and a different part each: what
// one crate leaves unused another uses, so the lint would only be noise here. The
// macros say the same to `unused_macros` and `unused_imports` where they stand.
#![allow(dead_code)]

pub mod oracle;

use std::any::Any;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Once, PoisonError};
use std::time::Duration;

use futures::FutureExt;
use taskgroup::{ErrorGroup, Node, TaskGroup, TaskHandle};
use tokio::sync::Notify;

// ---------------------------------------------------------------------------
// Error types
// ---------------------------------------------------------------------------

/// Defines error types for tests: each struct as written (its attributes,
/// derives and visibility included), a `Display` that writes the given text, and an empty
/// `std::error::Error` impl.
///
/// A unit struct writes a fixed string; a one-field tuple struct writes its field
/// through a format string with one `{}`:
///
/// ```ignore
/// common::error_types! {
///     #[derive(Debug)]
///     struct Boom => "boom";
///
///     /// `ValueError(n)` shows as `bad value n`.
///     #[derive(Debug, PartialEq)]
///     struct ValueError(u32) => "bad value {}";
/// }
/// ```
///
/// Paths are absolute (`::std::fmt`) so that the expansion does not depend on
/// the test file's imports, nor resolve through a local `core` module (the macro
/// hygiene tests declare one).
#[allow(unused_macros)]
macro_rules! error_types {
    () => {};
    ($(#[$attr:meta])* $vis:vis struct $name:ident => $text:expr; $($rest:tt)*) => {
        $(#[$attr])*
        $vis struct $name;

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str($text)
            }
        }

        impl ::std::error::Error for $name {}

        $crate::common::error_types! { $($rest)* }
    };
    ($(#[$attr:meta])* $vis:vis struct $name:ident($field:ty) => $format:expr; $($rest:tt)*) => {
        $(#[$attr])*
        $vis struct $name($field);

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                write!(f, $format, self.0)
            }
        }

        impl ::std::error::Error for $name {}

        $crate::common::error_types! { $($rest)* }
    };
}
#[allow(unused_imports)]
pub(crate) use error_types;

/// Unit error types that display as their own name, as Python prints an
/// exception raised without arguments: `python_errors!(KeyError, TypeError);`.
#[allow(unused_macros)]
macro_rules! python_errors {
    ($($name:ident),* $(,)?) => {$(
        $crate::common::error_types! {
            #[derive(Debug, Clone, PartialEq, Eq)]
            struct $name => stringify!($name);
        }
    )*};
}
#[allow(unused_imports)]
pub(crate) use python_errors;

/// The errors of `eg` as strings, depth-first.
pub fn messages(eg: &ErrorGroup) -> Vec<String> {
    eg.iter().map(ToString::to_string).collect()
}

/// The leaves of type `E` directly under `eg`, in order (a nested group's do not
/// count): where a test pins what the group itself added, such as its `Timeout`.
pub fn top_level<E: std::error::Error + Clone + 'static>(eg: &ErrorGroup) -> Vec<E> {
    eg.children()
        .iter()
        .filter_map(|child| match child {
            Node::Leaf(leaf) => leaf.error().downcast_ref::<E>().cloned(),
            Node::Group(_) => None,
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Counters and flags shared between a test and its tasks
// ---------------------------------------------------------------------------

/// Counts live futures: each [`Live::guard`] is moved into a future and counts
/// itself out when the future is dropped, whether it finished, was cancelled or
/// never ran. One counter (rather than "created" and "dropped" read one after
/// the other) so that a reading taken while guards come and go on other threads
/// is still a count that existed.
#[derive(Clone, Default)]
pub struct Live(Arc<LiveCount>);

#[derive(Default)]
struct LiveCount {
    alive: AtomicUsize,
    /// Woken each time the count drops to zero.
    none_left: Notify,
}

/// One live future of a [`Live`] counter; counts it out on drop.
pub struct LiveGuard(Arc<LiveCount>);

impl Live {
    /// Counts one more live future, until the guard is dropped.
    pub fn guard(&self) -> LiveGuard {
        self.0.alive.fetch_add(1, Ordering::SeqCst);
        LiveGuard(Arc::clone(&self.0))
    }

    /// How many guards are alive now.
    pub fn alive(&self) -> usize {
        self.0.alive.load(Ordering::SeqCst)
    }

    /// Waits until no guard is alive: for futures dropped asynchronously (aborted
    /// tasks of a dropped group stop at their next poll, on a worker thread).
    /// Woken by the last guard's drop, not by polling the clock; fails the test
    /// through [`watchdog`] if some guard is never dropped.
    pub async fn none_left(&self) {
        watchdog("every guarded future to be dropped", async {
            loop {
                // Created before the check: `notify_waiters` reaches a `Notified`
                // from its creation on, so a drop between the check and the
                // `.await` is not missed.
                let dropped = self.0.none_left.notified();
                if self.alive() == 0 {
                    return;
                }
                dropped.await;
            }
        })
        .await;
    }
}

impl Live {
    /// A task future that holds a guard and sleeps for `period` (`HOUR`: until
    /// it is cancelled).
    pub fn sleeper(
        &self,
        period: Duration,
    ) -> impl std::future::Future<Output = ()> + Send + 'static {
        let guard = self.guard();
        async move {
            let _guard = guard;
            tokio::time::sleep(period).await;
        }
    }

    /// Spawns `n` [`sleeper`](Live::sleeper)s of `period` into `tg`.
    pub fn spawn_sleepers(
        &self,
        tg: &TaskGroup,
        n: usize,
        period: Duration,
    ) -> Vec<TaskHandle<()>> {
        (0..n).map(|_| tg.spawn(self.sleeper(period))).collect()
    }

    /// Spawns `n` [`pending`](Live::pending) futures into `tg`.
    pub fn spawn_pending(&self, tg: &TaskGroup, n: usize) -> Vec<TaskHandle<()>> {
        (0..n).map(|_| tg.spawn(self.pending())).collect()
    }

    /// A task future that holds a guard and never completes: it ends only by
    /// being dropped (cancelled, aborted, or refused).
    pub fn pending(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let guard = self.guard();
        async move {
            let _guard = guard;
            std::future::pending::<()>().await;
        }
    }
}

impl Drop for LiveGuard {
    fn drop(&mut self) {
        if self.0.alive.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.none_left.notify_waiters();
        }
    }
}

/// The most tasks seen inside a section at once (for `limit(n)`): a task calls
/// [`enter`](Concurrency::enter) as it starts and [`leave`](Concurrency::leave)
/// as it ends.
#[derive(Clone, Default)]
pub struct Concurrency {
    now: Arc<AtomicUsize>,
    max: Arc<AtomicUsize>,
}

impl Concurrency {
    /// One more task inside.
    pub fn enter(&self) {
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.max.fetch_max(now, Ordering::SeqCst);
    }

    /// One task fewer inside.
    pub fn leave(&self) {
        self.now.fetch_sub(1, Ordering::SeqCst);
    }

    /// The most tasks that were inside at once.
    pub fn max(&self) -> usize {
        self.max.load(Ordering::SeqCst)
    }
}

/// A shared flag: set once by a task, read by the test.
#[derive(Clone, Default)]
pub struct Flag(Arc<AtomicBool>);

impl Flag {
    /// Raises the flag.
    pub fn set(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether the flag was raised.
    pub fn get(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// Locks `mutex` even if a task panicked while holding it: the tests that panic
/// on purpose still want to read what was recorded.
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

// ---------------------------------------------------------------------------
// Time and panics
// ---------------------------------------------------------------------------

/// Python's seconds as a `Duration`, so ported timings read as in CPython.
pub fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

/// Milliseconds as a `Duration`.
pub fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// "Until cancelled": longer than any test waits.
pub const HOUR: Duration = Duration::from_secs(3600);

/// How long a test waits for something that must happen (a thread to meet
/// another, an aborted task to be dropped) before it reports a hang. Not a timing
/// the test depends on: what it waits for takes microseconds, and is awaited
/// through a channel or a notification, not by sleeping; the bound only turns a
/// bug (a hang) into a failure instead of a test that never ends.
pub const WATCHDOG: Duration = Duration::from_secs(60);

/// Awaits `future`, failing the test if it takes longer than [`WATCHDOG`]
/// (`waiting_for` says what did not happen). For multi-thread tests, on the real
/// clock; on a paused clock the bound is virtual and only ends a hang.
pub async fn watchdog<F: std::future::Future>(waiting_for: &str, future: F) -> F::Output {
    match tokio::time::timeout(WATCHDOG, future).await {
        Ok(output) => output,
        Err(_) => panic!("still waiting for {waiting_for} after {WATCHDOG:?}: a hang"),
    }
}

/// Lets every task woken by a cancellation run its last poll (the paused clock
/// only advances once the runtime is idle).
pub async fn settle() {
    tokio::time::sleep(Duration::from_millis(1)).await;
}

/// Sleeps for `period` or until `tg` starts cancelling, whichever comes first:
/// Python's `try: await asyncio.sleep(t) except CancelledError: pass`, for a body
/// or task that goes on to do its cleanup.
pub async fn sleep_or_cancelled(tg: &TaskGroup, period: Duration) {
    tokio::select! {
        () = tokio::time::sleep(period) => {}
        () = tg.cancelled() => {}
    }
}

/// A current-thread runtime with its clock paused, for tests that drive a
/// runtime themselves (and so cannot use `#[tokio::test(start_paused = true)]`).
pub fn paused_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap()
}

/// Awaits `future`, which must panic, and gives back the payload that resumed in
/// the caller; fails the test with `expected` if it returns instead.
pub async fn resumed_panic<F: std::future::Future>(
    expected: &str,
    future: F,
) -> Box<dyn Any + Send> {
    match std::panic::AssertUnwindSafe(future).catch_unwind().await {
        Ok(_) => panic!("the future returned; expected: {expected}"),
        Err(payload) => payload,
    }
}

/// Whether a panic's payload is a `P`.
pub fn payload_is<P: Any>(payload: &(dyn Any + Send)) -> bool {
    payload.downcast_ref::<P>().is_some()
}

/// Keeps panics whose payload is a `P` off stderr: the test raises them on
/// purpose. Every other panic (a failed assertion, a panic inside the library)
/// is reported as usual.
///
/// The hook is installed once per test crate, for the first `P` asked for (the
/// `Once` is shared by every `P`); each crate uses a single payload type.
pub fn quiet_expected_panics<P: Any>() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if info.payload().downcast_ref::<P>().is_none() {
                default(info);
            }
        }));
    });
}
