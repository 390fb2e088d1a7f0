//! A minimal HTTP/1.1 client: one keep-alive TCP connection per simulated client, one request
//! at a time on it, each answer read in full (status line, headers, a `Content-Length` or
//! chunked body) before the next request is written.
//!
//! The load generator shares the machine's cores with the server it measures, so every
//! cycle it spends is taken from the server. A general-purpose client (reqwest over hyper,
//! with its pool, header maps, body streams and TLS stack to build) does much more than the
//! benchmark needs on loopback: write the request, parse the status line and headers with
//! `httparse`, read the body. No TLS, no redirects. Every request says `Accept-Encoding: br,
//! gzip`, as browsers do, so the server pays for compressing its answers; a body the caller
//! needs to read is decompressed by [`Answer::decoded`] (the rush checks every booking
//! answer), other bodies are read in full but left compressed.

use std::io::{self, Write};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Longest wait for one answer before the request counts as failed.
const TIMEOUT: Duration = Duration::from_secs(60);
/// Most response headers read.
const MAX_HEADERS: usize = 32;

/// Where the server listens, from its base URL (`http://127.0.0.1:PORT`).
pub fn address(base: &str) -> Result<SocketAddr, String> {
    base.strip_prefix("http://")
        .map(|rest| rest.split('/').next().unwrap_or(rest))
        .and_then(|host| host.parse().ok())
        .ok_or_else(|| format!("expected http://<ip>:<port>, not `{base}`"))
}

/// What every request accepts, as browsers send it.
const ACCEPT_ENCODING: &str = "br, gzip";

/// An answer's `Content-Encoding`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Identity,
    Brotli,
    Gzip,
    /// One this client cannot read.
    Other,
}

impl Encoding {
    fn of(value: &[u8]) -> Encoding {
        let v = String::from_utf8_lossy(value);
        match v.trim().to_ascii_lowercase().as_str() {
            "" | "identity" => Encoding::Identity,
            "br" => Encoding::Brotli,
            "gzip" | "x-gzip" => Encoding::Gzip,
            _ => Encoding::Other,
        }
    }
}

/// An answer: the status and the whole body, as sent.
pub struct Answer<'a> {
    pub status: u16,
    pub body: &'a [u8],
    pub encoding: Encoding,
}

impl<'a> Answer<'a> {
    /// The body decompressed (into `scratch` when it was compressed).
    pub fn decoded<'b>(&self, scratch: &'b mut Vec<u8>) -> io::Result<&'b [u8]>
    where
        'a: 'b,
    {
        use std::io::Read;
        scratch.clear();
        match self.encoding {
            Encoding::Identity => return Ok(self.body),
            Encoding::Brotli => {
                brotli::Decompressor::new(self.body, 4096).read_to_end(scratch)?;
            }
            Encoding::Gzip => {
                flate2::read::GzDecoder::new(self.body).read_to_end(scratch)?;
            }
            Encoding::Other => return Err(invalid("an unknown Content-Encoding")),
        }
        Ok(&scratch[..])
    }
}

/// One client's connection.
pub struct Connection {
    addr: SocketAddr,
    stream: Option<TcpStream>,
    /// The request being written, then what has been read of the answer.
    request: Vec<u8>,
    buf: Vec<u8>,
    /// The decoded body of the last answer (chunked answers are copied here).
    body: Vec<u8>,
    host: String,
}

impl Connection {
    pub async fn open(addr: SocketAddr) -> io::Result<Connection> {
        let mut conn = Connection {
            addr,
            stream: None,
            request: Vec::with_capacity(512),
            buf: Vec::with_capacity(8192),
            body: Vec::new(),
            host: addr.to_string(),
        };
        conn.connect().await?;
        Ok(conn)
    }

    async fn connect(&mut self) -> io::Result<()> {
        let stream = TcpStream::connect(self.addr).await?;
        stream.set_nodelay(true)?;
        self.stream = Some(stream);
        self.buf.clear();
        Ok(())
    }

