//! A small HTTP/1.1 server on `std::net`.
//!
//! Hand-written rather than tiny_http because fault injection needs to cut a keep-alive socket
//! mid-response, and `Emulator::drop` needs to join every thread it started.

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// Bigger request heads than this get 431.
const MAX_HEAD: usize = 64 * 1024;
/// Oversized bodies up to this size are read and discarded so the client sees the 413, not a reset.
const MAX_DRAIN: usize = 64 * 1024 * 1024;
/// Idle keep-alive connections are closed after this long.
const IDLE_TIMEOUT: Duration = Duration::from_secs(300);
/// More simultaneous connections than this get 503 and are closed.
const MAX_CONNECTIONS: usize = 512;

/// A fully read request.
#[derive(Debug, Clone)]
pub struct HttpRequest {
    pub method: String,
    /// Raw path, still percent-encoded.
    pub path: String,
    /// Raw query string without `?`.
    pub query: String,
    /// Header names lowercased, in arrival order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpRequest {
    /// First header with this (lowercase) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A response to write.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Close the connection after writing.
    pub close: bool,
}

impl HttpResponse {
    pub fn new(status: u16, content_type: &str, body: Vec<u8>) -> Self {
        HttpResponse {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body,
            close: false,
        }
    }

    pub fn json(status: u16, value: &serde_json::Value) -> Self {
        Self::new(status, "application/json", value.to_string().into_bytes())
    }

    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What the application wants done with a request.
pub enum Outcome {
    Respond(HttpResponse),
    /// Write these bytes, then cut the connection (fault injection).
    Drop(Vec<u8>),
    /// Write the head (chunked transfer encoding, no content-length), then let the body write
    /// its chunks over time (server-sent events).
    Stream(HttpResponse, Box<dyn StreamBody>),
}

/// A response body produced over time, e.g. an SSE stream. It runs on the connection's thread
/// after the handler returned, so it must not hold the application lock while it waits.
pub trait StreamBody: Send {
    fn run(self: Box<Self>, out: &mut StreamWriter<'_>) -> StreamEnd;
}

/// How a streamed body ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamEnd {
    /// Write the terminating chunk; the connection may be reused.
    Finish,
    /// Cut the connection without the terminating chunk (a dropped stream).
    Abort,
}

/// Writes one HTTP chunk per call.
pub struct StreamWriter<'a> {
    w: &'a mut TcpStream,
    stopping: &'a AtomicBool,
}

impl StreamWriter<'_> {
    /// Sends `data` as one chunk and flushes it.
    pub fn chunk(&mut self, data: &[u8]) -> io::Result<()> {
        if data.is_empty() {
            return Ok(());
        }
        let mut out = format!("{:x}\r\n", data.len()).into_bytes();
        out.extend_from_slice(data);
        out.extend_from_slice(b"\r\n");
        self.w.write_all(&out)?;
        self.w.flush()
    }

    /// True once the server is shutting down.
    pub fn stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }
}

/// The application behind the server.
pub trait Handler: Send + Sync + 'static {
    /// Largest body accepted for this request, checked before the body is read.
    fn body_limit(&self, method: &str, path: &str) -> usize;
    fn handle(&self, req: HttpRequest) -> Outcome;
}

#[derive(Default)]
struct Connections {
    next_id: u64,
    streams: HashMap<u64, TcpStream>,
    threads: Vec<JoinHandle<()>>,
}

