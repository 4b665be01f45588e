//! A minimal HTTP receiver for push notifications in tests: accepts the emulator's `POST`s
//! on 127.0.0.1 and hands each request's headers to the test.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// Headers of one received request, names as sent.
pub type ReceivedHeaders = Vec<(String, String)>;

/// A running receiver: its URL, and the requests it got.
#[derive(Debug)]
pub struct WebhookSink {
    url: url::Url,
    received: mpsc::UnboundedReceiver<ReceivedHeaders>,
}

impl WebhookSink {
    /// Starts a receiver on a free port.
    ///
    /// # Panics
    /// If no port can be bound.
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("address");
        let (tx, received) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let tx = tx.clone();
                tokio::spawn(async move {
                    let mut buffer = Vec::new();
                    let mut chunk = [0u8; 4096];
                    while !buffer.windows(4).any(|w| w == b"\r\n\r\n") {
                        match socket.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
                        }
                    }
                    let text = String::from_utf8_lossy(&buffer).into_owned();
                    let headers = text
                        .lines()
                        .skip(1)
                        .filter_map(|l| l.split_once(':'))
                        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
                        .collect();
                    let reply =
                        b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
                    let _ = socket.write_all(reply).await;
                    let _ = tx.send(headers);
                });
            }
        });
        let url = url::Url::parse(&format!("http://{addr}/notifications")).expect("a URL");
        Self { url, received }
    }

    /// Where notifications should be delivered.
    pub fn url(&self) -> &url::Url {
        &self.url
    }

    /// The next request's headers, waiting up to five seconds.
    ///
    /// # Panics
    /// If nothing arrives in time.
    pub async fn next(&mut self) -> ReceivedHeaders {
        tokio::time::timeout(std::time::Duration::from_secs(5), self.received.recv())
            .await
            .expect("a notification within 5 s")
            .expect("the receiver runs")
    }
}
