//! Raw TCP exchanges with a test server, for what an HTTP client will not send or hides:
//! lying lengths, half-sent requests, connections the server cuts.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::TestServer;

/// Sends `bytes` on a new connection, closes the write side, and returns what comes back
/// before the server closes or `wait` passes.
pub async fn exchange(srv: &TestServer, bytes: &[u8], wait: Duration) -> String {
    let mut s = TcpStream::connect(srv.running.addr).await.unwrap();
    s.write_all(bytes).await.unwrap();
    let _ = s.shutdown().await;
    let mut out = Vec::new();
    let _ = tokio::time::timeout(wait, s.read_to_end(&mut out)).await;
    String::from_utf8_lossy(&out).into_owned()
}

/// One HTTP/1.1 `GET` that reads until the server closes: the bytes read, or the read error
/// (a connection the server breaks).
pub async fn get_until_close(srv: &TestServer, path: &str) -> Result<Vec<u8>, std::io::Error> {
    let mut s = TcpStream::connect(srv.running.addr).await?;
    s.write_all(format!("GET {path} HTTP/1.1\r\nhost: test\r\n\r\n").as_bytes())
        .await?;
    let mut out = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut out))
        .await
        .expect("the server closes the connection");
    read.map(|_| out)
}
