//! The `run` future, [`Run`]: polls the body and the scoped tasks, watches the
//! deadline and the grace period, and joins every task.

use std::borrow::Cow;
use std::future::Future;
use std::marker::PhantomData;
use std::panic::{AssertUnwindSafe, Location};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_util::future::CatchUnwind;
use futures_util::FutureExt;
use tokio::time::{sleep, sleep_until, Instant, Sleep};

use crate::any_error::box_error;
use crate::enclosing::{enclosing, with_enclosing};
use crate::scope::BodyScope;
use crate::scoped::Incoming;
use crate::settings::Settings;
use crate::shared::{Config, Payload, Shared};
use crate::summary::display;
use crate::timeout::{ambient, clamp_far_future, deadline_after, earliest, with_ambient, Ambient};
use crate::{
    AnyError, BoxError, CancelReason, Cancelled, ConfigError, ErrorGroup, Leaf, Node, Origin,
    TaskGroup, Timeout,
};

pin_project_lite::pin_project! {
    /// The future of a running group, from [`TaskGroup::run`] or
    /// [`Builder::run`](crate::Builder::run): it polls the body and the scoped
    /// tasks itself (so they may borrow), and completes once they and every
    /// spawned task are finished.
    ///
    /// It is `Send` when the body's future and the scoped tasks are (always
    /// for a [`Scope`](crate::Scope)'s, never required for a
    /// [`LocalScope`](crate::LocalScope)'s).
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: dropping it drops the body and the scoped tasks at
    /// once and aborts the spawned tasks (each stops at its next `.await`;
    /// blocking tasks that started run to the end). Rust has no async drop, so
    /// the drop cannot wait for them.
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Run<F, Fut, T, S>
    where
        S: BodyScope,
    {
        // The settings and the body's closure until the first poll, which
        // starts the group (the clock of a timeout starts then).
        start: Option<(Settings, F)>,
        location: &'static Location<'static>,
        #[pin]
        body: Body<CatchUnwind<AssertUnwindSafe<Fut>>, T>,
        group: Option<Group<S::Task>>,
        scope: PhantomData<fn(S) -> S>,
    }

    impl<F, Fut, T, S> PinnedDrop for Run<F, Fut, T, S>
    where
        S: BodyScope,
    {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            if let Some(group) = this.group.as_mut() {
                // Dropped before it finished: stop everything now. The body and
                // the scoped tasks go at once; spawned tasks are aborted, and
                // an enclosing group dropping this one waits for them.
                let shared = &group.shared;
                if let Some(enclosing) = enclosing() {
                    shared.hand_over(enclosing);
                }
                shared.abort();
                shared.mark_finished();
                with_enclosing(shared, || {
                    this.body.stop(shared);
                    group.scoped.clear();
                });
            }
        }
    }
}

/// What a started group holds besides its body.
struct Group<B> {
    shared: Arc<Shared>,
    timers: Timers,
    origin: Origin,
    scoped: Arc<Incoming<B>>,
    /// A scoped task was ever spawned: until then a round skips the set.
    scoped_seen: bool,
}

impl<F, Fut, T, E, S> Run<F, Fut, T, S>
where
    S: BodyScope,
    F: FnOnce(S) -> Fut,
    Fut: Future<Output = Result<T, E>>,
    E: Into<BoxError> + 'static,
{
    pub(crate) fn new(settings: Settings, body: F, location: &'static Location<'static>) -> Self {
        Run {
            start: Some((settings, body)),
            location,
            body: Body {
                future: None,
                value: None,
                error: None,
            },
            group: None,
            scope: PhantomData,
        }
    }
}

impl<F, Fut, T, E, S> Future for Run<F, Fut, T, S>
where
    S: BodyScope,
    F: FnOnce(S) -> Fut,
    Fut: Future<Output = Result<T, E>>,
    E: Into<BoxError> + 'static,
{
    type Output = Result<T, ErrorGroup>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        if let Some((settings, body)) = this.start.take() {
            let origin = Origin::body(this.location);
            let (shared, timers) = match start(settings, &origin) {
                Ok(started) => started,
                Err(errors) => return Poll::Ready(Err(errors)),
            };
            let incoming = Incoming::new();
            let scope = S::new(
                TaskGroup {
                    shared: Arc::clone(&shared),
                },
                Arc::clone(&incoming),
            );
            // Calling the closure runs user code (a plain closure may do work
            // before it returns its future): a panic there is the body's.
            match std::panic::catch_unwind(AssertUnwindSafe(|| body(scope))) {
                Ok(future) => this
                    .body
                    .as_mut()
                    .project()
                    .future
                    .set(Some(AssertUnwindSafe(future).catch_unwind())),
                Err(payload) => {
                    shared.panicked(payload);
                    shared.leave();
                }
            }
            *this.group = Some(Group {
                shared,
                timers,
                origin,
                scoped: incoming,
                scoped_seen: false,
            });
        }
        let Some(group) = this.group.as_mut() else {
            panic!("a task group's `run` future polled after it completed");
        };
        // The body and the scoped tasks run inside the group's span.
        #[cfg(feature = "tracing")]
        let _span = group.shared.span.clone().entered();
        if !group.advance(this.body.as_mut(), cx) {
            return Poll::Pending;
        }
        let group = this.group.take().expect("the group is running");
        group.shared.mark_finished();
        let body = this.body.project();
        let errors = group.shared.take_errors(body.error.take());
        if let Some(payload) = group.shared.take_panic() {
            report_beside_panic(errors);
            std::panic::resume_unwind(payload);
        }
        Poll::Ready(match (errors, body.value.take()) {
            (Some(errors), _) => Err(errors),
            (None, Some(value)) => Ok(value),
            (None, None) => Err(single(Cancelled, group.origin)),
        })
    }
}

