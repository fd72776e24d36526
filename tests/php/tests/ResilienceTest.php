<?php

declare(strict_types=1);

namespace Brief\Tests;

use Brief\ClientOptions;
use Brief\Code;
use Brief\Metrics;
use Brief\Resilience\Attempt;
use Brief\Resilience\BreakerPolicy;
use Brief\Resilience\Endpoints;
use Brief\Resilience\Layers;
use Brief\Resilience\RetryBudget;
use Brief\Resilience\RetryPolicy;
use Brief\Rpc;
use Brief\RpcException;
use PHPUnit\Framework\TestCase;

/**
 * The resilience layers of the PHP client (docs/resilience.md) over a transport the test
 * scripts, per process (APCu off, as phpunit runs); the same rules over real sockets, and
 * APCu, are checked by the scenario list of tests/resilience. The last test shows that
 * with APCu the state is shared by forked workers, as in a php-fpm pool.
 */
final class ResilienceTest extends TestCase
{
    private static int $scope = 0;

    /** @var list<array{string, int}> endpoint and X-Brief-Attempt of each attempt */
    private array $sent = [];

    private static function rpc(bool $idempotent): Rpc
    {
        $name = $idempotent ? 'put' : 'create';
        return new Rpc('chaos', $name, \stdClass::class, \stdClass::class, $idempotent, false, 1000, [], 1);
    }

    /** Layers of a fresh client (its own state scope) of the given endpoints. */
    private static function layers(array $urls, array $options = [], ?\Closure $resolver = null): Layers
    {
        $options += ['stateScope' => 'test-' . ++self::$scope, 'logger' => static fn () => null];
        $options = new ClientOptions(...$options);
        return new Layers('chaos', new Endpoints($urls, $options->dnsRefreshMs, $resolver), $options);
    }

    /**
     * A transport: `answer` says what each attempt gets (null: success), by endpoint and
     * attempt number.
     */
    private function transport(\Closure $answer): \Closure
    {
        return function (Attempt $a) use ($answer): object {
            $this->sent[] = [$a->endpoint, $a->number];
            $e = $answer($a);
            if ($e !== null) {
                throw $e;
            }
            return (object) ['endpoint' => $a->endpoint];
        };
    }

    /** A transport whose every attempt fails with unavailable. */
    private function failing(): \Closure
    {
        return $this->transport(static fn () => self::unavailable());
    }

    private static function deadline(int $ms): int
    {
        return \hrtime(true) + $ms * 1_000_000;
    }

    private static function unavailable(): RpcException
    {
        return new RpcException(Code::Unavailable, 'unavailable');
    }

    private static function refused(Attempt $a): RpcException
    {
        $a->unsent = $a->refused = true;
        return new RpcException(Code::Unavailable, 'connection refused');
    }

    public function testOnlySafeCallsAreRetried(): void
    {
        $layers = self::layers(['http://a']);
        $fail = $this->failing();
        try {
            $layers->call(self::rpc(false), null, self::deadline(1000), $fail);
            self::fail('no error');
        } catch (RpcException $e) {
            self::assertSame('unavailable', $e->getMessage());
        }
        self::assertSame([['http://a', 1]], $this->sent, 'a non-idempotent rpc answered unavailable is sent once');

        $this->sent = [];
        $out = $layers->call(self::rpc(true), null, self::deadline(1000), $this->transport(
            static fn (Attempt $a) => $a->number < 3 ? self::unavailable() : null,
        ));
        self::assertSame('http://a', $out->endpoint);
        self::assertSame([1, 2, 3], \array_column($this->sent, 1), 'X-Brief-Attempt numbers');

        $this->sent = [];
        $layers->call(self::rpc(false), null, self::deadline(1000), $this->transport(
            static fn (Attempt $a) => $a->number === 1 ? self::refused($a) : null,
        ));
        self::assertSame([1, 2], \array_column($this->sent, 1), 'any rpc is retried when the request never left');

        $healthy = [new RpcException(Code::InvalidArgument, 'bad'), new RpcException(Code::ResourceExhausted, 'slow')];
        foreach ($healthy as $e) {
            $this->sent = [];
            try {
                $layers->call(self::rpc(true), null, self::deadline(1000), $this->transport(static fn () => $e));
            } catch (RpcException) {
            }
            self::assertCount(1, $this->sent, $e->code()->value . ' is not retried');
        }
    }

