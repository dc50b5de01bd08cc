//! What a connection may cost: a bounded number at once, a deadline for each request head,
//! a deadline for silence. Driven with raw TCP, as a slowloris or an idle client would.
//!
//! Every wait here is an upper bound on a failure (a server that never closes fails the test
//! after `BOUND`), never a sleep that the outcome depends on.

use std::time::Duration;

use sigil_server::connections::ConnectionLimits;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

use crate::support::TestServer;

/// Far beyond any configured deadline: reaching it means the server never closed.
const BOUND: Duration = Duration::from_secs(20);

async fn server(limits: ConnectionLimits) -> (TestServer, String) {
    let server = TestServer::start_configured(|config| config.connections = limits).await;
    let addr = server.base.trim_start_matches("http://").to_owned();
    (server, addr)
}

/// Reads until the server closes the connection; what it sent, or `None` if it never closed.
async fn until_closed(stream: &mut TcpStream) -> Option<String> {
    let mut received = Vec::new();
    let closed = timeout(BOUND, async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => received.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    closed
        .ok()
        .map(|()| String::from_utf8_lossy(&received).into_owned())
}

const HEALTHZ: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: sigil\r\n\r\n";

#[tokio::test]
async fn a_request_head_that_trickles_in_is_cut_off() {
    let (server, addr) = server(ConnectionLimits {
        header_read_timeout: Duration::from_secs(1),
        idle_timeout: Duration::from_secs(60),
        ..ConnectionLimits::default()
    })
    .await;
    let mut slowloris = TcpStream::connect(&addr).await.unwrap();
    slowloris
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: sigil\r\n")
        .await
        .unwrap();
    // A header line every 200 ms: never silent, never done.
    let trickle = async {
        for i in 0u32.. {
            tokio::time::sleep(Duration::from_millis(200)).await;
            let line = format!("X-Slow-{i}: 1\r\n");
            if slowloris.write_all(line.as_bytes()).await.is_err() {
                return;
            }
        }
    };
    assert!(
        timeout(BOUND, trickle).await.is_ok(),
        "the server kept a trickling request head open"
    );
    server.stop().await;
}

#[tokio::test]
async fn silent_connections_are_closed_new_or_kept_alive() {
    let (server, addr) = server(ConnectionLimits {
        header_read_timeout: Duration::from_secs(60),
        idle_timeout: Duration::from_secs(1),
        ..ConnectionLimits::default()
    })
    .await;
    // Connected, then nothing.
    let mut silent = TcpStream::connect(&addr).await.unwrap();
    assert!(
        until_closed(&mut silent).await.is_some(),
        "a silent new connection stayed open"
    );
    // One request, answered, then an idle keep-alive.
    let mut kept_alive = TcpStream::connect(&addr).await.unwrap();
    kept_alive.write_all(HEALTHZ).await.unwrap();
    let received = until_closed(&mut kept_alive)
        .await
        .expect("an idle keep-alive stayed open");
    assert!(received.starts_with("HTTP/1.1 200"), "{received}");
    server.stop().await;
}

#[tokio::test]
async fn connections_beyond_the_limit_wait_until_one_closes() {
    let (server, addr) = server(ConnectionLimits {
        max_connections: 2,
        header_read_timeout: Duration::from_secs(60),
        idle_timeout: Duration::from_secs(60),
    })
    .await;
    let first = TcpStream::connect(&addr).await.unwrap();
    let mut second = TcpStream::connect(&addr).await.unwrap();
    // The second is served, so both hold their permits.
    second.write_all(HEALTHZ).await.unwrap();
    let mut buf = [0u8; 12];
    timeout(BOUND, second.read_exact(&mut buf))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(&buf, b"HTTP/1.1 200");

    let mut third = TcpStream::connect(&addr).await.unwrap();
    third.write_all(HEALTHZ).await.unwrap();
    assert!(
        timeout(Duration::from_millis(300), third.read_exact(&mut buf))
            .await
            .is_err(),
        "a third connection was served past the limit of two"
    );
    drop(first);
    timeout(BOUND, third.read_exact(&mut buf))
        .await
        .expect("the third connection is served once one closes")
        .unwrap();
    assert_eq!(&buf, b"HTTP/1.1 200");
    server.stop().await;
}
