//! JSON-RPC over a byte stream with `Content-Length` framing, as the Language Server
//! Protocol sends it over stdio.
//!
//! lsp-server's own stdio transport stops at the first malformed message and allocates
//! whatever `Content-Length` claims; an editor (or anything else writing to our stdin)
//! must not be able to stop or exhaust the server, so the framing is read here: headers
//! and bodies have limits, a broken frame is skipped, and malformed JSON is answered
//! with a JSON-RPC error instead of ending the session.

use std::io::{self, BufRead, Read, Write};
use std::sync::{Arc, Mutex};

use lsp_server::{ErrorCode, Message};
use serde_json::{json, Value};

/// A header line longer than this is not a header.
const MAX_HEADER_LINE: usize = 4096;

/// What the reader found in the stream.
#[derive(Debug)]
pub enum Incoming {
    Message(Message),
    /// A frame that could not be read as a message: the error to answer with and the
    /// request id, when one could be read (JSON-RPC answers `null` otherwise).
    Malformed {
        id: Value,
        code: ErrorCode,
        message: String,
    },
}

/// Reads framed messages, at most `max_body` bytes each.
pub struct Reader<R> {
    input: R,
    max_body: usize,
}

impl<R: BufRead> Reader<R> {
    pub fn new(input: R, max_body: usize) -> Self {
        Reader { input, max_body }
    }

    /// The next message, or `None` at the end of the stream.
    pub fn next(&mut self) -> io::Result<Option<Incoming>> {
        let length = match self.headers()? {
            None => return Ok(None),
            Some(Ok(length)) => length,
            Some(Err(problem)) => return Ok(Some(malformed(Value::Null, problem))),
        };
        if length > self.max_body {
            // Skip the body without holding it, so the next frame is read where it starts.
            let skipped = io::copy(&mut (&mut self.input).take(length as u64), &mut io::sink())?;
            if skipped < length as u64 {
                return Ok(None);
            }
            return Ok(Some(malformed(
                Value::Null,
                format!(
                    "a message of {length} bytes is larger than the limit of {} bytes",
                    self.max_body
                ),
            )));
        }
        let mut body = vec![0; length];
        match self.input.read_exact(&mut body) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
            Err(e) => return Err(e),
        }
        Ok(Some(decode(&body)))
    }

    /// The `Content-Length` of the next frame; `Some(Err)` when the headers are broken
    /// (the rest of that frame is skipped up to the next `Content-Length` header).
    fn headers(&mut self) -> io::Result<Option<Result<usize, String>>> {
        let mut length: Option<usize> = None;
        let mut problem: Option<String> = None;
        let mut seen_any = false;
        loop {
            let Some(line) = self.header_line()? else {
                // The stream ended: inside a frame's headers nothing more can be answered.
                return Ok(None);
            };
            let line = match line {
                Ok(line) => line,
                Err(too_long) => {
                    problem.get_or_insert(too_long);
                    seen_any = true;
                    continue;
                }
            };
            if line.is_empty() {
                if !seen_any {
                    // Blank lines between frames are tolerated.
                    continue;
                }
                break;
            }
            seen_any = true;
            // A frame may start in the middle of a line after a broken one.
            let header = match find_ignore_case(&line, "content-length:") {
                Some(at) => &line[at..],
                None => &line,
            };
            let Some((name, value)) = header.split_once(':') else {
                problem.get_or_insert_with(|| format!("malformed header {line:?}"));
                continue;
            };
            if name.trim().eq_ignore_ascii_case("content-length") {
                match value.trim().parse::<usize>() {
                    Ok(n) => {
                        length = Some(n);
                        // Garbage glued before this frame's header is dropped; the frame
                        // itself is good.
                        if header.len() != line.len() {
                            problem = None;
                        }
                    }
                    Err(_) => {
                        problem.get_or_insert_with(|| {
                            format!("Content-Length {:?} is not a number", value.trim())
                        });
                    }
                }
            }
            // Other headers (Content-Type) carry nothing we need.
        }
        Ok(Some(match (problem, length) {
            (Some(problem), _) => Err(problem),
            (None, Some(length)) => Ok(length),
            (None, None) => Err("a message without a Content-Length header".into()),
        }))
    }

    /// One header line without its line break, `Err` if it is too long (then skipped),
    /// `None` at the end of the stream.
    fn header_line(&mut self) -> io::Result<Option<Result<String, String>>> {
        let mut line = Vec::new();
        let read = (&mut self.input)
            .take(MAX_HEADER_LINE as u64 + 1)
            .read_until(b'\n', &mut line)?;
        if read == 0 {
            return Ok(None);
        }
        if !line.ends_with(b"\n") {
            if line.len() <= MAX_HEADER_LINE {
                return Ok(None);
            }
            // Skip the rest of the overlong line.
            let mut rest = Vec::new();
            loop {
                rest.clear();
                let n = (&mut self.input)
                    .take(MAX_HEADER_LINE as u64)
                    .read_until(b'\n', &mut rest)?;
                if n == 0 || rest.ends_with(b"\n") {
                    break;
                }
            }
            return Ok(Some(Err(format!(
                "a header line longer than {MAX_HEADER_LINE} bytes"
            ))));
        }
        line.pop();
        if line.ends_with(b"\r") {
            line.pop();
        }
        Ok(Some(Ok(String::from_utf8_lossy(&line).into_owned())))
    }
}

fn find_ignore_case(haystack: &str, needle: &str) -> Option<usize> {
    haystack
        .to_ascii_lowercase()
        .find(needle)
        .filter(|&at| haystack.is_char_boundary(at))
}