    public function testRetriesMoveToAnotherEndpointAndSayHowManyAttempts(): void
    {
        $layers = self::layers(['http://a', 'http://b', 'http://c'], ['breaker' => null]);
        try {
            $layers->call(self::rpc(true), null, self::deadline(1000), $this->failing());
            self::fail('no error');
        } catch (RpcException $e) {
            self::assertSame('unavailable (after 3 attempts)', $e->getMessage());
        }
        $endpoints = \array_column($this->sent, 0);
        self::assertCount(3, \array_unique($endpoints), 'each attempt on another endpoint');
    }

    public function testRetryPolicyPerClientPerRpcAndPerCall(): void
    {
        $fail = $this->failing();
        $attempts = function (Layers $layers, ?RetryPolicy $call) use ($fail): int {
            $this->sent = [];
            try {
                $layers->call(self::rpc(true), $call, self::deadline(1000), $fail);
            } catch (RpcException) {
            }
            return \count($this->sent);
        };
        $fast = new RetryPolicy(maxAttempts: 4, baseBackoffMs: 1, maxBackoffMs: 1);
        self::assertSame(4, $attempts(self::layers(['http://a'], ['retry' => $fast, 'breaker' => null]), null));
        self::assertSame(1, $attempts(self::layers(['http://a'], ['rpcRetry' => ['put' => RetryPolicy::off()]]), null));
        self::assertSame(1, $attempts(self::layers(['http://a']), RetryPolicy::off()));
        self::assertSame(1, $attempts(self::layers(['http://a'], ['resilience' => false]), null));
    }

    public function testTheDeadlineCoversEveryAttempt(): void
    {
        $layers = self::layers(['http://a'], ['retry' => new RetryPolicy(baseBackoffMs: 1000, maxBackoffMs: 1000)]);
        $started = \hrtime(true);
        try {
            $layers->call(self::rpc(true), null, self::deadline(100), $this->transport(static function () {
                \usleep(60_000);
                return new RpcException(Code::Unavailable, 'slow 503', [], null, 1);
            }));
            self::fail('no error');
        } catch (RpcException $e) {
            self::assertStringEndsWith('(not retried: the deadline would pass first)', $e->getMessage());
        }
        self::assertCount(1, $this->sent);
        $tookMs = (\hrtime(true) - $started) / 1e6;
        self::assertLessThan(100, $tookMs, 'Retry-After beyond the deadline is not waited for');
    }

    public function testTheBudgetBoundsRetriesUnderTotalFailure(): void
    {
        $layers = self::layers(['http://a'], [
            'breaker' => null,
            'retry' => new RetryPolicy(baseBackoffMs: 1, maxBackoffMs: 1),
            'budget' => new RetryBudget(minPerSecond: 1),
        ]);
        $spent = 0;
        for ($i = 0; $i < 200; $i++) {
            try {
                $layers->call(self::rpc(true), null, self::deadline(1000), $this->failing());
            } catch (RpcException $e) {
                $spent += (int) \str_contains($e->getMessage(), "the client's retry budget is spent");
            }
        }
        // 200 calls: 20% of them plus 1 retry/s over the 10 s window.
        self::assertLessThanOrEqual(200 + 40 + 10, \count($this->sent));
        self::assertGreaterThan(200, \count($this->sent));
        self::assertGreaterThan(0, $spent);
        $series = 'brief_client_retry_budget_exhausted_total{service="chaos",rpc="put"}';
        self::assertStringContainsString($series, Metrics::render());
    }

    public function testTheBreakerOpensFailsFastAndAProbeClosesIt(): void
    {
        $layers = self::layers(['http://a'], ['breaker' => new BreakerPolicy(coolDownMs: 50)]);
        $healthy = false;
        $send = $this->transport(static function () use (&$healthy) {
            return $healthy ? null : new RpcException(Code::Internal, 'boom');
        });
        for ($i = 0; $i < 5; $i++) {
            try {
                $layers->call(self::rpc(false), null, self::deadline(1000), $send);
            } catch (RpcException) {
            }
        }
        self::assertCount(5, $this->sent);
        try {
            $layers->call(self::rpc(false), null, self::deadline(1000), $send);
            self::fail('no error');
        } catch (RpcException $e) {
            self::assertSame(Code::Unavailable, $e->code());
            self::assertMatchesRegularExpression(
                '#^/chaos/create: circuit open for every endpoint of chaos \(1 endpoint\); next probe in \d+ ms$#',
                $e->getMessage(),
            );
        }
        self::assertCount(5, $this->sent, 'without reaching the server');
        \usleep(60_000);
        $healthy = true;
        $layers->call(self::rpc(false), null, self::deadline(1000), $send);
        self::assertMatchesRegularExpression(
            '#^brief_client_circuit_state\{service="chaos",endpoint="http://a"\} 0$#m',
            Metrics::render(),
        );
    }

