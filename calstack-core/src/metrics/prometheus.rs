//! The Prometheus exporter (feature `prometheus`): [`install`] makes it the process's metrics
//! recorder and returns a [`PrometheusHandle`] that renders the text format; [`serve`] answers
//! `GET /metrics` with it on an address of your choice. The CLI (`--metrics ADDR`) and the
//! Python module both use these, so every front exposes the same series.

use std::net::SocketAddr;
use std::sync::OnceLock;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
pub use metrics_exporter_prometheus::PrometheusHandle;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusRecorder};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::error::{Error, Result};

/// Histogram buckets of [`super::REQUEST_DURATION`], in seconds (2 s is a boundary, for the
/// "95% under 2 s" objective).
pub const LATENCY_BUCKETS: [f64; 11] =
    [0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0];

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// A Prometheus recorder with calstack's histogram buckets, not installed: install it yourself
/// (`metrics::set_global_recorder`), or scope it to a thread in tests
/// (`metrics::set_default_local_recorder`). [`install`] is the usual way.
pub fn recorder() -> PrometheusRecorder {
    let builder = PrometheusBuilder::new();
    match builder.set_buckets_for_metric(
        Matcher::Full(super::REQUEST_DURATION.to_owned()),
        &LATENCY_BUCKETS,
    ) {
        Ok(with_buckets) => with_buckets.build_recorder(),
        // Only refused for an empty bucket list, which LATENCY_BUCKETS is not.
        Err(_) => PrometheusBuilder::new().build_recorder(),
    }
}

/// Installs the Prometheus recorder as the process's `metrics` recorder (once: later calls
/// return the same handle) and returns the handle that renders the text format.
///
/// Fails with [`Error::Validation`] on `recorder` if another `metrics` recorder was installed
/// first.
pub fn install() -> Result<PrometheusHandle> {
    if let Some(handle) = HANDLE.get() {
        return Ok(handle.clone());
    }
    let recorder = recorder();
    let handle = recorder.handle();
    metrics::set_global_recorder(recorder).map_err(|_| {
        Error::validation("recorder", "another metrics recorder is already installed")
    })?;
    Ok(HANDLE.get_or_init(|| handle).clone())
}

/// A running `/metrics` server.
#[derive(Debug)]
pub struct MetricsServer {
    addr: SocketAddr,
    task: JoinHandle<()>,
}

impl MetricsServer {
    /// The address it listens on (the real port when asked for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting connections.
    pub fn shutdown(self) {
        self.task.abort();
    }
}

/// Serves `GET /metrics` (the Prometheus text format rendered by `handle`) on `addr`, on the
/// current tokio runtime. Any other path is 404. Metrics carry no secrets, but they do name
/// operations and (if opted in) credential ids: bind to a private address.
pub async fn serve(addr: SocketAddr, handle: PrometheusHandle) -> Result<MetricsServer> {
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|e| Error::Transport {
            message: format!("could not listen on {addr} for /metrics"),
            source: Some(Box::new(e)),
        })?;
    let addr = listener.local_addr().map_err(|e| Error::Transport {
        message: "could not read the /metrics listener's address".to_owned(),
        source: Some(Box::new(e)),
    })?;
    let task = tokio::spawn(accept_loop(listener, handle));
    Ok(MetricsServer { addr, task })
}

async fn accept_loop(listener: TcpListener, handle: PrometheusHandle) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let handle = handle.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request| {
                let handle = handle.clone();
                async move { Ok::<_, std::convert::Infallible>(answer(&request, &handle)) }
            });
            if let Err(e) = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await
            {
                tracing::debug!(error = %e, "metrics connection ended with an error");
            }
        });
    }
}

fn answer(request: &Request<Incoming>, handle: &PrometheusHandle) -> Response<Full<Bytes>> {
    let mut response = if request.method() == Method::GET && request.uri().path() == "/metrics" {
        handle.run_upkeep();
        Response::new(Full::new(Bytes::from(handle.render())))
    } else {
        let mut not_found = Response::new(Full::new(Bytes::from_static(b"not found\n")));
        *not_found.status_mut() = StatusCode::NOT_FOUND;
        not_found
    };
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("text/plain; version=0.0.4"),
    );
    response
}
