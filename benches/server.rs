//! A fixed-response HTTP/1.1 keep-alive server for the SDK benchmark (`benches/sdk.rs`).
//!
//! std::net only, one thread per connection, responses built once (or generated on the fly for
//! list pages) so the server costs as little as possible: it is the thing *not* measured. The
//! benchmark starts it as `taskset -c 1 <bench binary> --serve` and runs its clients on CPU 0.
//!
//! Standalone (for trying a client by hand): `cargo bench --bench server -- --serve [--port N]`.
//! It prints `LISTENING <port>` and serves until its standard input ends (Ctrl-D).
//!
//! Routes:
//! - `GET /api/v3/runs/{id}`: a ~1.5 KB `RetrieveRunResponse`.
//! - `GET /api/v1/runs?page[size]=N&page[after]=C`: pages of [`TOTAL_RUNS`] runs, generated
//!   from the cursor, with `pagination.next` until the last page.
//! - `POST /api/v1/tasks/{id}/trigger`: `{"id":"run_…"}` and `x-trigger-jwt`.
//! - `POST /api/v3/batches`: 202 `{"id":"batch_…","runCount":N,"isCached":false}`.
//! - `POST /api/v3/batches/{id}/items`: counts the NDJSON lines of the body and seals.
//!
//! Request bodies may come with `Content-Length` or `Transfer-Encoding: chunked`; both are read
//! in full before answering, and `Expect: 100-continue` is honoured.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::OnceLock;

/// How many runs the list route holds.
pub const TOTAL_RUNS: u64 = 100_000;
/// The largest page the list route returns.
pub const MAX_PAGE: u64 = 100;
/// The public access token sent with triggers and batches.
const JWT: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJlbnZfYmVuY2giLCJzY29wZXMiOlsicmVhZDpydW5zIl19.c2lnbmF0dXJlLW9mLXRoZS1iZW5jaA";

/// A `RetrieveRunResponse` shaped like the API's (and valid for the official SDK's schema).
pub const RUN_JSON: &str = concat!(
    r#"{"id":"run_cm9bench0001x7k2q4r8s5t6","status":"COMPLETED","taskIdentifier":"send-welcome-email","#,
    r#""idempotencyKey":"6ab9f1eb3c0c1c8e5c6b2d1f7a9e4b3d2c1a0f9e8d7c6b5a4f3e2d1c0b9a6dd0","version":"20250716.3","#,
    r#""isQueued":false,"isExecuting":false,"isWaiting":false,"isCompleted":true,"isSuccess":true,"#,
    r#""isFailed":false,"isCancelled":false,"isTest":false,"createdAt":"2025-07-16T09:12:44.123Z","#,
    r#""updatedAt":"2025-07-16T09:12:49.870Z","startedAt":"2025-07-16T09:12:45.002Z","#,
    r#""finishedAt":"2025-07-16T09:12:49.861Z","ttl":"10m","tags":["user_4821","welcome","campaign:summer-2025"],"#,
    r#""costInCents":0.0421,"baseCostInCents":0.0025,"durationMs":4859,"#,
    r#""metadata":{"progress":1,"step":"sent"},"taskKind":"STANDARD","region":"us-east-1","#,
    r#""depth":1,"triggerFunction":"trigger","batchId":"batch_cm9bench0000a1b2c3d4e5","#,
    r#""payload":{"to":"ada@example.com","name":"Ada Lovelace","template":"welcome-v3","locale":"en-GB","#,
    r#""variables":{"plan":"pro","trialDays":14,"referrer":"newsletter"}},"#,
    r#""output":{"messageId":"msg_01J3Z9X8Y7W6V5U4T3S2R1Q0P9","accepted":["ada@example.com"],"rejected":[]},"#,
    r#""relatedRuns":{"root":{"id":"run_cm9bench0000root00000001","status":"COMPLETED","#,
    r#""taskIdentifier":"onboard-user","isQueued":false,"isExecuting":false,"#,
    r#""isWaiting":false,"isCompleted":true,"isSuccess":true,"isFailed":false,"isCancelled":false,"#,
    r#""isTest":false,"createdAt":"2025-07-16T09:12:40.001Z","updatedAt":"2025-07-16T09:12:50.412Z","#,
    r#""tags":["user_4821"],"#,
    r#""costInCents":0.0913,"baseCostInCents":0.0025,"durationMs":9870,"depth":0,"triggerFunction":"trigger"},"#,
    r#""children":[]},"attemptCount":1}"#
);