impl<B: Future<Output = ()> + Unpin> Group<B> {
    /// One round: the body, then the scoped tasks, then the timers; `true` once
    /// nothing runs and every outcome is stored.
    fn advance<Fut, T, E>(&mut self, mut body: Pin<&mut Body<Fut, T>>, cx: &mut Context<'_>) -> bool
    where
        Fut: Future<Output = Result<Result<T, E>, Payload>>,
        E: Into<BoxError> + 'static,
    {
        let shared = &*self.shared;
        shared.waker.register(cx.waker());
        self.scoped.begin();
        // Stopped (maybe from another thread) since the last round, or during
        // this one: the body and scoped tasks go now. A group one of them was
        // running hands its remaining tasks to this one (see `enclosing.rs`).
        let stop = |body: Pin<&mut Body<Fut, T>>, scoped: &Incoming<B>| {
            with_enclosing(&self.shared, || {
                body.stop(shared);
                scoped.clear();
            });
        };
        if shared.is_stopped() {
            stop(body.as_mut(), &self.scoped);
        } else {
            with_ambient(&shared.ambient, || {
                body.as_mut().advance(shared, cx, &self.origin);
                self.scoped.advance(&mut self.scoped_seen, shared, cx);
            });
            if shared.is_stopped() {
                stop(body.as_mut(), &self.scoped);
            }
        }
        // Nothing left running: the group is done even if its deadline has passed
        // meanwhile, as Python's timeout only fires at a suspension point.
        if !shared.try_finish() {
            if let Some(deadline) = shared.schedule.take_change() {
                self.timers.reschedule(deadline);
            }
            self.timers.poll_deadline(shared, cx, &self.origin);
            // The grace period ended, or the deadline stopped the group just
            // now (without a grace period): the body and scoped tasks go.
            if self.timers.poll_grace(shared, cx) || shared.is_stopped() {
                with_enclosing(&self.shared, || {
                    body.as_mut().stop(shared);
                    self.scoped.clear();
                });
            }
            if !shared.try_finish() {
                return false;
            }
        }
        // Every task has counted itself out; a task that did so on another worker
        // may be a few instructions short of tokio storing its outcome. Yield
        // (never block) until each is stored, so that every handle can give its
        // outcome as soon as `run` returns.
        if shared.outcomes_stored() {
            true
        } else {
            cx.waker().wake_by_ref();
            false
        }
    }
}

/// Checks the settings and creates the group's state and timers.
fn start(builder: Settings, origin: &Origin) -> Result<(Arc<Shared>, Timers), ErrorGroup> {
    if builder.limit == Some(0) {
        return Err(single(ConfigError::ZeroLimit, origin.clone()));
    }
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return Err(single(ConfigError::NoRuntime, origin.clone()));
    };
    let enclosing = ambient();
    // The clock is read only by groups with a deadline: most have none.
    let now = (builder.deadline.is_some() || builder.timeout.is_some()).then(Instant::now);
    let own = now.and_then(|now| {
        earliest(
            builder.deadline.and_then(|d| clamp_far_future(d, now)),
            builder.timeout.and_then(|t| deadline_after(now, t)),
        )
    });
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
        ambient: Ambient::for_children(own, builder.grace, enclosing),
        deadline: own,
        #[cfg(feature = "tokio-util")]
        cancel_on: builder.cancel_on,
    };
    let timers = Timers {
        deadline: own.map(|d| Box::pin(sleep_until(d))),
        enclosing,
        timeout,
        grace: None,
    };
    Ok((Shared::new(config, runtime), timers))
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
    /// (Not `Future::poll`: the body's outcome goes into the group, not out.)
    fn advance(self: Pin<&mut Self>, shared: &Shared, cx: &mut Context<'_>, origin: &Origin) {
        let mut this = self.project();
        let Some(future) = this.future.as_mut().as_pin_mut() else {
            return;
        };
        let polled = if shared.is_stopped() {
            Poll::Ready(None) // stopped by the group: not an error
        } else {
            future.poll(cx).map(Some)
        };
        let Poll::Ready(outcome) = polled else { return };
        drop_body(this.future, shared);
        match outcome {
            None => {}
            Some(Ok(Ok(value))) => *this.value = Some(value),
            Some(Ok(Err(error))) => {
                // Boxing the error runs the user's conversion: a panic there is
                // the body's panic.
                let boxed = std::panic::catch_unwind(AssertUnwindSafe(|| box_error(error)));
                let error = match boxed {
                    Ok(error) => error,
                    Err(payload) => {
                        shared.panicked(payload);
                        shared.leave();
                        return;
                    }
                };
                *this.error = Some(match Node::error(error) {
                    Node::Leaf(leaf) => Node::Leaf(leaf.with_origin(origin.clone())),
                    group => group,
                });
                if !shared.supervise {
                    shared.cancel(CancelReason::BodyFailed);
                }
            }
            Some(Err(payload)) => shared.panicked(payload),
        }
        shared.leave();
    }
}

