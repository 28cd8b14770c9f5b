//! The `run` future: polls the body, watches the deadline and the grace period,
//! and joins every task.

use std::borrow::Cow;
use std::future::{poll_fn, Future};
use std::panic::{AssertUnwindSafe, Location};
use std::pin::{pin, Pin};
use std::sync::Arc;
use std::task::Poll;

use futures::FutureExt;
use tokio::time::{sleep, sleep_until, Instant, Sleep};

use crate::any_error::box_error;
use crate::shared::{Config, Shared};
use crate::timeout::{ambient_deadline, earliest, with_ambient_deadline};
use crate::{
    AnyError, BoxError, Builder, Cancelled, ConfigError, ErrorGroup, Leaf, Node, Origin, TaskGroup,
    Timeout,
};

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

pub(crate) async fn run<F, T, E>(
    builder: Builder,
    body: F,
    location: &'static Location<'static>,
) -> Result<T, ErrorGroup>
where
    F: AsyncFnOnce(TaskGroup) -> Result<T, E>,
    E: Into<BoxError> + 'static,
{
    let origin = || Origin::body(location);
    if builder.limit == Some(0) {
        return Err(single(ConfigError::ZeroLimit, origin()));
    }
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return Err(single(ConfigError::NoRuntime, origin()));
    };
    // An enclosing deadline that had already passed when this group started is not
    // one that will cancel it in time: its group is cleaning up in a grace period
    // (or cancels on its next poll anyway). This group's own timeout must then work
    // on its own, as a timeout inside Python's `finally` does (catalogue E8).
    let enclosing_deadline = ambient_deadline().filter(|d| *d > Instant::now());
    let own_deadline = earliest(
        builder.deadline,
        builder.timeout.map(|timeout| Instant::now() + timeout),
    );
    let timeout_error = Timeout {
        after: builder
            .timeout
            .filter(|_| builder.deadline.is_none_or(|d| Some(d) != own_deadline)),
    };
    let shared = Arc::new(Shared::new(
        Config {
            name: builder.name,
            grace: builder.grace,
            supervise: builder.supervise,
            limit: builder.limit,
            deadline_for_children: earliest(own_deadline, enclosing_deadline),
        },
        runtime,
    ));
    let _abort_on_drop = AbortOnDrop(Arc::clone(&shared));

    let mut body = pin!(Some(
        AssertUnwindSafe(body(TaskGroup {
            shared: Arc::clone(&shared)
        }))
        .catch_unwind()
    ));
    let mut value = None;
    let mut body_error = None;
    let mut deadline: Option<Pin<Box<Sleep>>> = own_deadline.map(|d| Box::pin(sleep_until(d)));
    let mut grace: Option<Pin<Box<Sleep>>> = None;

    poll_fn(|cx| {
        shared.waker.register(cx.waker());
        if let Some(future) = body.as_mut().as_pin_mut() {
            let polled = if shared.is_stopped() {
                Poll::Ready(None)
            } else {
                with_ambient_deadline(shared.deadline_for_children, || future.poll(cx)).map(Some)
            };
            if let Poll::Ready(outcome) = polled {
                body.set(None);
                match outcome {
                    None => {} // stopped by the group: not an error
                    Some(Ok(Ok(v))) => value = Some(v),
                    Some(Ok(Err(error))) => {
                        body_error = Some(match Node::error(box_error(error)) {
                            Node::Leaf(leaf) => Node::Leaf(leaf.with_origin(origin())),
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
        }
        // Nothing left running: the group is done even if its deadline has passed
        // meanwhile, as Python's timeout only fires at a suspension point.
        if shared.try_finish() {
            return Poll::Ready(());
        }
        if let Some(timer) = deadline.as_mut() {
            // Tokio's timer rounds a deadline up to its next millisecond tick, so a
            // zero timeout would let the body run past its first await (E4); the
            // clock says whether the deadline has passed.
            if timer.deadline() <= Instant::now() || timer.as_mut().poll(cx).is_ready() {
                deadline = None;
                // An enclosing group whose deadline expired too will cancel us:
                // the outermost expired deadline wins.
                if enclosing_deadline.is_none_or(|d| d > Instant::now()) {
                    shared.push(Node::Leaf(
                        Leaf::new(AnyError::from(timeout_error)).with_origin(origin()),
                    ));
                    shared.cancel();
                }
            }
        }
        if shared.soft.is_cancelled() && !shared.is_stopped() {
            let period = shared.grace.unwrap_or_default();
            let timer = grace.get_or_insert_with(|| Box::pin(sleep(period)));
            if timer.as_mut().poll(cx).is_ready() {
                shared.stop();
                if body.as_mut().as_pin_mut().is_some() {
                    body.set(None);
                    shared.leave();
                }
            }
        }
        if shared.try_finish() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await;

    shared.mark_finished();
    let errors = shared.take_errors(body_error);
    if let Some(payload) = shared.take_panic() {
        report_beside_panic(errors);
        std::panic::resume_unwind(payload);
    }
    match (errors, value) {
        (Some(errors), _) => Err(errors),
        (None, Some(value)) => Ok(value),
        (None, None) => Err(single(Cancelled, origin())),
    }
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
