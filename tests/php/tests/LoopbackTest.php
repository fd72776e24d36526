<?php

declare(strict_types=1);

namespace Brief\Tests;

use Brief\CallOptions;
use Brief\Client;
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
 * The generated PHP client against the generated PHP server under php-fpm and nginx, over
 * real loopback sockets: the scenarios of tests/rust/tests/loopback.rs, as far as they
 * apply to PHP.
 */
final class LoopbackTest extends TestCase
{
    private static ?ServerProcess $server = null;

    public static function setUpBeforeClass(): void
    {
        self::$server = ServerProcess::start(__DIR__ . '/../probe-server', [
            'BRIEF_PHP_SERVER' => getenv('BRIEF_PHP_SERVER') ?: 'fpm',
            'SERVICE_NAME' => 'php-probe',
        ]);
    }

    public static function tearDownAfterClass(): void
    {
        self::$server?->stop();
        self::$server = null;
    }

    private static function url(): string
    {
        return self::$server->url;
    }

    private static function client(): ProbeClient
    {
        return new ProbeClient(self::url());
    }

    public function testEveryTypeRoundTrips(): void
    {
        Scenarios::everyTypeRoundTrips(self::client());
    }

    public function testEveryErrorCodeRoundTrips(): void
    {
        Scenarios::everyErrorCodeRoundTrips(self::client());
    }

    public function testTypedErrorsComeBackTyped(): void
    {
        Scenarios::typedErrorsComeBackTyped(self::client());
    }

    public function testBadInputGetsTheRightCodeAndStatus(): void
    {
        $post = static fn (string $body, string $type = 'application/json', string $path = '/probe/echo'): array =>
            RawHttp::request(self::url(), 'POST', $path, $body, ['Content-Type' => $type]);
        $code = static fn (string $body): array => [
            json_decode($body, true)['code'] ?? '',
            json_decode($body, true)['message'] ?? '',
        ];
        $valid = json_decode(Probe::everything()->toJson());

        [$status, , $body] = $post('{"flag": tru');
        $this->assertSame([400, 'invalid_argument'], [$status, $code($body)[0]], $body);

        $missing = json_decode(Probe::everything()->toJson());
        unset($missing->nested->k[0]->id);
        [$status, , $body] = $post(json_encode($missing));
        $this->assertSame([400, 'invalid_argument'], [$status, $code($body)[0]], $body);
        $this->assertStringStartsWith('nested["k"][0].id: ', $code($body)[1]);

        $wrong = json_decode(Probe::everything()->toJson());
        $wrong->count = true;
        [$status, , $body] = $post(json_encode($wrong));
        $this->assertSame([400, 'invalid_argument'], [$status, $code($body)[0]]);
        $this->assertStringStartsWith('count: ', $code($body)[1]);

        $enum = json_decode(Probe::everything()->toJson());
        $enum->color = 'purple';
        [$status, , $body] = $post(json_encode($enum));
        $this->assertSame([400, 'invalid_argument'], [$status, $code($body)[0]]);
        $this->assertStringContainsString('purple', $code($body)[1]);

        $this->assertSame(415, $post(json_encode($valid), 'text/plain')[0]);

        [$status, , $body] = $post('{"name":"' . str_repeat('x', 5 << 20) . '"}');
        $this->assertSame([429, 'resource_exhausted'], [$status, $code($body)[0]], $body);

        [$status, , $body] = $post('{}', 'application/json', '/probe/nope');
        $this->assertSame([501, 'unimplemented'], [$status, $code($body)[0]]);
        [$status, , $body] = $post('{}', 'application/json', '/probe/%65cho');
        $this->assertSame([501, 'unimplemented'], [$status, $code($body)[0]], 'paths are routed raw');
    }

