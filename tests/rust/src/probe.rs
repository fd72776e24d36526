//! An implementation of the `probe` contract, shared by the loopback tests and the
//! `probe-server` binary (used for signal and interop tests).

use std::time::Duration;

use brief_runtime::{Code, Context, Error};

use crate::contracts::probe::*;

/// Answers every rpc of `probe` as its contract documents.
#[derive(Debug, Default, Clone, Copy)]
pub struct ProbeService;

/// What a hop reports about the request it is serving.
pub fn seen(ctx: &Context) -> Seen {
    Seen {
        request_id: ctx.request_id.clone(),
        trace_id: ctx.trace_id().unwrap_or_default().to_string(),
        span_id: ctx.span_id().unwrap_or_default().to_string(),
        remaining_ms: ctx.remaining().map_or(-1, |d| d.as_millis() as i64),
        caller: ctx.caller.clone(),
    }
}

impl Probe for ProbeService {
    async fn echo(&self, _ctx: &Context, input: Everything) -> Result<Everything, Error> {
        Ok(input)
    }

    async fn fail(&self, _ctx: &Context, input: FailIn) -> Result<Empty, Error> {
        let code = Code::parse(&input.code)
            .ok_or_else(|| Error::invalid_argument(format!("no such code: {}", input.code)))?;
        Err(Error::new(code, input.message))
    }

    async fn find(&self, _ctx: &Context, input: FindIn) -> Result<Found, FindError> {
        if input.conflict {
            return Err(Conflict {}.into());
        }
        if input.id <= 0 {
            // A message of the handler's own; Conflict goes with the contract's doc.
            return Err(NotFound {
                id: input.id,
                what: Some("item".into()),
            }
            .with_message(format!("no item with id {}", input.id))
            .into());
        }
        Ok(Found { id: input.id })
    }

    async fn crash(&self, _ctx: &Context, _input: Empty) -> Result<Empty, Error> {
        panic!("the crash rpc panics on purpose");
    }

    async fn sleep(&self, _ctx: &Context, input: SleepIn) -> Result<Empty, Error> {
        tokio::time::sleep(Duration::from_millis(input.millis.max(0) as u64)).await;
        Ok(Empty {})
    }

    async fn hop(&self, ctx: &Context, input: HopIn) -> Result<HopOut, Error> {
        let mut out = HopOut {
            seen: vec![seen(ctx)],
        };
        if let Some((next, rest)) = input.next.split_first() {
            let client = ProbeClient::with_url(next)?;
            let downstream = client
                .hop(&HopIn {
                    next: rest.to_vec(),
                })
                .await?;
            out.seen.extend(downstream.seen);
        }
        Ok(out)
    }
}