/// Entry point, shared by the standalone `server` bench target and `sdk --serve`.
pub fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if !args.iter().any(|a| a == "--serve") {
        println!(
            "benchmark server: run `cargo bench --bench server -- --serve [--port N]` to serve \
             (benches/sdk.rs starts it by itself)"
        );
        return;
    }
    let port = args
        .iter()
        .position(|a| a == "--port")
        .and_then(|i| args.get(i + 1))
        .and_then(|p| p.parse::<u16>().ok())
        .unwrap_or(0);
    let listener = match TcpListener::bind(("127.0.0.1", port)) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("benchmark server: cannot listen on 127.0.0.1:{port}: {e}");
            std::process::exit(1);
        }
    };
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(port);
    // Build the fixed responses before saying we are ready.
    responses();
    println!("LISTENING {port}");
    let _ = io::stdout().flush();
    std::thread::spawn(move || accept_loop(listener));
    // Serve until the parent closes our standard input (or dies).
    let mut sink = [0u8; 64];
    loop {
        match io::stdin().read(&mut sink) {
            Ok(0) | Err(_) => std::process::exit(0),
            Ok(_) => {}
        }
    }
}

fn accept_loop(listener: TcpListener) {
    for stream in listener.incoming() {
        match stream {
            Ok(stream) => {
                let _ = std::thread::Builder::new()
                    .name("conn".into())
                    .stack_size(256 * 1024)
                    .spawn(move || {
                        let _ = handle(stream);
                    });
            }
            Err(e) => eprintln!("benchmark server: accept failed: {e}"),
        }
    }
}

/// Fixed responses, headers included, built once.
struct Responses {
    retrieve: Vec<u8>,
    trigger: Vec<u8>,
    not_found: Vec<u8>,
}

fn responses() -> &'static Responses {
    static R: OnceLock<Responses> = OnceLock::new();
    R.get_or_init(|| {
        let mut retrieve = Vec::new();
        response(&mut retrieve, "200 OK", &[], RUN_JSON.as_bytes());
        let mut trigger = Vec::new();
        response(
            &mut trigger,
            "200 OK",
            &[("x-trigger-jwt", JWT)],
            br#"{"id":"run_cm9bench0002trig00000001"}"#,
        );
        let mut not_found = Vec::new();
        response(
            &mut not_found,
            "404 Not Found",
            &[("x-should-retry", "false")],
            br#"{"error":"Not found"}"#,
        );
        Responses {
            retrieve,
            trigger,
            not_found,
        }
    })
}

/// Appends a whole response to `out`.
fn response(out: &mut Vec<u8>, status: &str, headers: &[(&str, &str)], body: &[u8]) {
    out.extend_from_slice(b"HTTP/1.1 ");
    out.extend_from_slice(status.as_bytes());
    out.extend_from_slice(b"\r\ncontent-type: application/json; charset=utf-8\r\n");
    for (name, value) in headers {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    let _ = write!(out, "content-length: {}\r\n\r\n", body.len());
    out.extend_from_slice(body);
}

/// What the head of a request says about its body and the connection.
#[derive(Default)]
struct Head {
    method: String,
    target: String,
    content_length: Option<usize>,
    chunked: bool,
    expect_continue: bool,
    close: bool,
}

fn bad_request(message: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.to_owned())
}

fn trim_crlf(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Reads a request head; `None` at a clean end of the connection.
fn read_head(reader: &mut impl BufRead, line: &mut Vec<u8>) -> io::Result<Option<Head>> {
    let mut head = Head::default();
    loop {
        line.clear();
        if reader.read_until(b'\n', line)? == 0 {
            return Ok(None);
        }
        let l = trim_crlf(line);
        if !l.is_empty() {
            let text = std::str::from_utf8(l).map_err(|_| bad_request("request line"))?;
            let mut parts = text.split(' ');
            head.method = parts.next().unwrap_or("").to_owned();
            head.target = parts.next().unwrap_or("").to_owned();
            let version = parts.next().unwrap_or("");
            head.close = version == "HTTP/1.0";
            break;
        }
    }
    loop {
        line.clear();
        if reader.read_until(b'\n', line)? == 0 {
            return Err(bad_request("connection closed inside a request head"));
        }
        let l = trim_crlf(line);
        if l.is_empty() {
            return Ok(Some(head));
        }
        let Some(colon) = l.iter().position(|&b| b == b':') else {
            return Err(bad_request("header line without a colon"));
        };
        let name = &l[..colon];
        let value = std::str::from_utf8(&l[colon + 1..])
            .map_err(|_| bad_request("header value"))?
            .trim();
        if name.eq_ignore_ascii_case(b"content-length") {
            head.content_length = Some(value.parse().map_err(|_| bad_request("content-length"))?);
        } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
            head.chunked = value.to_ascii_lowercase().contains("chunked");
        } else if name.eq_ignore_ascii_case(b"expect") {
            head.expect_continue = value.eq_ignore_ascii_case("100-continue");
        } else if name.eq_ignore_ascii_case(b"connection") {
            let v = value.to_ascii_lowercase();
            if v.contains("close") {
                head.close = true;
            } else if v.contains("keep-alive") {
                head.close = false;
            }
        }
    }
}

