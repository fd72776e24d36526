//! The summer service: its generated code and an implementation.

/// Code generated from `examples/summer/rpc` by build.rs.
pub mod rpc {
    brief_runtime::include_contracts!();
}

use rpc::summer::{SumIn, SumOut, Summer};

/// Adds the two numbers it is given.
#[derive(Debug, Default, Clone, Copy)]
pub struct Adder;

impl Summer for Adder {
    async fn sum(
        &self,
        _ctx: &brief_runtime::Context,
        input: SumIn,
    ) -> Result<SumOut, brief_runtime::Error> {
        let sum = input
            .a
            .checked_add(input.b)
            .ok_or_else(|| brief_runtime::Error::out_of_range("the sum does not fit in 64 bits"))?;
        Ok(SumOut { sum, info: None })
    }
}
