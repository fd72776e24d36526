<?php

declare(strict_types=1);

namespace Brief\Tests;

use Brief\CallOptions;
use Brief\ClientOptions;
use Brief\Code;
use Brief\Context;
use Brief\RpcException;
use PHPUnit\Framework\TestCase;
use Probe\Conflict;
use Probe\Empty_;
use Probe\FailIn;
use Probe\FindIn;
use Probe\HopIn;
use Probe\NotFound;
use Probe\ProbeClient;
use Probe\SleepIn;

/**
 * The generated PHP client against the Rust and Go probe servers (tests/rust, built by
 * cargo; tests/interop/go, built by go), and a PHP → Go → Rust → PHP chain. The Rust and
 * Go clients call the PHP server in their own interop tests (tests/steps/70-php.sh runs
 * them with the PHP probe server in place).
 *
 * The servers come from PROBE_SERVER_RUST and PROBE_SERVER_GO; without them these tests
 * are skipped, unless BRIEF_INTEROP=1 says they must run.
 */
final class InteropTest extends TestCase
{
    /** @var array<string, ServerProcess> */
    private static array $servers = [];

    public static function tearDownAfterClass(): void
    {
        foreach (self::$servers as $s) {
            $s->stop();
        }
        self::$servers = [];
    }

    private static function binary(string $variable): string
    {
        $path = getenv($variable);
        if (!is_string($path) || $path === '') {
            if (getenv('BRIEF_INTEROP') === '1') {
                self::fail("$variable is not set");
            }
            self::markTestSkipped("SKIPPED: $variable is not set (tests/steps/70-php.sh sets it)");
        }
        return $path;
    }

    /** One server per binary and environment, started once for the whole class. */
    private static function server(string $variable, array $env = []): string
    {
        $key = $variable . json_encode($env);
        self::$servers[$key] ??= ServerProcess::start(self::binary($variable), $env);
        return self::$servers[$key]->url;
    }

    /** @return iterable<string, array{string}> */
    public static function servers(): iterable
    {
        yield 'rust server' => ['PROBE_SERVER_RUST'];
        yield 'go server' => ['PROBE_SERVER_GO'];
    }

    /** @dataProvider servers */
    public function testEveryTypeRoundTrips(string $server): void
    {
        Scenarios::everyTypeRoundTrips(new ProbeClient(self::server($server)));
    }

    /** @dataProvider servers */
    public function testHttp2PriorKnowledge(string $server): void
    {
        $client = new ProbeClient(self::server($server), new ClientOptions(http2: true));
        Scenarios::everyTypeRoundTrips($client);
        Scenarios::typedErrorsComeBackTyped($client);
    }

    /** @dataProvider servers */
    public function testEveryCodeAndTypedErrorCrosses(string $server): void
    {
        $client = new ProbeClient(self::server($server));
        Scenarios::everyErrorCodeRoundTrips($client);
        Scenarios::typedErrorsComeBackTyped($client);
    }

    /** @dataProvider servers */
    public function testPanicAndDeadline(string $server): void
    {
        Scenarios::panicAndDeadline(new ProbeClient(self::server($server)));
    }

    /** PHP client → Go → Rust → PHP: the request id and the trace id survive every hop. */
    public function testChainPhpGoRustPhpKeepsRequestAndTraceIds(): void
    {
        $go = self::server('PROBE_SERVER_GO', ['SERVICE_NAME' => 'go-a']);
        $rust = self::server('PROBE_SERVER_RUST', ['SERVICE_NAME' => 'rust-b']);
        $php = self::server('PROBE_SERVER_PHP', ['SERVICE_NAME' => 'php-c']);
        $ctx = Context::background()
            ->withRequestId('req-interop-php-go-rust-php')
            ->withTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')
            ->withTimeout(3000);
        $client = new ProbeClient($go, new ClientOptions(callerName: 'php-client'));
        $out = $ctx->run(fn () => $client->hop(new HopIn(next: [$rust, $php])));
        $this->assertCount(3, $out->seen);
        $spans = [];
        foreach ($out->seen as $i => $hop) {
            $this->assertSame('req-interop-php-go-rust-php', $hop->requestId, "hop $i");
            $this->assertSame('4bf92f3577b34da6a3ce929d0e0e4736', $hop->traceId, "hop $i");
            $this->assertMatchesRegularExpression('/^[0-9a-f]{16}$/', $hop->spanId, "hop $i");
            $spans[$hop->spanId] = true;
        }
        $this->assertCount(3, $spans);
        $this->assertSame(['php-client', 'go-a', 'rust-b'], array_map(static fn ($s) => $s->caller, $out->seen));
        $ms = array_map(static fn ($s) => $s->remainingMs, $out->seen);
        $this->assertTrue($ms[0] <= 3000 && $ms[1] <= $ms[0] && $ms[2] <= $ms[1] && $ms[2] > 0, implode(',', $ms));
    }

    /** Every summer client (`call A B`) against every summer server: the example's matrix. */
    public function testSummerEveryClientAgainstEveryServer(): void
    {
        $languages = ['RUST', 'GO', 'PHP'];
        foreach ($languages as $server) {
            $url = self::server("SUMMER_SERVER_$server");
            foreach ($languages as $client) {
                $call = self::binary("SUMMER_CALL_$client");
                $process = proc_open(
                    [$call, '40', '2'],
                    [1 => ['pipe', 'w'], 2 => ['pipe', 'w']],
                    $pipes,
                    null,
                    ['SERVICE_SUMMER_URL' => $url] + getenv(),
                );
                $out = stream_get_contents($pipes[1]);
                $err = stream_get_contents($pipes[2]);
                $status = proc_close($process);
                $what = "$client client → $server server: $err";
                $this->assertSame([0, '{"sum":42}'], [$status, trim((string) $out)], $what);
            }
        }
    }
}