    pub async fn get(&mut self, path: &str) -> io::Result<Answer<'_>> {
        self.send("GET", path, None, None).await
    }

    /// POST of `json`, with the `Idempotency-Key` and `Prefer: return=minimal` the app's
    /// booking form sends, if a key is given.
    pub async fn post_json(
        &mut self,
        path: &str,
        json: &[u8],
        idempotency_key: Option<&str>,
    ) -> io::Result<Answer<'_>> {
        self.send("POST", path, Some(json), idempotency_key).await
    }

    /// Sends one request and reads its answer. After an error the connection is dropped and
    /// the next request opens a new one (the error is the caller's to count).
    async fn send(
        &mut self,
        method: &str,
        path: &str,
        json: Option<&[u8]>,
        idempotency_key: Option<&str>,
    ) -> io::Result<Answer<'_>> {
        self.request.clear();
        // Writing into a Vec cannot fail.
        let _ = write!(
            self.request,
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nAccept-Encoding: {ACCEPT_ENCODING}\r\n",
            self.host
        );
        if let Some(key) = idempotency_key {
            // A booking, sent as the app's booking form sends it: with its key, asking for
            // the receipt rather than the holder's whole view.
            let _ = write!(
                self.request,
                "Idempotency-Key: {key}\r\nPrefer: return=minimal\r\n"
            );
        }
        if let Some(body) = json {
            let _ = write!(
                self.request,
                "Content-Type: application/json\r\nContent-Length: {}\r\n",
                body.len()
            );
        }
        self.request.extend_from_slice(b"\r\n");
        if let Some(body) = json {
            self.request.extend_from_slice(body);
        }
        match tokio::time::timeout(TIMEOUT, self.exchange()).await {
            Ok(Ok((status, keep_alive, encoding, body))) => {
                if !keep_alive {
                    self.stream = None;
                }
                let body = match body {
                    Body::Plain(range) => &self.buf[range],
                    Body::Chunked => &self.body[..],
                };
                Ok(Answer {
                    status,
                    body,
                    encoding,
                })
            }
            Ok(Err(e)) => {
                self.stream = None;
                Err(e)
            }
            Err(_) => {
                self.stream = None;
                Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "no answer within 60 s",
                ))
            }
        }
    }

    /// Writes `self.request`, reads one answer into `self.buf` (and `self.body`).
    async fn exchange(&mut self) -> io::Result<(u16, bool, Encoding, Body)> {
        if self.stream.is_none() {
            self.connect().await?;
        }
        let Some(stream) = self.stream.as_mut() else {
            return Err(closed());
        };
        stream.write_all(&self.request).await?;
        self.buf.clear();
        let (status, keep_alive, encoding, head_len, length) = loop {
            if read_more(stream, &mut self.buf).await? == 0 {
                return Err(closed());
            }
            let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
            let mut response = httparse::Response::new(&mut headers);
            let parsed = response
                .parse(&self.buf)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
            if let httparse::Status::Complete(head_len) = parsed {
                let status = response.code.unwrap_or(0);
                let mut keep_alive = response.version == Some(1);
                let mut length = Length::Until(None);
                let mut encoding = Encoding::Identity;
                for h in response.headers.iter() {
                    if h.name.eq_ignore_ascii_case("content-length") {
                        let n = std::str::from_utf8(h.value)
                            .ok()
                            .and_then(|v| v.trim().parse().ok())
                            .ok_or_else(|| invalid("bad Content-Length"))?;
                        length = Length::Until(Some(n));
                    } else if h.name.eq_ignore_ascii_case("transfer-encoding")
                        && h.value.eq_ignore_ascii_case(b"chunked")
                    {
                        length = Length::Chunked;
                    } else if h.name.eq_ignore_ascii_case("content-encoding") {
                        encoding = Encoding::of(h.value);
                    } else if h.name.eq_ignore_ascii_case("connection") {
                        keep_alive = !h.value.eq_ignore_ascii_case(b"close");
                    }
                }
                // 1xx, 204 and 304 answers have no body.
                if status < 200 || status == 204 || status == 304 {
                    length = Length::Until(Some(0));
                }
                break (status, keep_alive, encoding, head_len, length);
            }
        };
        match length {
            Length::Until(Some(n)) => {
                while self.buf.len() < head_len + n {
                    if read_more(stream, &mut self.buf).await? == 0 {
                        return Err(closed());
                    }
                }
                if self.buf.len() > head_len + n {
                    return Err(invalid(
                        "more bytes than one answer (pipelining is not used)",
                    ));
                }
                Ok((
                    status,
                    keep_alive,
                    encoding,
                    Body::Plain(head_len..head_len + n),
                ))
            }
            Length::Until(None) => {
                // No length: the body runs until the server closes the connection.
                while read_more(stream, &mut self.buf).await? > 0 {}
                Ok((
                    status,
                    false,
                    encoding,
                    Body::Plain(head_len..self.buf.len()),
                ))
            }
            Length::Chunked => {
                self.body.clear();
                let mut at = head_len;
                loop {
                    let line_end = loop {
                        if let Some(i) = find_crlf(&self.buf[at..]) {
                            break at + i;
                        }
                        if read_more(stream, &mut self.buf).await? == 0 {
                            return Err(closed());
                        }
                    };
                    let size_text = std::str::from_utf8(&self.buf[at..line_end])
                        .ok()
                        .map(|l| l.split(';').next().unwrap_or(l).trim())
                        .ok_or_else(|| invalid("bad chunk size"))?;
                    let size = usize::from_str_radix(size_text, 16)
                        .map_err(|_| invalid("bad chunk size"))?;
                    let data = line_end + 2;
                    // The chunk, its CRLF; after the last (empty) chunk, the final CRLF
                    // (trailers are not used by the server).
                    while self.buf.len() < data + size + 2 {
                        if read_more(stream, &mut self.buf).await? == 0 {
                            return Err(closed());
                        }
                    }
                    if size == 0 {
                        break;
                    }
                    self.body.extend_from_slice(&self.buf[data..data + size]);
                    at = data + size + 2;
                }
                Ok((status, keep_alive, encoding, Body::Chunked))
            }
        }
    }
}

