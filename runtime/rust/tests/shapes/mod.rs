//! Message shapes shared by the vectors runner (`tests/vectors.rs`) and the codec bench
//! (`benches/codec.rs`).

use brief_runtime::WireMessage;
use serde::{Deserialize, Serialize};

/// `message Node { children []Node  next Node? }`, as brief generates it: a message
/// that holds itself in a list and through an optional field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Node {
    #[serde(default, with = "brief_runtime::wire")]
    pub children: Vec<Node>,
    #[serde(
        default,
        with = "brief_runtime::wire",
        skip_serializing_if = "Option::is_none"
    )]
    pub next: Option<Box<Node>>,
}
impl WireMessage for Node {}
impl WireMessage for Box<Node> {}
