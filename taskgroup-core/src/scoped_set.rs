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
use std::task::{Context, Poll};

use futures_util::stream::{FuturesUnordered, StreamExt};

use crate::shared::Shared;

/// How many tasks are polled in every round rather than only when woken.
const SLOTS: usize = 8;

pub(crate) struct ScopedSet<B> {
    slots: [Option<B>; SLOTS],
    /// How many slots hold a task.
    filled: usize,
    many: Option<FuturesUnordered<B>>,
}

impl<B: Future<Output = ()> + Unpin> ScopedSet<B> {
    pub(crate) fn new() -> Self {
        ScopedSet {
            slots: std::array::from_fn(|_| None),
            filled: 0,
            many: None,
        }
    }

    /// Places a task: a free slot, else the `FuturesUnordered`.
    pub(crate) fn place(&mut self, task: B) {
        if self.filled < SLOTS {
            if let Some(free) = self.slots.iter_mut().find(|slot| slot.is_none()) {
                *free = Some(task);
                self.filled += 1;
                return;
            }
        }
        self.many
            .get_or_insert_with(FuturesUnordered::new)
            .push(task);
    }

    /// One round: every slot's task, then the woken ones of the rest. Stops
    /// early when a task's end stopped the group (the caller drops the rest).
    pub(crate) fn poll_round(&mut self, shared: &Shared, cx: &mut Context<'_>) {
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
    }
}
