//! Reading a publish request: CloudEvents 1.0 in structured mode, checked strictly so
//! that nothing a consumer would reject is ever stored (a stored event that no consumer
//! can decode would block its topic for good).

use std::borrow::Cow;
use std::fmt;

use brief_runtime::Error;
use bytes::Bytes;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;

/// The longest event id the bus accepts, in bytes.
pub const MAX_ID_BYTES: usize = 256;

/// One checked event, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The CloudEvents `id`: the bus stores each id once.
    pub id: String,
    /// The CloudEvents `type`, which is the topic.
    pub topic: String,
    /// The event as the publisher sent it (one JSON object), delivered as is.
    pub body: Bytes,
}

/// Parses and checks the body of `POST /data-bus/publish`, `{"events":[...]}`. Any
/// problem with any event rejects the whole request with `invalid_argument` naming the
/// event and attribute (`events[3].type: ...`).
pub fn parse_publish(body: &[u8], max_events: usize) -> Result<Vec<Event>, Error> {
    let body: &[u8] = if body.is_empty() { b"{}" } else { body };
    let request: PublishBody = serde_json::from_slice(body)
        .map_err(|e| Error::invalid_argument(format!("invalid JSON: {}", without_position(&e))))?;
    let raw = match request.events {
        None => return Ok(Vec::new()),
        Some(raw) if raw.get() == "null" => return Ok(Vec::new()),
        Some(raw) => raw,
    };
    let events: Vec<&RawValue> = serde_json::from_str(raw.get()).map_err(|e| {
        Error::invalid_argument(format!(
            "events: expected an array of events: {}",
            without_position(&e)
        ))
    })?;
    if events.len() > max_events {
        return Err(Error::invalid_argument(format!(
            "events: {} events in one request, more than the limit of {max_events}: split the batch",
            events.len()
        )));
    }
    events
        .iter()
        .enumerate()
        .map(|(i, raw)| {
            parse_event(raw).map_err(|why| {
                let sep = if why.starts_with(':') { "" } else { "." };
                Error::invalid_argument(format!("events[{i}]{sep}{why}"))
            })
        })
        .collect()
}

#[derive(Deserialize)]
struct PublishBody<'a> {
    #[serde(borrow)]
    events: Option<&'a RawValue>,
}

/// Checks one event in one pass over its members; the error is `attribute: what is
/// wrong`, or `: what is wrong` for the event as a whole.
fn parse_event(raw: &RawValue) -> Result<Event, String> {
    if !raw.get().starts_with('{') {
        return Err(format!(
            ": expected an event (a JSON object), got {}",
            kind(raw.get())
        ));
    }
    let members: Members =
        serde_json::from_str(raw.get()).map_err(|e| format!(": {}", without_position(&e)))?;
    let mut seen: Vec<&str> = Vec::with_capacity(members.0.len());
    let (mut specversion, mut id, mut source, mut topic) = (None, None, None, None);
    let mut has_data = false;
    for (name, value) in &members.0 {
        if seen.contains(&name.as_ref()) {
            return Err(format!("{name}: appears twice"));
        }
        seen.push(name);
        let text = value.get();
        match name.as_ref() {
            "specversion" => specversion = string(name, value)?,
            "id" => id = string(name, value)?,
            "source" => source = string(name, value)?,
            "type" => topic = string(name, value)?,
            "subject" | "traceparent" | "tracestate" => {
                string(name, value)?;
            }
            "dataschema" => {
                if string(name, value)?.is_some_and(|s| s.is_empty()) {
                    return Err("dataschema: must not be empty".into());
                }
            }
            "time" => {
                if let Some(t) = string(name, value)? {
                    brief_runtime::Timestamp::parse(&t).map_err(|e| format!("time: {e}"))?;
                }
            }
            "datacontenttype" => {
                if let Some(ct) = string(name, value)? {
                    let media = ct.split(';').next().unwrap_or("").trim();
                    if !media.eq_ignore_ascii_case("application/json") {
                        return Err(format!(
                            "datacontenttype: {ct:?} is not supported: events carry application/json"
                        ));
                    }
                }
            }
            "data" => {
                if !text.starts_with('{') {
                    return Err(format!(
                        "data: expected the event's message as a JSON object, got {}",
                        kind(text)
                    ));
                }
                has_data = true;
            }
            "data_base64" => return Err(
                "data_base64: binary data is not supported: send the message as JSON in \"data\""
                    .into(),
            ),
            extension => {
                if !is_extension_name(extension) {
                    return Err(format!(
                        "{extension}: not a CloudEvents attribute name (lowercase ASCII letters and digits only)"
                    ));
                }
                if text.starts_with(['{', '[']) {
                    return Err(format!(
                        "{extension}: an extension attribute is a string, number or boolean, got {}",
                        kind(text)
                    ));
                }
            }
        }
    }
    let missing = |name: &str| format!("{name}: missing field");
    let specversion = specversion.ok_or_else(|| missing("specversion"))?;
    let id = id.ok_or_else(|| missing("id"))?;
    let source = source.ok_or_else(|| missing("source"))?;
    let topic = topic.ok_or_else(|| missing("type"))?;
    if !has_data {
        return Err("data: missing field (the event's message as a JSON object)".into());
    }
    if specversion != "1.0" {
        return Err(format!(
            "specversion: {specversion:?} is not supported: use \"1.0\""
        ));
    }
    if id.is_empty() {
        return Err("id: must not be empty".into());
    }
    if id.len() > MAX_ID_BYTES {
        return Err(format!("id: longer than {MAX_ID_BYTES} bytes"));
    }
    if source.is_empty() {
        return Err("source: must not be empty".into());
    }
    if !is_topic(&topic) {
        return Err(format!(
            "type: {topic:?} is not a topic (lowercase words joined by dots, as in a contract's schema)"
        ));
    }
    Ok(Event {
        id: id.into_owned(),
        topic: topic.into_owned(),
        body: Bytes::copy_from_slice(raw.get().as_bytes()),
    })
}

