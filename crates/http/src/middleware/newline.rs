//! JSON bodies end in a newline (see [`json_newline`]).
use std::pin::Pin;
use std::task::{Context, Poll};

use actix_web::body::{BodySize, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::web;

/// Whether a `Content-Type` is JSON: `application/json` or any
/// `application/*+json` (`application/problem+json`), parameters ignored.
fn is_json(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Ends every JSON body with a newline, so `curl` output does not run into
/// the shell prompt or the next command's output.
/// Registered inside `Compress` (the newline is compressed with the rest)
/// and outside the rate limiter and the idempotency store, so 429s and
/// replays get it too, and a stored body is never terminated twice.
///
/// Empty bodies (204, 304) and bodies already ending in `\n` (the served
/// OpenAPI document) are left alone; a body already encoded by its handler
/// (`Content-Encoding`) is not touched. An in-memory body stays sized, so
/// `Content-Length` counts the newline; a streamed body gets it as a last
/// chunk. ETags are resource versions, never body hashes, so they hold.
pub async fn json_newline(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let res = next.call(req).await?;
    let headers = res.headers();
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(is_json);
    if !json || headers.contains_key(header::CONTENT_ENCODING) {
        return Ok(res.map_into_boxed_body());
    }
    Ok(res.map_body(|head, body| {
        // The length is the body's to declare (actix sets it from the size).
        head.headers_mut().remove(header::CONTENT_LENGTH);
        newline_terminated(body)
    }))
}

/// `body`, ending in exactly one more `\n` unless it is empty or already
/// ends in one.
fn newline_terminated(body: impl MessageBody + 'static) -> BoxBody {
    match body.size() {
        BodySize::None | BodySize::Sized(0) => body.boxed(),
        BodySize::Sized(_) => match body.try_into_bytes() {
            Ok(bytes) if bytes.ends_with(b"\n") => BoxBody::new(bytes),
            Ok(bytes) => {
                let mut out = web::BytesMut::with_capacity(bytes.len() + 1);
                out.extend_from_slice(&bytes);
                out.extend_from_slice(b"\n");
                BoxBody::new(out.freeze())
            }
            Err(body) => BoxBody::new(Terminated::new(body.boxed())),
        },
        BodySize::Stream => BoxBody::new(Terminated::new(body.boxed())),
    }
}

/// A streamed body followed by `\n` when its last byte is not one.
struct Terminated {
    inner: BoxBody,
    last: Option<u8>,
    finished: bool,
}

impl Terminated {
    fn new(inner: BoxBody) -> Self {
        Self {
            inner,
            last: None,
            finished: false,
        }
    }
}

impl MessageBody for Terminated {
    type Error = <BoxBody as MessageBody>::Error;

    fn size(&self) -> BodySize {
        BodySize::Stream
    }

    fn poll_next(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<web::Bytes, Self::Error>>> {
        let this = self.get_mut();
        if this.finished {
            return Poll::Ready(None);
        }
        match Pin::new(&mut this.inner).poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                if let Some(b) = chunk.last() {
                    this.last = Some(*b);
                }
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Ready(None) => {
                this.finished = true;
                match this.last {
                    Some(b) if b != b'\n' => Poll::Ready(Some(Ok(web::Bytes::from_static(b"\n")))),
                    _ => Poll::Ready(None),
                }
            }
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use actix_web::body::to_bytes;

    use super::*;

    async fn terminated(body: impl MessageBody + 'static) -> (BodySize, Vec<u8>) {
        let b = newline_terminated(body);
        let size = b.size();
        let bytes = to_bytes(b).await.map_err(|_| "body error").unwrap();
        (size, bytes.to_vec())
    }

    fn stream(
        chunks: &'static [&'static [u8]],
    ) -> actix_web::body::BodyStream<
        impl futures_util::Stream<Item = Result<web::Bytes, std::convert::Infallible>>,
    > {
        actix_web::body::BodyStream::new(futures_util::stream::iter(
            chunks.iter().map(|c| Ok(web::Bytes::from_static(c))),
        ))
    }

    #[test]
    fn json_content_types_are_recognised() {
        for t in [
            "application/json",
            "application/problem+json",
            "Application/JSON; charset=utf-8",
            "application/merge-patch+json",
        ] {
            assert!(is_json(t), "{t}");
        }
        for t in [
            "text/csv",
            "text/calendar",
            "text/html; charset=utf-8",
            "application/jsonx",
            "text/json+x",
            "",
        ] {
            assert!(!is_json(t), "{t}");
        }
    }

    #[tokio::test]
    async fn sized_json_gets_one_newline_and_stays_sized() {
        let (size, bytes) = terminated(r#"{"a":1}"#.to_owned()).await;
        assert_eq!(bytes, b"{\"a\":1}\n");
        assert_eq!(size, BodySize::Sized(8));
        // already terminated (the OpenAPI document): unchanged
        let (size, bytes) = terminated("{}\n".to_owned()).await;
        assert_eq!((size, bytes.as_slice()), (BodySize::Sized(3), &b"{}\n"[..]));
        // empty (204, 304): unchanged
        let (size, bytes) = terminated(String::new()).await;
        assert_eq!((size, bytes.len()), (BodySize::Sized(0), 0));
        let (size, _) = terminated(()).await;
        assert_eq!(size, BodySize::Sized(0));
    }

    #[tokio::test]
    async fn streamed_json_gets_a_last_newline_chunk() {
        let (size, bytes) = terminated(stream(&[b"[1,", b"2]"])).await;
        assert_eq!(size, BodySize::Stream);
        assert_eq!(bytes, b"[1,2]\n");
        let (_, bytes) = terminated(stream(&[b"[]\n"])).await;
        assert_eq!(bytes, b"[]\n");
        let (_, bytes) = terminated(stream(&[])).await;
        assert!(bytes.is_empty());
    }
}
