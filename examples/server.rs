//! A small TCP server in one task group: `start` binds the listener and reports
//! its address once it is ready (Trio's `start()`), then accepts connections in
//! a background task; another background task reports statistics for as long
//! as the work runs, and the body plays the clients.
//! When the clients are done, the group's work is done: the background task is
//! cancelled (reason: the work is done), flushes its report in its grace
//! period, and `run` returns, with no error.
//!
//! ```sh
//! cargo run --example server
//! ```

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use taskgroup::{ErrorGroup, Ready, TaskGroup};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Binds, reports the address, then hands the accept loop to a background
/// task: the server lives exactly as long as the group's work. Each connection
/// is an ordinary task of the same group, so a failing connection is reported
/// with the rest, and the work is not done while one is being served.
async fn serve(
    tg: TaskGroup,
    served: Arc<AtomicUsize>,
    ready: Ready<SocketAddr>,
) -> std::io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    ready.started(listener.local_addr()?);
    let accept_tg = tg.clone();
    tg.spawn_background_named("accept", async move {
        loop {
            let (socket, peer) = tokio::select! {
                accepted = listener.accept() => accepted?,
                () = accept_tg.cancelled() => return Ok::<_, std::io::Error>(()),
            };
            let served = Arc::clone(&served);
            accept_tg.spawn_named(format!("conn {peer}"), async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                while let Some(line) = lines.next_line().await? {
                    write
                        .write_all(format!("echo: {line}\n").as_bytes())
                        .await?;
                }
                served.fetch_add(1, Ordering::Relaxed);
                Ok::<_, std::io::Error>(())
            });
        }
    });
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), ErrorGroup> {
    let served = Arc::new(AtomicUsize::new(0));
    TaskGroup::builder()
        .name("server")
        .grace(Duration::from_millis(200))
        .run(async |tg| {
            // The server lives exactly as long as the work it serves.
            let server_tg = tg.clone();
            let counter = Arc::clone(&served);
            let address = tg
                .start(move |ready| serve(server_tg, counter, ready))
                .await?;
            println!("listening on {address}");

            let stats_tg = tg.clone();
            let stats = Arc::clone(&served);
            tg.spawn_background_named("stats", async move {
                loop {
                    tokio::select! {
                        () = tokio::time::sleep(Duration::from_millis(20)) => {
                            println!("stats: {} connections served", stats.load(Ordering::Relaxed));
                        }
                        () = stats_tg.cancelled() => {
                            let why = stats_tg.cancel_reason().expect("cancelled");
                            println!("stats: final count {} ({why})", stats.load(Ordering::Relaxed));
                            return Ok::<_, std::io::Error>(());
                        }
                    }
                }
            });

            for client in 0..3 {
                let mut stream = TcpStream::connect(address).await?;
                stream.write_all(format!("hello from client {client}\n").as_bytes()).await?;
                stream.shutdown().await?;
                let mut reply = String::new();
                BufReader::new(stream).read_line(&mut reply).await?;
                print!("client {client} got: {reply}");
            }
            // The clients are done: so is the group's work. The background
            // tasks are cancelled now (reason: the work is done) and finish
            // within the grace period.
            Ok::<_, BoxError>(())
        })
        .await?;
    println!("served {} connections", served.load(Ordering::Relaxed));
    Ok(())
}