/// A running server; dropping it stops accepting, closes every connection and joins all threads.
pub struct Server {
    addr: SocketAddr,
    stopping: Arc<AtomicBool>,
    conns: Arc<Mutex<Connections>>,
    acceptor: Option<JoinHandle<()>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Server {
    /// Serves `listener` on a background thread, one thread per connection.
    pub fn start(listener: TcpListener, handler: Arc<dyn Handler>) -> io::Result<Server> {
        let addr = listener.local_addr()?;
        let stopping = Arc::new(AtomicBool::new(false));
        let conns = Arc::new(Mutex::new(Connections::default()));
        let acceptor = {
            let stopping = stopping.clone();
            let conns = conns.clone();
            std::thread::Builder::new()
                .name("emulator-accept".into())
                .spawn(move || accept_loop(listener, handler, stopping, conns))?
        };
        Ok(Server {
            addr,
            stopping,
            conns,
            acceptor: Some(acceptor),
        })
    }

    fn stop(&mut self) {
        self.stopping.store(true, Ordering::SeqCst);
        // Wake the blocking accept() with a throwaway connection.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(a) = self.acceptor.take() {
            let _ = a.join();
        }
        let threads = {
            let mut c = lock(&self.conns);
            for s in c.streams.values() {
                let _ = s.shutdown(Shutdown::Both);
            }
            std::mem::take(&mut c.threads)
        };
        for t in threads {
            let _ = t.join();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

fn accept_loop(
    listener: TcpListener,
    handler: Arc<dyn Handler>,
    stopping: Arc<AtomicBool>,
    conns: Arc<Mutex<Connections>>,
) {
    for stream in listener.incoming() {
        if stopping.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = stream else {
            // e.g. out of file descriptors: back off instead of spinning.
            std::thread::sleep(Duration::from_millis(10));
            continue;
        };
        let _ = stream.set_nodelay(true);
        let _ = stream.set_read_timeout(Some(IDLE_TIMEOUT));
        let mut c = lock(&conns);
        c.threads.retain(|t| !t.is_finished());
        if c.streams.len() >= MAX_CONNECTIONS {
            drop(c);
            let mut s = stream;
            let _ = write_response(&mut s, &busy(), false, true);
            continue;
        }
        let Ok(clone) = stream.try_clone() else {
            continue;
        };
        let id = c.next_id;
        c.next_id += 1;
        c.streams.insert(id, clone);
        let handler = handler.clone();
        let conns2 = conns.clone();
        let stopping2 = stopping.clone();
        let spawned = std::thread::Builder::new()
            .name("emulator-conn".into())
            .spawn(move || {
                serve_connection(stream, &*handler, &stopping2);
                lock(&conns2).streams.remove(&id);
            });
        match spawned {
            Ok(t) => c.threads.push(t),
            Err(_) => {
                c.streams.remove(&id);
            }
        }
    }
}

fn busy() -> HttpResponse {
    let mut r = HttpResponse::json(503, &serde_json::json!({"error": "Too many connections"}));
    r.close = true;
    r
}

fn simple(status: u16, msg: &str) -> HttpResponse {
    let mut r = HttpResponse::json(status, &serde_json::json!({ "error": msg }));
    r.close = true;
    r
}

enum ReadErr {
    /// Clean end of stream before a request started.
    Eof,
    Io,
    Bad(&'static str),
    HeadTooLarge,
}

struct Head {
    method: String,
    target: String,
    http10: bool,
    headers: Vec<(String, String)>,
}

/// Reads one line (without CRLF), enforcing the overall head budget.
fn read_line(r: &mut BufReader<TcpStream>, budget: &mut usize) -> Result<Option<String>, ReadErr> {
    let mut buf = Vec::new();
    let n = r
        .by_ref()
        .take(*budget as u64 + 1)
        .read_until(b'\n', &mut buf)
        .map_err(|_| ReadErr::Io)?;
    if n == 0 {
        return Ok(None);
    }
    if n > *budget {
        return Err(ReadErr::HeadTooLarge);
    }
    *budget -= n;
    if buf.last() != Some(&b'\n') {
        return Err(ReadErr::Io);
    }
    while matches!(buf.last(), Some(b'\n') | Some(b'\r')) {
        buf.pop();
    }
    String::from_utf8(buf)
        .map(Some)
        .map_err(|_| ReadErr::Bad("Invalid request encoding"))
}

fn read_head(r: &mut BufReader<TcpStream>) -> Result<Head, ReadErr> {
    let mut budget = MAX_HEAD;
    // Tolerate stray blank lines between pipelined requests.
    let line = loop {
        match read_line(r, &mut budget)? {
            None => return Err(ReadErr::Eof),
            Some(l) if l.is_empty() => continue,
            Some(l) => break l,
        }
    };
    let mut parts = line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(ReadErr::Bad("Malformed request line"));
    };
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(ReadErr::Bad("Malformed request line"));
    }
    let http10 = match version {
        "HTTP/1.1" => false,
        "HTTP/1.0" => true,
        _ => return Err(ReadErr::Bad("Unsupported HTTP version")),
    };
    let mut headers = Vec::new();
    loop {
        let Some(l) = read_line(r, &mut budget)? else {
            return Err(ReadErr::Io);
        };
        if l.is_empty() {
            break;
        }
        let Some((k, v)) = l.split_once(':') else {
            return Err(ReadErr::Bad("Malformed header"));
        };
        if k.is_empty() || k.contains(' ') {
            return Err(ReadErr::Bad("Malformed header"));
        }
        headers.push((k.to_ascii_lowercase(), v.trim().to_string()));
    }
    Ok(Head {
        method: method.to_string(),
        target: target.to_string(),
        http10,
        headers,
    })
}

enum BodyErr {
    Io,
    Bad,
    /// Too large; `drained` says whether the whole body was consumed (so the connection can continue).
    TooLarge {
        drained: bool,
    },
}

fn read_chunked(r: &mut BufReader<TcpStream>, limit: usize) -> Result<Vec<u8>, BodyErr> {
    let mut body = Vec::new();
    let mut total = 0usize;
    let mut over = false;
    loop {
        let mut budget = 1024;
        let line = match read_line(r, &mut budget) {
            Ok(Some(l)) => l,
            Ok(None) | Err(ReadErr::Io) => return Err(BodyErr::Io),
            Err(_) => return Err(BodyErr::Bad),
        };
        let size_hex = line.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_hex, 16).map_err(|_| BodyErr::Bad)?;
        if size == 0 {
            // Trailers, up to the blank line.
            loop {
                let mut budget = 8192;
                match read_line(r, &mut budget) {
                    Ok(Some(l)) if l.is_empty() => break,
                    Ok(Some(_)) => continue,
                    _ => return Err(BodyErr::Io),
                }
            }
            break;
        }
        total = total.saturating_add(size);
        if total > MAX_DRAIN {
            return Err(BodyErr::TooLarge { drained: false });
        }
        if total > limit {
            over = true;
        }
        let mut chunk = vec![0u8; size];
        r.read_exact(&mut chunk).map_err(|_| BodyErr::Io)?;
        if !over {
            body.extend_from_slice(&chunk);
        }
        let mut crlf = [0u8; 2];
        r.read_exact(&mut crlf).map_err(|_| BodyErr::Io)?;
        if &crlf != b"\r\n" {
            return Err(BodyErr::Bad);
        }
    }
    if over {
        return Err(BodyErr::TooLarge { drained: true });
    }
    Ok(body)
}

fn read_body(
    r: &mut BufReader<TcpStream>,
    w: &mut TcpStream,
    head: &Head,
    limit: usize,
) -> Result<Vec<u8>, BodyErr> {
    let get = |n: &str| {
        head.headers
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.as_str())
    };
    let expects_continue = get("expect").is_some_and(|v| v.eq_ignore_ascii_case("100-continue"));
    let chunked =
        get("transfer-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    let length = match get("content-length") {
        Some(v) => Some(v.trim().parse::<usize>().map_err(|_| BodyErr::Bad)?),
        None => None,
    };
    if let Some(n) = length.filter(|_| !chunked) {
        if n > limit {
            // Without 100-continue the client is already sending; swallow it so it can read our 413.
            if expects_continue || n > MAX_DRAIN {
                return Err(BodyErr::TooLarge { drained: false });
            }
            io::copy(&mut r.by_ref().take(n as u64), &mut io::sink()).map_err(|_| BodyErr::Io)?;
            return Err(BodyErr::TooLarge { drained: true });
        }
    }
    if expects_continue && (chunked || length.unwrap_or(0) > 0) {
        w.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
            .map_err(|_| BodyErr::Io)?;
    }
    if chunked {
        return read_chunked(r, limit);
    }
    let n = length.unwrap_or(0);
    let mut body = vec![0u8; n];
    r.read_exact(&mut body).map_err(|_| BodyErr::Io)?;
    Ok(body)
}