    public function testInvalidArgumentIsAHealthyAnswer(): void
    {
        $layers = self::layers(['http://a']);
        for ($i = 0; $i < 10; $i++) {
            try {
                $layers->call(self::rpc(false), null, self::deadline(1000), $this->transport(
                    static fn () => new RpcException(Code::InvalidArgument, 'bad'),
                ));
            } catch (RpcException) {
            }
        }
        self::assertCount(10, $this->sent, 'the circuit stays closed');
    }

    public function testTheBalancerAvoidsSlowAndRefusingEndpoints(): void
    {
        $layers = self::layers(['http://slow', 'http://fast1', 'http://fast2', 'http://down']);
        $send = $this->transport(static function (Attempt $a) {
            if ($a->endpoint === 'http://down') {
                return self::refused($a);
            }
            \usleep($a->endpoint === 'http://slow' ? 20_000 : 0);
            return null;
        });
        for ($i = 0; $i < 100; $i++) {
            $layers->call(self::rpc(false), null, self::deadline(1000), $send);
        }
        $counts = \array_count_values(\array_column($this->sent, 0));
        self::assertLessThan(10, $counts['http://slow'] ?? 0);
        self::assertLessThanOrEqual(1, $counts['http://down'] ?? 0, 'a refusing endpoint is avoided');
    }

    public function testWithTheLayersOffEndpointsTakeTurns(): void
    {
        $layers = self::layers(['http://a', 'http://b'], ['resilience' => false]);
        $send = $this->transport(static fn () => null);
        for ($i = 0; $i < 4; $i++) {
            $layers->call(self::rpc(true), null, self::deadline(1000), $send);
        }
        self::assertSame(['http://a', 'http://b', 'http://a', 'http://b'], \array_column($this->sent, 0));
    }

    public function testDnsNamesAreResolvedAgainAndTheLastGoodSetKept(): void
    {
        $answer = ['10.0.0.1'];
        $resolver = static function (string $host) use (&$answer): array|false {
            return $host === 'summer.test' ? $answer : false;
        };
        $urls = ['dns+http://summer.test:8080/api', 'http://fixed:1'];
        $layers = self::layers($urls, ['dnsRefreshMs' => 20], $resolver);
        self::assertSame(['http://fixed:1', 'http://10.0.0.1:8080/api'], $layers->endpoints());
        $answer = ['10.0.0.2', '10.0.0.1'];
        $first = ['http://fixed:1', 'http://10.0.0.1:8080/api'];
        self::assertSame($first, $layers->endpoints(), 'not before the interval');
        \usleep(25_000);
        self::assertSame(
            ['http://fixed:1', 'http://10.0.0.1:8080/api', 'http://10.0.0.2:8080/api'],
            $layers->endpoints(),
        );
        $answer = false;
        \usleep(25_000);
        self::assertCount(3, $layers->endpoints(), 'a failing resolver keeps the last good set');

        $never = self::layers(['dns+http://nowhere.test:8080'], [], $resolver);
        try {
            $never->endpoints();
            self::fail('no error');
        } catch (RpcException $e) {
            self::assertSame(Code::Unavailable, $e->code());
            self::assertSame(
                'no endpoint of chaos: dns+http://nowhere.test:8080 resolved to no address (the resolver failed)',
                $e->getMessage(),
            );
        }
    }

    public function testWithApcuForkedWorkersShareTheBreaker(): void
    {
        if (!\function_exists('pcntl_fork') || !\extension_loaded('apcu')) {
            self::markTestSkipped('needs pcntl and apcu');
        }
        $script = __DIR__ . '/../support/apcu-workers.php';
        \exec('php -d apc.enable_cli=1 ' . \escapeshellarg($script) . ' 2>&1', $out, $status);
        self::assertSame(0, $status, \implode("\n", $out));
        self::assertSame('worker 2: circuit open, 5 attempts reached the server', \end($out));
    }
}