enum Length {
    Until(Option<usize>),
    Chunked,
}

enum Body {
    Plain(std::ops::Range<usize>),
    Chunked,
}

async fn read_more(stream: &mut TcpStream, buf: &mut Vec<u8>) -> io::Result<usize> {
    if buf.capacity() - buf.len() < 4096 {
        buf.reserve(8192);
    }
    stream.read_buf(buf).await
}

fn find_crlf(bytes: &[u8]) -> Option<usize> {
    bytes.windows(2).position(|w| w == b"\r\n")
}

fn closed() -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        "the server closed the connection",
    )
}

fn invalid(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_owned())
}

#[cfg(test)]
mod tests {
    use super::{address, Connection, Encoding};
    use std::io::Write;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;
    use tokio::task::JoinHandle;

    /// A server that answers each request on one connection with the next canned answer,
    /// and hands back the requests it read.
    async fn canned<A: AsRef<[u8]> + Send + 'static>(
        answers: Vec<A>,
    ) -> (std::net::SocketAddr, JoinHandle<Vec<String>>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let requests = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut buf = vec![0u8; 4096];
            let mut requests = Vec::new();
            for answer in answers {
                let mut got = Vec::new();
                // Read one request: its head, then a Content-Length body if any.
                loop {
                    let n = socket.read(&mut buf).await.unwrap();
                    got.extend_from_slice(&buf[..n]);
                    let text = String::from_utf8_lossy(&got).into_owned();
                    if let Some(end) = text.find("\r\n\r\n") {
                        let length = text
                            .lines()
                            .find_map(|l| l.strip_prefix("Content-Length: "))
                            .map_or(0, |v| v.trim().parse::<usize>().unwrap());
                        if got.len() >= end + 4 + length {
                            break;
                        }
                    }
                }
                requests.push(String::from_utf8_lossy(&got).into_owned());
                socket.write_all(answer.as_ref()).await.unwrap();
            }
            requests
        });
        (addr, requests)
    }

    #[tokio::test]
    async fn reads_length_and_chunked_answers_on_one_connection() {
        let (addr, _) = canned::<&[u8]>(vec![
            b"HTTP/1.1 200 OK\r\ncontent-length: 15\r\n\r\n{\"status\":\"ok\"}",
            b"HTTP/1.1 201 Created\r\ntransfer-encoding: chunked\r\n\r\n4\r\n{\"a\"\r\n3\r\n:1}\r\n0\r\n\r\n",
            b"HTTP/1.1 304 Not Modified\r\netag: \"x\"\r\n\r\n",
        ])
        .await;
        let mut conn = Connection::open(addr).await.unwrap();
        let a = conn.get("/api/v1/health").await.unwrap();
        assert_eq!((a.status, a.body), (200, &b"{\"status\":\"ok\"}"[..]));
        let a = conn
            .post_json("/api/v1/bookings", b"{}", None)
            .await
            .unwrap();
        assert_eq!((a.status, a.body), (201, &b"{\"a\":1}"[..]));
        let a = conn.get("/api/v1/activities").await.unwrap();
        assert_eq!((a.status, a.body.len()), (304, 0));
    }

    #[tokio::test]
    async fn asks_for_brotli_or_gzip_and_reads_both() {
        let json = br#"{"status":"confirmed","session":{"id":7}}"#;
        let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gzip.write_all(json).unwrap();
        let gzip = gzip.finish().unwrap();
        let mut br = Vec::new();
        {
            let mut w = brotli::CompressorWriter::new(&mut br, 4096, 5, 22);
            w.write_all(json).unwrap();
        }
        let answer = |encoding: &str, body: &[u8]| {
            let mut a = format!(
                "HTTP/1.1 201 Created\r\ncontent-encoding: {encoding}\r\ncontent-length: {}\r\n\r\n",
                body.len()
            )
            .into_bytes();
            a.extend_from_slice(body);
            a
        };
        let (addr, requests) = canned(vec![
            answer("gzip", &gzip),
            answer("br", &br),
            answer("zstd", b"?"),
        ])
        .await;
        let mut conn = Connection::open(addr).await.unwrap();
        let mut scratch = Vec::new();
        let a = conn
            .post_json("/api/v1/bookings", b"{}", Some("18c2f-00ab"))
            .await
            .unwrap();
        assert_eq!(a.encoding, Encoding::Gzip);
        assert_ne!(a.body, &json[..]);
        assert_eq!(a.decoded(&mut scratch).unwrap(), &json[..]);
        let a = conn.get("/api/v1/activities").await.unwrap();
        assert_eq!(a.encoding, Encoding::Brotli);
        assert_eq!(a.decoded(&mut scratch).unwrap(), &json[..]);
        let a = conn.get("/api/v1/activities").await.unwrap();
        assert!(a.decoded(&mut scratch).is_err());
        let requests = requests.await.unwrap();
        for request in &requests {
            assert!(
                request.contains("\r\nAccept-Encoding: br, gzip\r\n"),
                "{request}"
            );
        }
        assert!(
            requests[0].contains("\r\nIdempotency-Key: 18c2f-00ab\r\nPrefer: return=minimal\r\n")
                && requests[0].ends_with("\r\n\r\n{}"),
            "{}",
            requests[0]
        );
        assert!(!requests[1].contains("Idempotency-Key") && !requests[1].contains("Prefer"));
    }

    #[test]
    fn address_from_base_url() {
        assert_eq!(
            address("http://127.0.0.1:8080").unwrap().to_string(),
            "127.0.0.1:8080"
        );
        assert!(address("https://example.org").is_err());
    }
}