/// A string attribute: `None` for `null` (CloudEvents: absent), an error naming the
/// attribute for anything but a string.
fn string<'a>(name: &str, value: &'a RawValue) -> Result<Option<Cow<'a, str>>, String> {
    let text = value.get();
    if text == "null" {
        return Ok(None);
    }
    if !text.starts_with('"') {
        return Err(format!("{name}: expected a string, got {}", kind(text)));
    }
    serde_json::from_str::<Cow<'a, str>>(text)
        .map(Some)
        .map_err(|e| format!("{name}: {}", without_position(&e)))
}

/// An object's members in order, duplicates kept (serde_json's map would keep the last
/// silently, while a consumer's decoder rejects the event).
struct Members<'a>(Vec<(Cow<'a, str>, &'a RawValue)>);

impl<'de> Deserialize<'de> for Members<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct MembersVisitor;
        impl<'de> Visitor<'de> for MembersVisitor {
            type Value = Members<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an event (a JSON object)")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut members = Vec::with_capacity(map.size_hint().unwrap_or(8));
                while let Some(key) = map.next_key::<Cow<'de, str>>()? {
                    let value: &'de RawValue = map.next_value()?;
                    members.push((key, value));
                }
                Ok(Members(members))
            }
        }
        d.deserialize_map(MembersVisitor)
    }
}

/// `service.create`: lowercase words (which may hold digits, `-` or `_`, but not end
/// with them) joined by dots. The same rule as the checker's for `schema` topics.
pub fn is_topic(topic: &str) -> bool {
    !topic.is_empty()
        && topic.split('.').all(|word| {
            word.starts_with(|c: char| c.is_ascii_lowercase())
                && !word.ends_with(['-', '_'])
                && word
                    .bytes()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-' || c == b'_')
        })
}

/// CloudEvents: attribute names are lowercase ASCII letters and digits.
fn is_extension_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
}

/// What kind of JSON value a raw value is, for messages.
fn kind(raw: &str) -> &'static str {
    match raw.as_bytes().first() {
        Some(b'{') => "an object",
        Some(b'[') => "an array",
        Some(b'"') => "a string",
        Some(b't' | b'f') => "a boolean",
        Some(b'n') => "null",
        _ => "a number",
    }
}

/// serde_json's message without " at line 1 column 9" for errors inside one value.
fn without_position(e: &serde_json::Error) -> String {
    let full = e.to_string();
    match full.rfind(" at line ") {
        Some(i) if e.line() != 0 && !e.is_eof() && !e.is_syntax() => full[..i].to_string(),
        _ => full,
    }
}
