<?php

declare(strict_types=1);

namespace Brief\Tests;

use Brief\CallOptions;
use Brief\Code;
use Brief\RpcException;
use PHPUnit\Framework\Assert;
use Probe\Conflict;
use Probe\Empty_;
use Probe\Everything;
use Probe\FailIn;
use Probe\FindIn;
use Probe\NotFound;
use Probe\ProbeClient;
use Probe\SleepIn;

/**
 * Scenarios every probe server must pass, whichever language serves it, as
 * tests/rust/src/scenarios.rs has them: the loopback tests run them against the PHP
 * server, the interop tests against the Rust and Go ones.
 */
final class Scenarios
{
    /** Echo round-trips every type, including absent and present-but-empty optionals. */
    public static function everyTypeRoundTrips(ProbeClient $client): void
    {
        $presentEmpty = Everything::fromArray(['maybeList' => []] + Probe::minimal()->toArray());
        foreach ([Probe::everything(), Probe::minimal(), $presentEmpty] as $value) {
            Assert::assertSame($value->toJson(), $client->echo($value)->toJson());
        }
        $back = $client->echo(Probe::everything());
        Assert::assertSame('2026-11-22T08:11:12.123456Z', \Brief\Time::format($back->at));
        Assert::assertSame('1970-01-01T05:29:59.999999Z', \Brief\Time::format($back->maybeAt));
        Assert::assertSame([PHP_INT_MIN, PHP_INT_MAX], [$back->count, $back->scores['y']]);
        Assert::assertSame([], $client->echo($presentEmpty)->maybeList);
        Assert::assertNull($client->echo(Probe::minimal())->maybeList);
    }

    /** All 16 codes come back with their message; an unknown code is invalid_argument. */
    public static function everyErrorCodeRoundTrips(ProbeClient $client): void
    {
        Assert::assertCount(16, Code::cases());
        foreach (Code::cases() as $code) {
            $message = "failing with {$code->value}: ünïcode \"quoted\"";
            $e = self::error(static fn () => $client->fail(new FailIn(code: $code->value, message: $message)));
            Assert::assertSame([$code, $message], [$e->code(), $e->getMessage()]);
        }
        $e = self::error(static fn () => $client->fail(new FailIn(code: 'no_such_code', message: 'x')));
        Assert::assertSame(Code::InvalidArgument, $e->code());
    }

    /** Typed errors come back as their classes, with their fields and message. */
    public static function typedErrorsComeBackTyped(ProbeClient $client): void
    {
        $e = self::error(static fn () => $client->find(new FindIn(id: -3, conflict: false)));
        Assert::assertInstanceOf(NotFound::class, $e);
        $got = [$e->id, $e->what, $e->getMessage(), $e->code()];
        Assert::assertSame([-3, 'item', 'no item with id -3', Code::NotFound], $got);
        Assert::assertSame('probe.NotFound', $e->details()[0]->type);
        $e = self::error(static fn () => $client->find(new FindIn(id: 1, conflict: true)));
        Assert::assertInstanceOf(Conflict::class, $e);
        Assert::assertSame([Code::AlreadyExists, 'It exists already'], [$e->code(), $e->getMessage()]);
        Assert::assertSame(5, $client->find(new FindIn(id: 5, conflict: false))->id);
    }

    /**
     * A failing handler answers internal and the server keeps serving; a passed deadline is
     * deadline_exceeded on time.
     */
    public static function panicAndDeadline(ProbeClient $client): void
    {
        for ($i = 0; $i < 2; $i++) {
            $e = self::error(static fn () => $client->crash(new Empty_()));
            Assert::assertSame(Code::Internal, $e->code(), $e->getMessage());
        }
        $started = microtime(true);
        $e = self::error(static fn () => $client->sleep(new SleepIn(millis: 1500), new CallOptions(timeoutMs: 200)));
        $took = microtime(true) - $started;
        Assert::assertSame(Code::DeadlineExceeded, $e->code(), $e->getMessage());
        Assert::assertTrue($took >= 0.195 && $took < 0.4, "deadline_exceeded after $took s");
        // The contract's timeout(2s) is the deadline when the caller sets none.
        $client->sleep(new SleepIn(millis: 10));
    }

    /** The exception `call` throws; fails the test when it throws none. */
    public static function error(callable $call): RpcException
    {
        try {
            $call();
        } catch (RpcException $e) {
            return $e;
        }
        Assert::fail('expected an error, got none');
    }
}