fn serve_connection(stream: TcpStream, handler: &dyn Handler, stopping: &AtomicBool) {
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut writer = stream;
    loop {
        let head = match read_head(&mut reader) {
            Ok(h) => h,
            Err(ReadErr::Eof) | Err(ReadErr::Io) => break,
            Err(ReadErr::Bad(msg)) => {
                let _ = write_response(&mut writer, &simple(400, msg), false, true);
                break;
            }
            Err(ReadErr::HeadTooLarge) => {
                let _ = write_response(
                    &mut writer,
                    &simple(431, "Request header too large"),
                    false,
                    true,
                );
                break;
            }
        };
        if stopping.load(Ordering::SeqCst) {
            break;
        }
        let conn_hdr = head
            .headers
            .iter()
            .find(|(k, _)| k == "connection")
            .map(|(_, v)| v.to_ascii_lowercase());
        let keep_alive = match (&conn_hdr, head.http10) {
            (Some(v), _) if v.contains("close") => false,
            (Some(v), true) => v.contains("keep-alive"),
            (None, true) => false,
            _ => true,
        };
        let (path, query) = match head.target.split_once('?') {
            Some((p, q)) => (p.to_string(), q.to_string()),
            None => (head.target.clone(), String::new()),
        };
        let limit = handler.body_limit(&head.method, &path);
        let body = match read_body(&mut reader, &mut writer, &head, limit) {
            Ok(b) => b,
            Err(BodyErr::Io) => break,
            Err(BodyErr::Bad) => {
                let _ = write_response(
                    &mut writer,
                    &simple(400, "Malformed request body"),
                    false,
                    true,
                );
                break;
            }
            Err(BodyErr::TooLarge { drained }) => {
                // The connection survives only if the body was consumed.
                let close = !(drained && keep_alive);
                let resp = simple(413, "Request body too large");
                if write_response(&mut writer, &resp, false, close).is_err() || close {
                    break;
                }
                continue;
            }
        };
        let is_head = head.method == "HEAD";
        let req = HttpRequest {
            method: head.method,
            path,
            query,
            headers: head.headers,
            body,
        };
        let outcome =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| handler.handle(req)))
                .unwrap_or_else(|_| Outcome::Respond(simple(500, "Internal server error")));
        match outcome {
            Outcome::Respond(resp) => {
                let close = resp.close || !keep_alive;
                if write_response(&mut writer, &resp, is_head, close).is_err() || close {
                    break;
                }
            }
            Outcome::Drop(bytes) => {
                let _ = writer.write_all(&bytes);
                let _ = writer.flush();
                break;
            }
            Outcome::Stream(head, body) => {
                let close = head.close || !keep_alive;
                if write_stream_head(&mut writer, &head, close).is_err() {
                    break;
                }
                let mut out = StreamWriter {
                    w: &mut writer,
                    stopping,
                };
                let end =
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| body.run(&mut out)))
                        .unwrap_or(StreamEnd::Abort);
                if end == StreamEnd::Abort
                    || writer.write_all(b"0\r\n\r\n").is_err()
                    || writer.flush().is_err()
                    || close
                {
                    break;
                }
            }
        }
    }
    let _ = writer.shutdown(Shutdown::Both);
}

