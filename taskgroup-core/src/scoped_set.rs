//! [`ScopedSet`]: the scoped tasks a group's `run` future polls.
//!
//! The first few tasks live in inline slots, polled in every round of the
//! `run` future (as `tokio::try_join!` polls its futures): a request's fan-out
//! to three calls costs no allocation beyond each task's box, and no per-task
//! waker. Past those slots, tasks go into a `FuturesUnordered`, which polls
//! only the tasks that were woken, so a group of a hundred thousand tasks does
//! not poll them all at each wake. `FuturesUnordered` gives each woken task one
//! poll and then yields (waking us), so the caller polls the body between
//! rounds and ten thousand busy tasks never starve it.
//!
//! A task keeps its place for its whole life (a slot's task is never moved into
//! the `FuturesUnordered`), so the waker it was first polled with, which its
//! handle's `cancel` wakes, stays the one that gets it polled.
//!
//! Dropping the set drops every scoped task at once: that is how a stop (after
//! the grace period, if any) ends them, synchronously.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_util::stream::{FuturesUnordered, StreamExt};

use crate::scoped::Incoming;
use crate::shared::Shared;

/// How many tasks are polled in every round rather than only when woken.
const SLOTS: usize = 8;

pub(crate) struct ScopedSet<B> {
    slots: [Option<B>; SLOTS],
    /// How many slots hold a task.
    filled: usize,
    many: Option<FuturesUnordered<B>>,
    /// Taken from the queue, being placed; its capacity is reused.
    arrived: Vec<B>,
    pub(crate) incoming: Arc<Incoming<B>>,
}

impl<B: Future<Output = ()> + Unpin> ScopedSet<B> {
    pub(crate) fn new(incoming: Arc<Incoming<B>>) -> Self {
        ScopedSet {
            slots: std::array::from_fn(|_| None),
            filled: 0,
            many: None,
            arrived: Vec::new(),
            incoming,
        }
    }

    /// Marks the `run` future as polling, so that spawns from the body need no
    /// wake (the set looks at the queue after the body).
    pub(crate) fn begin(&mut self) {
        self.incoming.begin_poll();
        let _ = self.take_in();
    }

    /// Places the queued tasks: free slots first, then the `FuturesUnordered`;
    /// `true` if there were any.
    fn take_in(&mut self) -> bool {
        self.incoming.take_into(&mut self.arrived);
        let any = !self.arrived.is_empty();
        for task in self.arrived.drain(..) {
            if self.filled < SLOTS {
                let free = self.slots.iter_mut().find(|slot| slot.is_none());
                if let Some(free) = free {
                    *free = Some(task);
                    self.filled += 1;
                    continue;
                }
            }
            self.many
                .get_or_insert_with(FuturesUnordered::new)
                .push(task);
        }
        any
    }

    /// One round: every slot's task, then the woken ones of the rest, then the
    /// tasks spawned meanwhile (polled next round, after the body).
    pub(crate) fn advance(&mut self, shared: &Shared, cx: &mut Context<'_>) {
        let _ = self.take_in();
        if self.filled > 0 {
            for slot in &mut self.slots {
                let Some(task) = slot else { continue };
                if Pin::new(task).poll(cx).is_ready() {
                    *slot = None; // the task counts itself out as it drops
                    self.filled -= 1;
                    if shared.is_stopped() {
                        return;
                    }
                }
            }
        }
        if let Some(many) = &mut self.many {
            while let Poll::Ready(Some(())) = many.poll_next_unpin(cx) {
                if shared.is_stopped() {
                    return;
                }
            }
        }
        self.incoming.end_poll();
        if self.take_in() {
            cx.waker().wake_by_ref();
        }
    }

    /// Drops every scoped task at once (the group stopped).
    pub(crate) fn clear(&mut self) {
        for slot in &mut self.slots {
            *slot = None;
        }
        self.filled = 0;
        if let Some(many) = &mut self.many {
            many.clear();
        }
        self.arrived.clear();
        self.incoming.end_poll();
        self.incoming.clear();
    }
}
