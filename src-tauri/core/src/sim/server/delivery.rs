//! How an answer leaves: gzip when the client asks, and the body faults that reshape delivery
//! (a body cut off halfway, a body that trickles in).

use super::{lock, Reply, Shared, SimBody};
use crate::sim::faults::FaultKind;
use bytes::Bytes;
use http::{header, Response, StatusCode};
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::Frame;
use std::time::Duration;

/// Production compresses when asked; so does the simulator, for anything worth compressing.
pub(super) fn compress(mut reply: Reply, shared: &Shared) -> Reply {
    use std::io::Write;
    if reply.body.len() < 512 {
        return reply;
    }
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let compressed = encoder.write_all(&reply.body).and_then(|_| encoder.finish());
    if let Ok(body) = compressed {
        reply.body = body;
        reply.gzip = true;
        lock(&shared.stats).gzipped_responses += 1;
    }
    reply
}

pub(super) fn deliver(reply: Reply, shape: Option<FaultKind>, shared: &Shared) -> Response<SimBody> {
    let len = reply.body.len();
    let body: SimBody = match shape {
        Some(FaultKind::CutBody) => {
            let half = Bytes::from(reply.body[..len / 2].to_vec());
            // Send half, give it a moment to reach the socket, then fail the body: hyper closes the connection.
            let stream = futures_util::stream::unfold(0u8, move |step| {
                let half = half.clone();
                async move {
                    match step {
                        0 => Some((Ok(Frame::data(half)), 1)),
                        1 => {
                            tokio::time::sleep(Duration::from_millis(10)).await;
                            Some((
                                Err(std::io::Error::new(
                                    std::io::ErrorKind::BrokenPipe,
                                    "simulated cut body",
                                )),
                                2,
                            ))
                        }
                        _ => None,
                    }
                }
            });
            BodyExt::boxed_unsync(StreamBody::new(stream))
        }
        Some(FaultKind::SlowBody) => {
            let data = Bytes::from(reply.body);
            let chunk = (len / 10).max(64);
            let pause = Duration::from_millis(shared.faults.spec.slow_chunk_ms);
            let stream = futures_util::stream::unfold(0usize, move |at| {
                let data = data.clone();
                async move {
                    if at >= data.len() {
                        return None;
                    }
                    if at > 0 {
                        tokio::time::sleep(pause).await;
                    }
                    let end = (at + chunk).min(data.len());
                    Some((Ok::<_, std::io::Error>(Frame::data(data.slice(at..end))), end))
                }
            });
            BodyExt::boxed_unsync(StreamBody::new(stream))
        }
        _ => BodyExt::boxed_unsync(Full::new(Bytes::from(reply.body)).map_err(|never| match never {})),
    };
    let mut builder = Response::builder()
        .status(reply.status)
        .header(header::CONTENT_TYPE, reply.content_type)
        .header(header::CONTENT_LENGTH, len);
    if let Some(secs) = reply.retry_after {
        builder = builder.header(header::RETRY_AFTER, secs);
    }
    if let Some(n) = reply.page_size {
        builder = builder.header("Vipps-Feed-Page-Size", n);
    }
    if reply.gzip {
        builder = builder.header(header::CONTENT_ENCODING, "gzip");
    }
    builder.body(body).unwrap_or_else(|_| {
        let mut r = Response::new(BodyExt::boxed_unsync(
            Full::new(Bytes::new()).map_err(|never| match never {}),
        ));
        *r.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
        r
    })
}