/// Reads a chunked body into `body` (chunk extensions and trailers are skipped).
fn read_chunked(
    reader: &mut impl BufRead,
    line: &mut Vec<u8>,
    body: &mut Vec<u8>,
) -> io::Result<()> {
    loop {
        line.clear();
        if reader.read_until(b'\n', line)? == 0 {
            return Err(bad_request("connection closed inside a chunked body"));
        }
        let l = trim_crlf(line);
        let size_text = l.split(|&b| b == b';').next().unwrap_or(b"");
        let size_text = std::str::from_utf8(size_text)
            .map_err(|_| bad_request("chunk size"))?
            .trim();
        let size = usize::from_str_radix(size_text, 16).map_err(|_| bad_request("chunk size"))?;
        if size == 0 {
            // Trailers, up to an empty line.
            loop {
                line.clear();
                if reader.read_until(b'\n', line)? == 0 || trim_crlf(line).is_empty() {
                    return Ok(());
                }
            }
        }
        let start = body.len();
        body.resize(start + size, 0);
        reader.read_exact(&mut body[start..])?;
        let mut crlf = [0u8; 2];
        reader.read_exact(&mut crlf)?;
        if &crlf != b"\r\n" {
            return Err(bad_request("chunk not followed by CRLF"));
        }
    }
}

fn handle(stream: TcpStream) -> io::Result<()> {
    stream.set_nodelay(true)?;
    let mut reader = BufReader::with_capacity(64 * 1024, stream.try_clone()?);
    let mut writer = stream;
    let mut line = Vec::with_capacity(512);
    let mut body = Vec::new();
    let mut out = Vec::with_capacity(64 * 1024);
    let mut scratch = Vec::with_capacity(64 * 1024);
    while let Some(head) = read_head(&mut reader, &mut line)? {
        if head.expect_continue {
            writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
        }
        body.clear();
        if head.chunked {
            read_chunked(&mut reader, &mut line, &mut body)?;
        } else if let Some(len) = head.content_length {
            body.resize(len, 0);
            reader.read_exact(&mut body)?;
        }
        out.clear();
        let fixed = route(&head, &body, &mut out, &mut scratch);
        writer.write_all(if fixed.is_empty() { &out } else { fixed })?;
        if head.close {
            return Ok(());
        }
    }
    Ok(())
}

/// Answers one request: returns a fixed response, or fills `out` and returns an empty slice.
fn route<'a>(head: &Head, body: &[u8], out: &mut Vec<u8>, scratch: &mut Vec<u8>) -> &'a [u8] {
    let r = responses();
    let (path, query) = match head.target.split_once('?') {
        Some((p, q)) => (p, q),
        None => (head.target.as_str(), ""),
    };
    match (head.method.as_str(), path) {
        ("GET", p) if p.starts_with("/api/v3/runs/") => &r.retrieve,
        ("GET", "/api/v1/runs") => {
            list_page(query, out, scratch);
            &[]
        }
        ("POST", p) if p.starts_with("/api/v1/tasks/") && p.ends_with("/trigger") => &r.trigger,
        ("POST", "/api/v3/batches") => {
            let run_count = json_number(body, "runCount").unwrap_or(0);
            scratch.clear();
            let _ = write!(
                scratch,
                r#"{{"id":"batch_cm9bench0003b","runCount":{run_count},"isCached":false,"idempotencyKey":null}}"#
            );
            response(out, "202 Accepted", &[("x-trigger-jwt", JWT)], scratch);
            &[]
        }
        ("POST", p) if p.starts_with("/api/v3/batches/") && p.ends_with("/items") => {
            let items = body
                .split(|&b| b == b'\n')
                .filter(|l| l.iter().any(|b| !b.is_ascii_whitespace()))
                .count();
            scratch.clear();
            let _ = write!(
                scratch,
                r#"{{"id":"batch_cm9bench0003b","itemsAccepted":{items},"itemsDeduplicated":0,"sealed":true}}"#
            );
            response(out, "200 OK", &[], scratch);
            &[]
        }
        _ => &r.not_found,
    }
}

