//! The `run` future: polls the body, watches the deadline and the grace period,
//! and joins every task.

use std::borrow::Cow;
use std::future::{poll_fn, Future};
use std::panic::{AssertUnwindSafe, Location};
use std::pin::{pin, Pin};
use std::sync::Arc;
use std::task::{Context, Poll};

use futures::FutureExt;
use tokio::time::{sleep, sleep_until, Instant, Sleep};

use crate::any_error::box_error;
use crate::shared::{Config, Payload, Shared};
use crate::timeout::{ambient_deadline, earliest, with_ambient_deadline};
use crate::{
    AnyError, BoxError, Builder, Cancelled, ConfigError, ErrorGroup, Leaf, Node, Origin, TaskGroup,
    Timeout,
};

pub(crate) async fn run<F, T, E>(
    builder: Builder,
    body: F,
    location: &'static Location<'static>,
) -> Result<T, ErrorGroup>
where
    F: AsyncFnOnce(TaskGroup) -> Result<T, E>,
    E: Into<BoxError> + 'static,
{
    let origin = Origin::body(location);
    let (shared, mut timers) = start(builder, &origin)?;
    let _abort_on_drop = AbortOnDrop(Arc::clone(&shared));
    let future = body(TaskGroup {
        shared: Arc::clone(&shared),
    });
    let mut body = pin!(Body {
        future: Some(AssertUnwindSafe(future).catch_unwind()),
        value: None,
        error: None,
    });

    poll_fn(|cx| {
        shared.waker.register(cx.waker());
        body.as_mut().poll(&shared, cx, &origin);
        // Nothing left running: the group is done even if its deadline has passed
        // meanwhile, as Python's timeout only fires at a suspension point.
        if shared.try_finish() {
            return Poll::Ready(());
        }
        timers.poll_deadline(&shared, cx, &origin);
        if timers.poll_grace(&shared, cx) {
            body.as_mut().stop(&shared);
        }
        if shared.try_finish() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await;

    shared.mark_finished();
    let body = body.project();
    let errors = shared.take_errors(body.error.take());
    if let Some(payload) = shared.take_panic() {
        report_beside_panic(errors);
        std::panic::resume_unwind(payload);
    }
    match (errors, body.value.take()) {
        (Some(errors), _) => Err(errors),
        (None, Some(value)) => Ok(value),
        (None, None) => Err(single(Cancelled, origin)),
    }
}

/// Checks the settings and creates the group's state and timers.
fn start(builder: Builder, origin: &Origin) -> Result<(Arc<Shared>, Timers), ErrorGroup> {
    if builder.limit == Some(0) {
        return Err(single(ConfigError::ZeroLimit, origin.clone()));
    }
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return Err(single(ConfigError::NoRuntime, origin.clone()));
    };
    // An enclosing deadline that had already passed when this group started is not
    // one that will cancel it in time: its group is cleaning up in a grace period
    // (or cancels on its next poll anyway). This group's own timeout must then work
    // on its own, as a timeout inside Python's `finally` does (catalogue E8).
    let enclosing = ambient_deadline().filter(|d| *d > Instant::now());
    let own = earliest(
        builder.deadline,
        builder.timeout.map(|timeout| Instant::now() + timeout),
    );
    let timeout = Timeout {
        // Reported as a timeout when the timeout, not the deadline, came first.
        after: builder
            .timeout
            .filter(|_| builder.deadline.is_none_or(|d| Some(d) != own)),
    };
    let config = Config {
        name: builder.name,
        grace: builder.grace,
        supervise: builder.supervise,
        limit: builder.limit,
        deadline_for_children: earliest(own, enclosing),
    };
    let timers = Timers {
        deadline: own.map(|d| Box::pin(sleep_until(d))),
        enclosing,
        timeout,
        grace: None,
    };
    Ok((Arc::new(Shared::new(config, runtime)), timers))
}

pin_project_lite::pin_project! {
    /// The body's future while it runs (polled by the `run` future itself, so it
    /// may borrow), then how it ended.
    struct Body<B, T> {
        #[pin]
        future: Option<B>,
        value: Option<T>,
        error: Option<Node>,
    }
}

impl<B, T, E> Body<B, T>
where
    B: Future<Output = Result<Result<T, E>, Payload>>,
    E: Into<BoxError> + 'static,
{
    /// Polls the body unless the group has stopped it, and records how it ended.
    fn poll(self: Pin<&mut Self>, shared: &Shared, cx: &mut Context<'_>, origin: &Origin) {
        let mut this = self.project();
        let Some(future) = this.future.as_mut().as_pin_mut() else {
            return;
        };
        let polled = if shared.is_stopped() {
            Poll::Ready(None) // stopped by the group: not an error
        } else {
            with_ambient_deadline(shared.deadline_for_children, || future.poll(cx)).map(Some)
        };
        let Poll::Ready(outcome) = polled else { return };
        this.future.set(None);
        match outcome {
            None => {}
            Some(Ok(Ok(value))) => *this.value = Some(value),
            Some(Ok(Err(error))) => {
                *this.error = Some(match Node::error(box_error(error)) {
                    Node::Leaf(leaf) => Node::Leaf(leaf.with_origin(origin.clone())),
                    group => group,
                });
                if !shared.supervise {
                    shared.cancel();
                }
            }
            Some(Err(payload)) => shared.panicked(payload),
        }
        shared.leave();
    }

    /// Drops the body if it still runs (the group stopped after a grace period).
    fn stop(self: Pin<&mut Self>, shared: &Shared) {
        let mut future = self.project().future;
        if future.as_mut().as_pin_mut().is_some() {
            future.set(None);
            shared.leave();
        }
    }
}

/// The group's own deadline and its grace period.
struct Timers {
    deadline: Option<Pin<Box<Sleep>>>,
    /// The enclosing groups' earliest deadline, if it had not passed at the start.
    enclosing: Option<Instant>,
    timeout: Timeout,
    grace: Option<Pin<Box<Sleep>>>,
}

impl Timers {
    /// When the deadline passes, adds the `Timeout` leaf and cancels the group,
    /// unless an enclosing deadline passed too: the outermost one wins, and its
    /// group cancels this one.
    fn poll_deadline(&mut self, shared: &Shared, cx: &mut Context<'_>, origin: &Origin) {
        let Some(timer) = self.deadline.as_mut() else {
            return;
        };
        // Tokio's timer rounds a deadline up to its next millisecond tick, so a
        // zero timeout would let the body run past its first await (E4); the
        // clock says whether the deadline has passed.
        if timer.deadline() > Instant::now() && timer.as_mut().poll(cx).is_pending() {
            return;
        }
        self.deadline = None;
        if self.enclosing.is_none_or(|d| d > Instant::now()) {
            let leaf = Leaf::new(AnyError::from(self.timeout)).with_origin(origin.clone());
            shared.push(Node::Leaf(leaf));
            shared.cancel();
        }
    }

    /// Once the group is cancelling, waits out the grace period, then stops the
    /// tasks; `true` when it stopped them now (the body must stop too).
    fn poll_grace(&mut self, shared: &Shared, cx: &mut Context<'_>) -> bool {
        if !shared.soft.is_cancelled() || shared.is_stopped() {
            return false;
        }
        let period = shared.grace.unwrap_or_default();
        let timer = self.grace.get_or_insert_with(|| Box::pin(sleep(period)));
        if timer.as_mut().poll(cx).is_pending() {
            return false;
        }
        shared.stop();
        true
    }
}

/// Stops the tasks if the `run` future is dropped before it finished.
struct AbortOnDrop(Arc<Shared>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
        self.0.mark_finished();
    }
}

/// A group with one leaf, for the outcomes that are not task errors.
fn single(error: impl Into<AnyError>, origin: Origin) -> ErrorGroup {
    let leaf = Leaf::new(error.into()).with_origin(origin);
    ErrorGroup::from_children(
        Cow::Borrowed(crate::TASK_GROUP_MESSAGE),
        Vec::new(),
        vec![Node::Leaf(leaf)],
    )
}

/// A panic wins over errors, which cannot travel with its payload; print them
/// so they are not silently lost (DESIGN.md rule 3.7).
fn report_beside_panic(errors: Option<ErrorGroup>) {
    let Some(errors) = errors else { return };
    #[cfg(feature = "tracing")]
    tracing::error!(%errors, "a task group panicked; these errors were collected before the panic");
    #[cfg(not(feature = "tracing"))]
    eprintln!(
        "taskgroup: a task group panicked; these errors were collected before the panic:\n{errors}"
    );
}
