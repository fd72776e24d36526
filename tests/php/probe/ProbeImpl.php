<?php

declare(strict_types=1);

namespace Brief\Tests;

use Brief\Code;
use Brief\Context;
use Brief\RpcException;
use Probe\Conflict;
use Probe\Empty_;
use Probe\Everything;
use Probe\FailIn;
use Probe\FindIn;
use Probe\Found;
use Probe\HopIn;
use Probe\HopOut;
use Probe\NotFound;
use Probe\ProbeClient;
use Probe\ProbeServer;
use Probe\Seen;
use Probe\SleepIn;

/**
 * The probe contract (tests/rust/contracts/probe.brief) served as tests/rust/src/probe.rs
 * serves it, so that the PHP, Rust and Go probe servers are interchangeable.
 */
final class ProbeImpl implements ProbeServer
{
    public function echo(Everything $in, Context $ctx): Everything
    {
        return $in;
    }

    public function fail(FailIn $in, Context $ctx): Empty_
    {
        $code = Code::tryFrom($in->code)
            ?? throw new RpcException(Code::InvalidArgument, 'no such code: ' . $in->code);
        throw new RpcException($code, $in->message);
    }

    public function find(FindIn $in, Context $ctx): Found
    {
        if ($in->conflict) {
            throw new Conflict();
        }
        if ($in->id <= 0) {
            throw new NotFound(id: $in->id, what: 'item', message: "no item with id {$in->id}");
        }
        return new Found(id: $in->id);
    }

    public function crash(Empty_ $in, Context $ctx): Empty_
    {
        throw new \LogicException('the crash rpc fails on purpose; this text must not reach the client');
    }

    public function sleep(SleepIn $in, Context $ctx): Empty_
    {
        $ms = max(0, $in->millis);
        $left = $ctx->remainingMs();
        usleep(1000 * ($left === null ? $ms : min($ms, $left + 1)));
        return new Empty_();
    }

    public function hop(HopIn $in, Context $ctx): HopOut
    {
        $seen = [self::seen($ctx)];
        if ($in->next !== []) {
            $client = new ProbeClient($in->next[0]);
            $downstream = $client->hop(new HopIn(next: array_slice($in->next, 1)));
            $seen = [...$seen, ...$downstream->seen];
        }
        return new HopOut(seen: $seen);
    }

    /** What a hop reports about the request it is serving. */
    public static function seen(Context $ctx): Seen
    {
        return new Seen(
            requestId: $ctx->requestId,
            traceId: $ctx->traceId,
            spanId: $ctx->spanId,
            remainingMs: $ctx->remainingMs() ?? -1,
            caller: $ctx->caller,
        );
    }
}
