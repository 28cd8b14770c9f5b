//! Compile-time checks of the auto traits of every public type: each is `Send`,
//! `Sync` and `Unpin` where a user needs it to be (to move it into a task,
//! share it between threads, hold it across an `.await` or poll it in place),
//! so that a field added later that takes one of them away is a build error
//! here rather than a surprise in a user's crate. The checks are functions
//! that are never called: the type checker runs over them, nothing else does.

#![allow(dead_code)]

use crate::{
    AnyError, Builder, Cancelled, ConfigError, EmptyGroupError, ErrorGroup, ExceptStar, IntoIter,
    Iter, Leaf, Leaves, Node, Origin, Raise, SpawnError, SpawnRefused, TaskError, TaskGroup,
    TaskHandle, TaskId, Timeout, UnsettledArm,
};
use crate::{FailureSummary, Local, Scope, ScopedHandle, Spawner, Threaded};

fn send_sync_unpin<T: Send + Sync + Unpin>() {}
fn send<T: Send>(_: &T) {}

/// Plain values: errors, ids, settings, and the group's own handle (which
/// moves into tasks and other threads).
fn values() {
    send_sync_unpin::<AnyError>();
    send_sync_unpin::<Builder>();
    send_sync_unpin::<Cancelled>();
    send_sync_unpin::<ConfigError>();
    send_sync_unpin::<EmptyGroupError>();
    send_sync_unpin::<FailureSummary>();
    send_sync_unpin::<Origin>();
    send_sync_unpin::<Raise>();
    send_sync_unpin::<SpawnRefused>();
    send_sync_unpin::<Spawner>();
    send_sync_unpin::<TaskError>();
    send_sync_unpin::<TaskGroup>();
    send_sync_unpin::<TaskId>();
    send_sync_unpin::<Timeout>();
    send_sync_unpin::<UnsettledArm>();
    send_sync_unpin::<Threaded>();
    send_sync_unpin::<Local>();
    // The body's scope moves into the tasks it spawns from, like the group.
    // (A `LocalScope` is neither `Send` nor `Sync`: its scoped tasks need not
    // be.)
    send_sync_unpin::<Scope<'static>>();
}

/// Generic types: as thread-safe as what they hold. A handle is `Sync` even
/// for a value that is only `Send` (it keeps the value behind a lock), and
/// `Unpin` whatever the value (it never pins it).
fn generic<'a, T: Send, E: Send + Sync + Unpin + 'a, F: Send + Sync + Unpin>() {
    send_sync_unpin::<TaskHandle<T>>();
    send_sync_unpin::<ScopedHandle<T>>();
    send_sync_unpin::<ErrorGroup<E>>();
    send_sync_unpin::<Node<E>>();
    send_sync_unpin::<Leaf<E>>();
    send_sync_unpin::<Iter<'a, E>>();
    send_sync_unpin::<Leaves<'a, E>>();
    send_sync_unpin::<IntoIter<E>>();
    send_sync_unpin::<ExceptStar<E>>();
    send_sync_unpin::<SpawnError<F>>();
}

/// The handle is `Unpin` even for a value that is not, and `Send + Sync` for
/// a `Send`-only value.
fn handle_of_a_send_only_value() {
    send_sync_unpin::<TaskHandle<std::cell::Cell<u8>>>();
    send_sync_unpin::<TaskHandle<std::marker::PhantomPinned>>();
}

/// The future of `run` is `Send` when its body is, so a group runs inside
/// `tokio::spawn` (how groups are used), with tasks spawned and awaited in it.
fn run_future_is_send() {
    let run = TaskGroup::run(async |tg| {
        let handle = tg.spawn(async { Ok::<_, Cancelled>(1) });
        tg.spawn_blocking(|| ());
        handle.await.map_err(|_| Cancelled)
    });
    send(&run);
    let built = Builder::default()
        .limit(2)
        .run(async |tg| Ok::<_, Cancelled>(tg.spawn(async {})));
    send(&built);
}