fn write_stream_head(w: &mut TcpStream, resp: &HttpResponse, close: bool) -> io::Result<()> {
    let mut out = format!("HTTP/1.1 {} {}\r\n", resp.status, reason(resp.status)).into_bytes();
    for (k, v) in &resp.headers {
        let v: String = v.chars().filter(|c| *c != '\r' && *c != '\n').collect();
        out.extend_from_slice(format!("{k}: {v}\r\n").as_bytes());
    }
    out.extend_from_slice(b"transfer-encoding: chunked\r\n");
    out.extend_from_slice(if close {
        b"connection: close\r\n\r\n".as_slice()
    } else {
        b"connection: keep-alive\r\n\r\n".as_slice()
    });
    w.write_all(&out)?;
    w.flush()
}

fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        413 => "Payload Too Large",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

fn write_response(
    w: &mut TcpStream,
    resp: &HttpResponse,
    head_only: bool,
    close: bool,
) -> io::Result<()> {
    let mut out = Vec::with_capacity(256 + resp.body.len());
    out.extend_from_slice(
        format!("HTTP/1.1 {} {}\r\n", resp.status, reason(resp.status)).as_bytes(),
    );
    for (k, v) in &resp.headers {
        // Header values come from our own code, but never let a CR/LF split the response.
        let v: String = v.chars().filter(|c| *c != '\r' && *c != '\n').collect();
        out.extend_from_slice(format!("{k}: {v}\r\n").as_bytes());
    }
    out.extend_from_slice(format!("content-length: {}\r\n", resp.body.len()).as_bytes());
    out.extend_from_slice(if close {
        b"connection: close\r\n\r\n".as_slice()
    } else {
        b"connection: keep-alive\r\n\r\n".as_slice()
    });
    if !head_only {
        out.extend_from_slice(&resp.body);
    }
    w.write_all(&out)?;
    w.flush()
}