/// The number after `"key":` in a JSON body (enough for the batch's `runCount`).
fn json_number(body: &[u8], key: &str) -> Option<u64> {
    let needle = format!("\"{key}\":");
    let at = body
        .windows(needle.len())
        .position(|w| w == needle.as_bytes())?
        + needle.len();
    let digits: String = body[at..]
        .iter()
        .skip_while(|b| b.is_ascii_whitespace())
        .take_while(|b| b.is_ascii_digit())
        .map(|&b| b as char)
        .collect();
    digits.parse().ok()
}

/// A query parameter, accepting `page[after]` both raw and percent-encoded.
fn query_param<'q>(query: &'q str, name: &str) -> Option<&'q str> {
    let encoded = name.replace('[', "%5B").replace(']', "%5D");
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == name || k.eq_ignore_ascii_case(&encoded)).then_some(v)
    })
}

fn run_id(index: u64) -> String {
    format!("run_bench{index:08}")
}

/// A page of the runs list, from the cursor (the id of the last run of the previous page).
fn list_page(query: &str, out: &mut Vec<u8>, body: &mut Vec<u8>) {
    let size = query_param(query, "page[size]")
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or(25)
        .clamp(1, MAX_PAGE);
    let start = query_param(query, "page[after]")
        .and_then(|c| c.strip_prefix("run_bench"))
        .and_then(|n| n.parse::<u64>().ok())
        .map_or(0, |last| last + 1);
    let end = (start + size).min(TOTAL_RUNS);
    body.clear();
    body.extend_from_slice(b"{\"data\":[");
    for i in start..end {
        if i > start {
            body.push(b',');
        }
        run_item(body, i);
    }
    body.extend_from_slice(b"],\"pagination\":{");
    if end < TOTAL_RUNS {
        let _ = write!(body, "\"next\":\"{}\"", run_id(end - 1));
    }
    if start > 0 {
        if end < TOTAL_RUNS {
            body.push(b',');
        }
        let _ = write!(body, "\"previous\":\"{}\"", run_id(start));
    }
    body.extend_from_slice(b"}}");
    response(out, "200 OK", &[], body);
}

/// One `ListRunResponseItem` (~600 bytes), varied a little by index.
fn run_item(out: &mut Vec<u8>, i: u64) {
    const STATUSES: [(&str, [bool; 7]); 4] = [
        // isQueued, isExecuting, isWaiting, isCompleted, isSuccess, isFailed, isCancelled
        ("COMPLETED", [false, false, false, true, true, false, false]),
        ("COMPLETED", [false, false, false, true, true, false, false]),
        ("FAILED", [false, false, false, true, false, true, false]),
        (
            "EXECUTING",
            [false, true, false, false, false, false, false],
        ),
    ];
    let (status, f) = STATUSES[(i % 4) as usize];
    let secs = i % 60;
    let mins = (i / 60) % 60;
    let _ = write!(
        out,
        concat!(
            r#"{{"id":"{id}","status":"{status}","taskIdentifier":"send-welcome-email","#,
            r#""idempotencyKey":"{i:064x}","version":"20250716.3","#,
            r#""isQueued":{q},"isExecuting":{e},"isWaiting":{w},"isCompleted":{c},"isSuccess":{s},"#,
            r#""isFailed":{fl},"isCancelled":{ca},"isTest":false,"#,
            r#""createdAt":"2025-07-16T09:{mins:02}:{secs:02}.123Z","updatedAt":"2025-07-16T09:{mins:02}:{secs:02}.870Z","#,
            r#""startedAt":"2025-07-16T09:{mins:02}:{secs:02}.402Z","#,
            r#""tags":["user_{user}","welcome"],"costInCents":0.0421,"baseCostInCents":0.0025,"#,
            r#""durationMs":{dur},"metadata":{{"attempt":1,"source":"signup"}},"#,
            r#""env":{{"id":"env_cm9bench0000dev","name":"dev","user":"ada"}}}}"#
        ),
        id = run_id(i),
        status = status,
        i = i,
        q = f[0],
        e = f[1],
        w = f[2],
        c = f[3],
        s = f[4],
        fl = f[5],
        ca = f[6],
        mins = mins,
        secs = secs,
        user = i % 9973,
        dur = 400 + i % 5000,
    );
}