fn malformed(id: Value, message: String) -> Incoming {
    Incoming::Malformed {
        id,
        code: ErrorCode::ParseError,
        message,
    }
}

/// A body as a message, or the JSON-RPC error to answer it with.
fn decode(body: &[u8]) -> Incoming {
    let value: Value = match serde_json::from_slice(body) {
        Ok(value) => value,
        Err(e) => return malformed(Value::Null, format!("the message is not JSON: {e}")),
    };
    let id = value.get("id").cloned().unwrap_or(Value::Null);
    match serde_json::from_value::<Message>(value) {
        Ok(message) => Incoming::Message(message),
        Err(_) => Incoming::Malformed {
            id,
            code: ErrorCode::InvalidRequest,
            message: "not a JSON-RPC request, response or notification \
                      (a request needs a numeric or string `id` and a `method`)"
                .into(),
        },
    }
}

/// Where answers and notifications go; shared by the threads that produce them.
#[derive(Clone)]
pub struct Outbox {
    out: Arc<Mutex<Box<dyn Write + Send>>>,
}

impl Outbox {
    pub fn new(out: impl Write + Send + 'static) -> Self {
        Outbox {
            out: Arc::new(Mutex::new(Box::new(out))),
        }
    }

    /// Writes one message. A client that went away is not an error worth stopping for:
    /// the reader sees the end of the stream and the server stops then.
    pub fn send(&self, message: impl Into<Message>) {
        let message: Message = message.into();
        let mut value = serde_json::to_value(&message).expect("messages serialize");
        if let Value::Object(fields) = &mut value {
            fields.insert("jsonrpc".into(), Value::from("2.0"));
        }
        self.write(&value);
    }

    /// An error answer whose id may be `null` (which lsp-server's types cannot hold).
    pub fn send_error(&self, id: Value, code: ErrorCode, message: &str) {
        self.write(&json!({
            "jsonrpc": "2.0",
            "id": id,
            "error": { "code": code as i32, "message": message },
        }));
    }

    fn write(&self, value: &Value) {
        let text = value.to_string();
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        let _ = write!(out, "Content-Length: {}\r\n\r\n", text.len())
            .and_then(|()| out.write_all(text.as_bytes()))
            .and_then(|()| out.flush());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    fn read_all(input: &str, max: usize) -> Vec<Incoming> {
        let mut reader = Reader::new(input.as_bytes(), max);
        let mut out = Vec::new();
        while let Some(m) = reader.next().unwrap() {
            out.push(m);
        }
        out
    }

    fn method(m: &Incoming) -> &str {
        match m {
            Incoming::Message(Message::Request(r)) => &r.method,
            Incoming::Message(Message::Notification(n)) => &n.method,
            _ => "?",
        }
    }

    #[test]
    fn reads_frames_and_answers_broken_ones() {
        let ok = r#"{"jsonrpc":"2.0","id":1,"method":"a"}"#;
        let input = [
            frame(ok),
            frame("{not json"),
            frame(r#"{"jsonrpc":"2.0","id":7}"#),
            "Content-Length: nine\r\n\r\n".to_string(),
            "\r\n".to_string(),
            frame(r#"{"jsonrpc":"2.0","method":"b"}"#),
            format!("Content-Length: 100\r\n\r\n{}", "x".repeat(100)),
            frame(r#"{"jsonrpc":"2.0","method":"c"}"#),
        ]
        .concat();
        let got = read_all(&input, 64);
        assert_eq!(got.len(), 7, "{got:?}");
        assert_eq!(method(&got[0]), "a");
        assert!(matches!(
            &got[1],
            Incoming::Malformed {
                code: ErrorCode::ParseError,
                ..
            }
        ));
        assert!(
            matches!(&got[2], Incoming::Malformed { id, code: ErrorCode::InvalidRequest, .. } if *id == json!(7))
        );
        assert!(matches!(&got[3], Incoming::Malformed { .. }));
        assert_eq!(method(&got[4]), "b");
        let Incoming::Malformed { message, .. } = &got[5] else {
            panic!("{:?}", got[5])
        };
        assert!(message.contains("larger than the limit"), "{message}");
        assert_eq!(method(&got[6]), "c");
    }

    #[test]
    fn finds_the_next_frame_after_garbage() {
        let input = format!(
            "garbage without a colon\r\n\r\n{}",
            frame(r#"{"jsonrpc":"2.0","method":"after"}"#)
        );
        let got = read_all(&input, 1 << 20);
        assert!(matches!(&got[0], Incoming::Malformed { .. }), "{got:?}");
        assert_eq!(method(&got[1]), "after");
        // A body glued to the next frame's header.
        let next = r#"{"jsonrpc":"2.0","method":"g"}"#;
        let glued = format!(
            "Content-Length: 2\r\n\r\n{{}}junkContent-Length: {}\r\n\r\n{next}",
            next.len()
        );
        let got = read_all(&glued, 1 << 20);
        assert_eq!(method(got.last().unwrap()), "g", "{got:?}");
    }

    #[test]
    fn a_truncated_stream_ends_quietly() {
        assert!(read_all("Content-Length: 50\r\n\r\n{\"a\"", 1 << 20).is_empty());
        assert!(read_all("Content-Len", 1 << 20).is_empty());
        let long = "x".repeat(10_000);
        let got = read_all(&format!("{long}\r\n\r\n"), 1 << 20);
        assert!(matches!(&got[0], Incoming::Malformed { .. }));
    }
}
