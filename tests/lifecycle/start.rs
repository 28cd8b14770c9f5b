//! `start`: the readiness handshake, and the server pattern on a real socket.

use std::net::SocketAddr;

use taskgroup::{StartError, TaskGroup};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::sleep;

use crate::common::{self, ms, HOUR};

common::python_errors!(Boom, BindError);

#[tokio::test(start_paused = true)]
async fn start_returns_the_value_given_to_started_and_the_task_goes_on() {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let got = TaskGroup::run(async |tg| {
        let value = tg
            .start(|ready| async move {
                ready.started(41);
                sleep(ms(10)).await;
                let _ = tx.send("still a member");
                Ok::<_, Boom>(())
            })
            .await
            .unwrap();
        Ok::<_, Boom>(value + 1)
    })
    .await
    .unwrap();
    assert_eq!(got, 42);
    assert_eq!(rx.await, Ok("still a member"), "the group waited for it");
}

#[tokio::test(start_paused = true)]
async fn an_error_before_started_goes_to_the_caller_only() {
    let result = TaskGroup::run(async |tg| {
        let sibling = tg.spawn(async {
            sleep(ms(10)).await;
            Ok::<_, Boom>("not cancelled")
        });
        let error = tg
            .start(|_ready: taskgroup::Ready<u16>| async { Err::<(), _>(BindError) })
            .await
            .unwrap_err();
        let StartError::Failed(inner) = &error else {
            panic!("expected Failed, got {error:?}");
        };
        assert!(inner.is::<BindError>());
        assert!(!tg.is_cancelled(), "the group is not cancelled by it");
        Ok::<_, Boom>(sibling)
    })
    .await;
    let sibling = result.expect("the group collected nothing");
    assert_eq!(sibling.result(), Ok("not cancelled"));
}

#[tokio::test(start_paused = true)]
async fn an_error_after_started_is_the_group_s() {
    let eg = TaskGroup::run(async |tg| {
        tg.start(|ready| async move {
            ready.started(());
            sleep(ms(1)).await;
            Err::<(), _>(Boom)
        })
        .await
        .unwrap();
        sleep(HOUR).await;
        Ok::<_, Boom>(())
    })
    .await
    .unwrap_err();
    assert_eq!(common::messages(&eg), ["Boom"]);
}

#[tokio::test(start_paused = true)]
async fn a_task_that_ends_without_calling_started_is_a_clear_error() {
    TaskGroup::run(async |tg| {
        let error = tg
            .start(|_ready: taskgroup::Ready<()>| async { Ok::<_, Boom>(()) })
            .await
            .unwrap_err();
        assert!(matches!(error, StartError::NotStarted));
        assert_eq!(
            error.to_string(),
            "task returned without calling `Ready::started`"
        );
        Ok::<_, Boom>(())
    })
    .await
    .unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_task_stopped_before_started_says_so() {
    // The caller of `start` waits from outside the group, which stops the task.
    let (spawner_tx, spawner_rx) = tokio::sync::oneshot::channel();
    let group = TaskGroup::run(async |tg| {
        let _ = spawner_tx.send(tg.spawner());
        sleep(ms(5)).await;
        tg.cancel();
        Ok::<_, Boom>(())
    });
    let caller = async {
        let spawner: TaskGroup = spawner_rx.await.unwrap();
        spawner
            .start(|_ready: taskgroup::Ready<()>| async {
                sleep(HOUR).await;
                Ok::<_, Boom>(())
            })
            .await
    };
    let (group, started) = tokio::join!(group, caller);
    group.unwrap();
    assert!(matches!(started, Err(StartError::Stopped)), "{started:?}");
}

#[tokio::test(start_paused = true)]
async fn start_into_a_cancelling_group_is_refused() {
    TaskGroup::builder()
        .grace(HOUR)
        .run(async |tg| {
            tg.cancel();
            let error = tg.start(|ready| async move {
                ready.started(1);
                Ok::<_, Boom>(())
            });
            assert!(matches!(error.await, Err(StartError::NotSpawned(_))));
            Ok::<_, Boom>(())
        })
        .await
        .unwrap();
}

#[tokio::test(start_paused = true)]
async fn an_error_before_started_is_collected_when_nobody_waits_for_it() {
    let eg = TaskGroup::run(async |tg| {
        drop(tg.start(|_ready: taskgroup::Ready<()>| async {
            sleep(ms(1)).await;
            Err::<(), _>(Boom)
        }));
        Ok::<_, Boom>(())
    })
    .await
    .unwrap_err();
    assert_eq!(common::messages(&eg), ["Boom"], "never lost");
}

/// Binds a loopback listener, reports its address, then serves one line per
/// connection until the group's work is done.
async fn serve(ready: taskgroup::Ready<SocketAddr>) -> std::io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    ready.started(listener.local_addr()?);
    loop {
        let (mut socket, _) = listener.accept().await?;
        socket.write_all(b"hello from the server\n").await?;
    }
}

#[tokio::test]
async fn the_server_pattern_binds_reports_its_address_and_serves() {
    let replies = TaskGroup::run(async |tg| {
        let address = tg.start(serve).await?;
        let mut replies = Vec::new();
        for _ in 0..3 {
            let mut client = TcpStream::connect(address).await?;
            let mut reply = String::new();
            client.read_to_string(&mut reply).await?;
            replies.push(reply);
        }
        // The server is an ordinary task: stop it once the clients are done.
        tg.cancel();
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>(replies)
    })
    .await
    .unwrap();
    assert_eq!(replies, ["hello from the server\n"; 3]);
}

#[tokio::test]
async fn a_server_that_cannot_bind_fails_its_start_only() {
    let taken = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = taken.local_addr().unwrap();
    TaskGroup::run(async |tg| {
        let error = tg
            .start(|ready| async move {
                let listener = TcpListener::bind(address).await?; // in use
                ready.started(());
                drop(listener);
                Ok::<_, std::io::Error>(())
            })
            .await
            .unwrap_err();
        let StartError::Failed(inner) = error else {
            panic!("expected the bind error");
        };
        assert!(inner.is::<std::io::Error>());
        Ok::<_, Boom>(())
    })
    .await
    .unwrap();
}