    /** connect-es streams its body after the headers: answers must wait for it. */
    public function testEarlyAnswersWaitForAStreamedBody(): void
    {
        $cases = [['/probe/nosuch', 'application/json', 501], ['/probe/echo', 'text/plain', 415]];
        foreach ($cases as [$path, $type, $want]) {
            $socket = RawHttp::connect(self::url());
            fwrite($socket, "POST $path HTTP/1.1\r\nHost: x\r\nContent-Type: $type\r\n"
                . "Transfer-Encoding: chunked\r\n\r\n");
            usleep(50_000);
            fwrite($socket, "2\r\n{}\r\n0\r\n\r\n");
            [$status] = RawHttp::read($socket);
            $this->assertSame($want, $status, $path);
            $body = '{"code":"not_found","message":"x"}';
            fwrite($socket, "POST /probe/fail HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                . 'Content-Length: ' . strlen($body) . "\r\n\r\n$body");
            [$status] = RawHttp::read($socket);
            $this->assertSame(404, $status, "second request on the connection of $path");
            fclose($socket);
        }
    }

    public function testAnExceptionLeavesTheServerServing(): void
    {
        $client = self::client();
        Scenarios::panicAndDeadline($client);
        $e = Scenarios::error(static fn () => $client->crash(new Empty_()));
        $this->assertSame('internal error', $e->getMessage(), 'nothing of the exception leaks');
        $this->assertSame(Probe::everything()->toJson(), $client->echo(Probe::everything())->toJson());
    }

    public function testAChainOfThreeKeepsIdsAndShrinksTheDeadline(): void
    {
        $ctx = Context::background()
            ->withRequestId('req-chain-1')
            ->withTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')
            ->withTimeout(3000);
        $out = $ctx->run(fn () => self::client()->hop(new HopIn(next: [self::url(), self::url()])));
        $this->assertCount(3, $out->seen);
        $spans = [];
        foreach ($out->seen as $i => $hop) {
            $this->assertSame(['req-chain-1', '4bf92f3577b34da6a3ce929d0e0e4736'], [$hop->requestId, $hop->traceId]);
            $this->assertMatchesRegularExpression('/^[0-9a-f]{16}$/', $hop->spanId);
            $spans[$hop->spanId] = true;
        }
        $this->assertCount(3, $spans, 'every hop has a span of its own');
        $this->assertSame('php-probe', $out->seen[1]->caller);
        $ms = array_map(static fn ($s) => $s->remainingMs, $out->seen);
        $shrinking = $ms[0] <= 3000 && $ms[0] > 0 && $ms[1] <= $ms[0] && $ms[2] <= $ms[1] && $ms[2] > 0;
        $this->assertTrue($shrinking, implode(',', $ms));
    }

    public function testTheContractsDeadlineCanBeReplaced(): void
    {
        $replaced = new ProbeClient(self::url(), new ClientOptions(rpcTimeoutsMs: ['sleep' => 100]));
        $started = microtime(true);
        $e = Scenarios::error(static fn () => $replaced->sleep(new SleepIn(millis: 500)));
        $this->assertSame(Code::DeadlineExceeded, $e->code());
        $this->assertLessThan(0.4, microtime(true) - $started);
    }

    public function testReadonlyRpcsAnswerGet(): void
    {
        $json = Probe::everything()->toJson();
        $path = '/probe/echo?connect=v1&encoding=json&message=' . rawurlencode($json);
        [$status, , $body] = RawHttp::request(self::url(), 'GET', $path, '');
        $this->assertSame([200, $json], [$status, $body]);
    }

    public function testGzipAndKeepAlive(): void
    {
        $before = Client::connectionsOpened();
        $client = new ProbeClient(self::url(), new ClientOptions(requestGzipMinBytes: 0));
        $big = Probe::minimal(str_repeat('é', 3000));
        for ($i = 0; $i < 5; $i++) {
            $this->assertSame($big->toJson(), $client->echo($big)->toJson());
        }
        $this->assertSame(1, Client::connectionsOpened() - $before, 'one connection for five calls');
        $h = curl_init(self::url() . '/probe/echo');
        curl_setopt_array($h, [
            CURLOPT_POSTFIELDS => $big->toJson(),
            CURLOPT_HTTPHEADER => ['Content-Type: application/json', 'Accept-Encoding: gzip'],
            CURLOPT_RETURNTRANSFER => true,
            CURLOPT_HEADER => true,
        ]);
        $raw = (string) curl_exec($h);
        $this->assertStringContainsStringIgnoringCase("\r\nContent-Encoding: gzip\r\n", $raw);
    }

    public function testMetricsAreSharedByTheWorkers(): void
    {
        $client = self::client();
        for ($i = 0; $i < 12; $i++) {
            $client->find(new FindIn(id: 1, conflict: false));
        }
        [, , $metrics] = RawHttp::request(self::url(), 'GET', '/metrics', '');
        $ok = '/^brief_server_requests_total\{service="probe",rpc="find",code="ok"\} (\d+)$/m';
        $this->assertMatchesRegularExpression($ok, $metrics);
        preg_match($ok, $metrics, $m);
        $this->assertGreaterThanOrEqual(12, (int) $m[1], 'APCu counts the requests of every php-fpm worker');
    }

    public function testShutdownAnswersInFlightRequestsAndExitsZero(): void
    {
        $server = ServerProcess::start(__DIR__ . '/../probe-server', ['BRIEF_DRAIN_DELAY' => '1s']);
        $multi = curl_multi_init();
        $h = curl_init($server->url . '/probe/sleep');
        curl_setopt_array($h, [
            CURLOPT_POSTFIELDS => '{"millis":700}',
            CURLOPT_HTTPHEADER => ['Content-Type: application/json'],
            CURLOPT_RETURNTRANSFER => true,
        ]);
        curl_multi_add_handle($multi, $h);
        $deadline = microtime(true) + 0.2;
        do {
            curl_multi_exec($multi, $running);
            curl_multi_select($multi, 0.01);
        } while (microtime(true) < $deadline);
        posix_kill($server->pid, SIGTERM);
        usleep(300_000);
        [$status] = RawHttp::request($server->url, 'GET', '/readyz', '');
        $this->assertSame(503, $status, '/readyz while draining');
        do {
            curl_multi_exec($multi, $running);
            curl_multi_select($multi, 0.05);
        } while ($running > 0);
        $this->assertSame(200, curl_getinfo($h, CURLINFO_RESPONSE_CODE), (string) curl_multi_getcontent($h));
        $this->assertSame(0, $server->stop(), $server->output());
    }
}