impl<B, T> Body<B, T> {
    /// Drops the body if it still runs (the group stopped after a grace period).
    fn stop(self: Pin<&mut Self>, shared: &Shared) {
        let mut future = self.project().future;
        if future.as_mut().as_pin_mut().is_some() {
            drop_body(future, shared);
            shared.leave();
        }
    }
}

/// Drops the body's future, catching a panic in its `Drop`: that is the body's
/// panic, resumed once every task has stopped, like one from its poll.
fn drop_body<B>(future: Pin<&mut Option<B>>, shared: &Shared) {
    let mut future = future;
    if let Err(payload) = std::panic::catch_unwind(AssertUnwindSafe(|| future.set(None))) {
        shared.panicked(payload);
    }
}

/// The group's own deadline and its grace period.
struct Timers {
    deadline: Option<Pin<Box<Sleep>>>,
    /// The enclosing groups' deadlines.
    enclosing: Option<Ambient>,
    timeout: Timeout,
    grace: Option<Pin<Box<Sleep>>>,
}

impl Timers {
    /// When the deadline passes, adds the `Timeout` leaf and cancels the group,
    /// unless an enclosing group is stopping its tasks for its own deadline: the
    /// outermost one wins, and that group stops this one. An enclosing group that
    /// waits out a grace period stops nothing yet, so this one times out as usual
    /// (also when it started inside that grace period, as a timeout inside
    /// Python's `finally` works on its own).
    fn poll_deadline(&mut self, shared: &Shared, cx: &mut Context<'_>, origin: &Origin) {
        let Some(timer) = self.deadline.as_mut() else {
            return;
        };
        // Tokio's timer rounds a deadline up to its next millisecond tick, so a
        // zero timeout would let the body run past its first await; the clock
        // says whether the deadline has passed.
        if timer.deadline() > Instant::now() && timer.as_mut().poll(cx).is_pending() {
            return;
        }
        self.deadline = None;
        if !Ambient::is_stopping(self.enclosing, Instant::now()) {
            let leaf = Leaf::new(AnyError::from(self.timeout)).with_origin(origin.clone());
            shared.push(Node::Leaf(leaf));
            shared.cancel(CancelReason::Deadline);
        }
    }

    /// The body or a task moved the deadline: a new timer, and the leaf says
    /// "deadline expired" since the builder's timeout no longer applies.
    fn reschedule(&mut self, deadline: Option<Instant>) {
        self.deadline = deadline.map(|d| Box::pin(sleep_until(d)));
        self.timeout.after = None;
    }

    /// Once the group is cancelling, waits out the grace period, then stops the
    /// tasks; `true` when it stopped them now (the body must stop too).
    fn poll_grace(&mut self, shared: &Shared, cx: &mut Context<'_>) -> bool {
        if !shared.cancellation.is_fired() || shared.is_stopped() {
            return false;
        }
        let Some(period) = shared.grace_period() else {
            return false; // the enclosing group's grace period applies
        };
        let timer = self.grace.get_or_insert_with(|| Box::pin(sleep(period)));
        if timer.as_mut().poll(cx).is_pending() {
            return false;
        }
        shared.stop();
        true
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
/// so they are not silently lost. Printing runs user code (each error's
/// `Display`), so it is done under a panic catch: a panic there must never
/// replace the payload about to resume.
fn report_beside_panic(errors: Option<ErrorGroup>) {
    let Some(errors) = errors else { return };
    let errors = std::panic::catch_unwind(AssertUnwindSafe(|| format!("{errors:#}")))
        .unwrap_or_else(|_| {
            // One error's `Display` panicked: print each on its own instead.
            let each: Vec<String> = errors.iter().map(display).collect();
            each.join("\n")
        });
    #[cfg(feature = "tracing")]
    tracing::error!(%errors, "a task group panicked; these errors were collected before the panic");
    #[cfg(not(feature = "tracing"))]
    eprintln!(
        "taskgroup: a task group panicked; these errors were collected before the panic:\n{errors}"
    );
}
