//! The readiness handshake (Trio's and AnyIO's `start()`): spawn a task and
//! wait until it says it is ready, with a value (the address a server bound).

use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use tokio::sync::oneshot;

use crate::task::TaskOutput;
use crate::{BoxError, SpawnRefused, TaskGroup};

/// Why [`TaskGroup::start`] gives no value.
#[derive(Debug)]
#[non_exhaustive]
pub enum StartError {
    /// The task returned this error before it called [`Ready::started`]. As in
    /// Trio, the error goes to the caller of `start` only: the group does not
    /// collect it (it would be reported twice) and is not cancelled by it.
    Failed(BoxError),
    /// The task returned without calling [`Ready::started`].
    NotStarted,
    /// The task was cancelled, or panicked, before it called [`Ready::started`]
    /// (a panic resumes in the caller of `run`, as any task's).
    Stopped,
    /// The group refused the task (it was cancelling or finished).
    NotSpawned(SpawnRefused),
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartError::Failed(error) => write!(f, "task failed before it started: {error}"),
            StartError::NotStarted => f.write_str("task returned without calling `Ready::started`"),
            StartError::Stopped => f.write_str("task was stopped before it started"),
            StartError::NotSpawned(reason) => write!(f, "task was not spawned: {reason}"),
        }
    }
}

impl std::error::Error for StartError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StartError::Failed(error) => Some(&**error),
            _ => None,
        }
    }
}

/// Where the value of [`Ready::started`] goes: the caller of `start`, until a
/// value or an error has gone there.
type Slot<T> = Arc<Mutex<Option<oneshot::Sender<Result<T, StartError>>>>>;

fn take<T>(slot: &Slot<T>) -> Option<oneshot::Sender<Result<T, StartError>>> {
    slot.lock().unwrap_or_else(PoisonError::into_inner).take()
}

/// What a task started with [`TaskGroup::start`] calls once it is ready
/// (Trio's `task_status`). Calling [`started`](Self::started) consumes it, so
/// a task says it is ready once.
pub struct Ready<T> {
    slot: Slot<T>,
}

impl<T> Ready<T> {
    /// Says the task is ready: the caller of `start` gets `value`, and from now
    /// on the task's errors are the group's, as any task's.
    pub fn started(self, value: T) {
        if let Some(sender) = take(&self.slot) {
            let _ = sender.send(Ok(value)); // the caller may have stopped waiting
        }
    }
}

impl<T> fmt::Debug for Ready<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ready").finish_non_exhaustive()
    }
}

impl TaskGroup {
    /// Spawns the task `f(ready)` now and waits until it calls
    /// [`ready.started(value)`](Ready::started), then gives `value`; the task
    /// goes on as a member of the group (Trio's and AnyIO's `start()`). The
    /// usual shape is a server: bind, report the address, serve.
    ///
    /// The task's value at its end is dropped (send it through a channel if
    /// you need it); its errors after `started` are the group's.
    ///
    /// # Errors
    ///
    /// [`StartError`]: the task's error before `started` (given to the caller
    /// only, never collected by the group), a task that returned without
    /// calling `started`, a task stopped before it did, or a refused spawn.
    ///
    /// ```
    /// use taskgroup_core::TaskGroup;
    /// use tokio::io::AsyncWriteExt;
    /// use tokio::net::TcpListener;
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// TaskGroup::run(async |tg| {
    ///     let address = tg
    ///         .start(|ready| async move {
    ///             let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///             ready.started(listener.local_addr()?);
    ///             let (mut socket, _) = listener.accept().await?;
    ///             socket.write_all(b"hello").await
    ///         })
    ///         .await?;
    ///     let mut client = tokio::net::TcpStream::connect(address).await?;
    ///     let mut reply = String::new();
    ///     tokio::io::AsyncReadExt::read_to_string(&mut client, &mut reply).await?;
    ///     assert_eq!(reply, "hello");
    ///     Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
    /// })
    /// .await
    /// .unwrap();
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// The task is spawned when `start` is called; dropping the returned future
    /// only stops waiting for its value.
    #[track_caller]
    pub fn start<F, Fut, T>(&self, f: F) -> impl Future<Output = Result<T, StartError>> + Send
    where
        F: FnOnce(Ready<T>) -> Fut,
        Fut: Future + Send + 'static,
        Fut::Output: TaskOutput,
        T: Send + 'static,
    {
        let (sender, receiver) = oneshot::channel();
        let slot: Slot<T> = Arc::new(Mutex::new(Some(sender)));
        let future = f(Ready {
            slot: Arc::clone(&slot),
        });
        let task = Starting { future, slot };
        let refused = self
            .spawn_with(None, task, Location::caller())
            .err()
            .map(|refused| refused.reason);
        async move {
            if let Some(reason) = refused {
                return Err(StartError::NotSpawned(reason));
            }
            receiver.await.unwrap_or(Err(StartError::Stopped))
        }
    }
}

pin_project_lite::pin_project! {
    /// A started task's future: the user's, with its error before `started`
    /// turned away from the group, to the caller of `start`.
    struct Starting<F, T> {
        #[pin]
        future: F,
        slot: Slot<T>,
    }
}

impl<F, T> Future for Starting<F, T>
where
    F: Future,
    F::Output: TaskOutput,
{
    type Output = Result<(), BoxError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let output = std::task::ready!(this.future.poll(cx)).into_result();
        let before_started = take(this.slot);
        Poll::Ready(match (output, before_started) {
            (Ok(_value), None) => Ok(()),
            (Ok(_value), Some(sender)) => {
                let _ = sender.send(Err(StartError::NotStarted));
                Ok(())
            }
            (Err(error), None) => Err(error), // after `started`: the group's
            (Err(error), Some(sender)) => match sender.send(Err(StartError::Failed(error))) {
                Ok(()) => Ok(()),
                // Nobody waits for it any more: the group collects it, so it is
                // never lost.
                Err(Err(StartError::Failed(error))) => Err(error),
                Err(_) => Ok(()),
            },
        })
    }
}
