<?php

declare(strict_types=1);

namespace Brief\Tests;

use Brief\Http\Request;
use Brief\Http\Response;
use Brief\Server;
use Brief\ServerOptions;
use PHPUnit\Framework\TestCase;
use Probe\ProbeDispatcher;

/**
 * The server's answers to every kind of request (docs/protocol.md), in process: the
 * loopback tests run the same server under php-fpm and nginx.
 */
final class ServerTest extends TestCase
{
    private static function server(?ServerOptions $options = null): Server
    {
        return new Server([new ProbeDispatcher(new ProbeImpl())], $options ?? new ServerOptions());
    }

    /** @param array<string, string> $headers */
    private static function request(
        string $method,
        string $uri,
        string $body = '',
        array $headers = ['content-type' => 'application/json'],
        ?Server $server = null,
    ): Response {
        $q = strpos($uri, '?');
        $request = new Request(
            $method,
            $q === false ? $uri : substr($uri, 0, $q),
            $q === false ? '' : substr($uri, $q + 1),
            $headers,
            $body,
            microtime(true),
        );
        return ($server ?? self::server())->handle($request);
    }

    /** @return array{string, string} the code and message of a Connect error body */
    private static function error(Response $r): array
    {
        self::assertSame('application/json', $r->header('Content-Type'));
        $body = json_decode($r->body, true, 16, JSON_THROW_ON_ERROR);
        return [$body['code'], $body['message'] ?? ''];
    }

    public function testCallsAndTheirHeaders(): void
    {
        $r = self::request('POST', '/probe/find', '{"id":5,"conflict":false}', [
            'content-type' => 'Application/JSON; charset=utf-8',
            'x-request-id' => 'req-1',
        ]);
        $this->assertSame(200, $r->status, $r->body);
        $this->assertSame('{"id":5}', $r->body);
        $this->assertSame('req-1', $r->header('X-Request-Id'), 'the request id is echoed');
        $this->assertNull(self::request('POST', '/probe/find', '{"id":5,"conflict":false}')->header('X-Request-Id'));
        $long = self::request('POST', '/probe/find', '{"id":5,"conflict":false}', [
            'content-type' => 'application/json',
            'x-request-id' => str_repeat('x', 60_000),
        ]);
        $this->assertNull($long->header('X-Request-Id'), 'an over-long request id is not echoed');
        // The handler sees a new one instead.
        $seen = self::request('POST', '/probe/hop', '{"next":[]}', [
            'content-type' => 'application/json',
            'x-request-id' => "bad id\n",
        ]);
        $uuid = '/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/';
        $this->assertMatchesRegularExpression($uuid, json_decode($seen->body, true)['seen'][0]['requestId']);
        $this->assertMatchesRegularExpression('/^[0-9a-f]{32}$/', json_decode($seen->body, true)['seen'][0]['traceId']);
    }

    public function testTypedErrorsTravelWithTheirDetail(): void
    {
        $r = self::request('POST', '/probe/find', '{"id":-3,"conflict":false}');
        $this->assertSame(404, $r->status);
        $body = json_decode($r->body, true);
        $this->assertSame('not_found', $body['code']);
        $this->assertSame('no item with id -3', $body['message'], 'the message the handler chose');
        $this->assertSame('probe.NotFound', $body['details'][0]['type']);
        $this->assertSame('{"id":-3,"what":"item"}', base64_decode($body['details'][0]['value']));
        $this->assertSame(['id' => -3, 'what' => 'item'], $body['details'][0]['debug']);
        $r = self::request('POST', '/probe/find', '{"id":1,"conflict":true}');
        $this->assertSame(409, $r->status);
        $body = json_decode($r->body, true);
        $this->assertSame(['already_exists', 'It exists already'], [$body['code'], $body['message']]);
        $this->assertSame('e30=', $body['details'][0]['value']);
    }

    public function testATypedErrorCarriesTheMessageTheHandlerChose(): void
    {
        $impl = new class extends ProbeImplDecorator {
            public function find(\Probe\FindIn $in, \Brief\Context $ctx): \Probe\Found
            {
                throw new \Probe\NotFound(id: $in->id, message: "no item {$in->id} here");
            }
        };
        $server = new Server([new ProbeDispatcher($impl)], new ServerOptions());
        $r = self::request('POST', '/probe/find', '{"id":7,"conflict":false}', server: $server);
        $body = json_decode($r->body, true);
        $this->assertSame(['not_found', 'no item 7 here'], [$body['code'], $body['message']]);
        $this->assertSame(['id' => 7], $body['details'][0]['debug']);
        // The client side gives the message back with the typed error.
        $rpc = \Probe\ProbeService::find();
        $e = \Brief\RpcException::fromHttpResponse($r->status, $r->body);
        $typed = $rpc->throws[$e->details()[0]->type]::fromDetail(
            \Brief\Decoder::wire(),
            \Brief\Json::decode($e->details()[0]->value),
            $e->getMessage(),
        );
        $this->assertSame([7, null, 'no item 7 here'], [$typed->id, $typed->what, $typed->getMessage()]);
    }

    public function testEveryCodeWithItsStatus(): void
    {
        foreach (\Brief\Code::cases() as $code) {
            $body = json_encode(['code' => $code->value, 'message' => "m $code->value"]);
            $r = self::request('POST', '/probe/fail', $body);
            $this->assertSame($code->httpStatus(), $r->status);
            $this->assertSame([$code->value, "m $code->value"], self::error($r));
        }
    }

    public function testBadInput(): void
    {
        $cases = [
            ['POST', '/probe/echo', '{"flag": tru', 400, 'invalid_argument'],
            ['POST', '/probe/echo', '', 400, 'invalid_argument'],
            ['POST', '/probe/echo', '[1,2]', 400, 'invalid_argument'],
            ['POST', '/probe/nope', '{}', 501, 'unimplemented'],
            // Paths are routed raw: an escaped name is no rpc.
            ['POST', '/probe/%65cho', '{}', 501, 'unimplemented'],
            ['POST', '/nope', '{}', 404, 'unimplemented'],
            ['POST', '/a/b/c', '{}', 404, 'unimplemented'],
            ['PUT', '/probe/find', '{}', 405, 'unimplemented'],
            ['GET', '/probe/find', '', 405, 'unimplemented'],
        ];
        foreach ($cases as [$method, $path, $body, $status, $code]) {
            $r = self::request($method, $path, $body);
            $this->assertSame($status, $r->status, "$method $path: $r->body");
            $this->assertSame($code, self::error($r)[0], "$method $path");
        }
        $this->assertSame('POST', self::request('PUT', '/probe/find')->header('Allow'));
        $this->assertSame('GET, POST', self::request('PUT', '/probe/echo')->header('Allow'));
        $r = self::request('POST', '/probe/find', '{}', ['content-type' => 'text/plain']);
        $this->assertSame([415, 'application/json'], [$r->status, $r->header('Accept-Post')]);
        $brotli = ['content-type' => 'application/json', 'content-encoding' => 'br'];
        $r = self::request('POST', '/probe/find', '{}', $brotli);
        $this->assertSame([501, 'unimplemented'], [$r->status, self::error($r)[0]]);
        $r = self::request('POST', '/probe/find', '{"id":1,"conflict":false}', [
            'content-type' => 'application/json',
            'connect-timeout-ms' => '12a',
        ]);
        $this->assertSame([400, 'invalid_argument'], [$r->status, self::error($r)[0]]);
        [, $message] = self::error(self::request('POST', '/' . str_repeat('p', 100_000) . '/x', '{}'));
        $this->assertLessThan(300, strlen($message), 'a long path is not echoed whole');
    }

    public function testTheBodyLimitAppliesAsReceivedAndAfterGzip(): void
    {
        $server = self::server(new ServerOptions(maxBodyBytes: 20_000));
        $big = '{"name":"' . str_repeat('x', 30_000) . '"}';
        $r = self::request('POST', '/probe/echo', $big, server: $server);
        $this->assertSame([429, 'resource_exhausted'], [$r->status, self::error($r)[0]]);
        $r = self::request('POST', '/probe/echo', '{}', [
            'content-type' => 'application/json',
            'content-length' => '99999999999999999999',
        ], $server);
        $this->assertSame(429, $r->status);
        $bomb = gzencode(str_repeat(' ', 10_000_000), 9);
        $this->assertLessThan(20_000, strlen($bomb));
        $r = self::request('POST', '/probe/echo', $bomb, [
            'content-type' => 'application/json',
            'content-encoding' => 'gzip',
        ], $server);
        $this->assertSame([429, 'resource_exhausted'], [$r->status, self::error($r)[0]]);
        $r = self::request('POST', '/probe/echo', 'not gzip', [
            'content-type' => 'application/json',
            'content-encoding' => 'gzip',
        ]);
        $this->assertSame([400, 'invalid_argument'], [$r->status, self::error($r)[0]]);
    }

    public function testGzipBothWays(): void
    {
        $json = Probe::minimal(str_repeat('n', 2000))->toJson();
        $r = self::request('POST', '/probe/echo', gzencode($json), [
            'content-type' => 'application/json',
            'content-encoding' => 'gzip',
            'accept-encoding' => 'gzip, deflate',
        ]);
        $this->assertSame(200, $r->status, $r->body);
        $this->assertSame('gzip', $r->header('Content-Encoding'));
        $this->assertSame($json, gzdecode($r->body));
        $small = self::request('POST', '/probe/find', '{"id":5,"conflict":false}', [
            'content-type' => 'application/json',
            'accept-encoding' => 'gzip',
        ]);
        $this->assertNull($small->header('Content-Encoding'), 'small answers stay plain');
    }

    public function testReadonlyRpcsAnswerGet(): void
    {
        $json = Probe::everything()->toJson();
        $r = self::request('GET', '/probe/echo?connect=v1&encoding=json&message=' . rawurlencode($json));
        $this->assertSame([200, $json], [$r->status, $r->body]);
        $r = self::request('GET', '/probe/echo?encoding=json&base64=1&compression=gzip&message='
            . rtrim(strtr(base64_encode(gzencode($json)), '+/', '-_'), '='));
        $this->assertSame([200, $json], [$r->status, $r->body]);
        $r = self::request('GET', '/probe/echo?encoding=proto&message=x');
        $this->assertSame([415, 'unimplemented'], [$r->status, self::error($r)[0]]);
        $r = self::request('GET', '/probe/echo?encoding=json&connect=v2&message=%7B%7D');
        $this->assertSame([400, 'invalid_argument'], [$r->status, self::error($r)[0]]);
    }

    public function testAnExceptionIsInternalAndLeaksNothing(): void
    {
        $log = ini_set('error_log', '/dev/null');
        try {
            $r = self::request('POST', '/probe/crash', '{}');
        } finally {
            ini_set('error_log', (string) $log);
        }
        $this->assertSame([500, '{"code":"internal","message":"internal error"}'], [$r->status, $r->body]);
    }

    public function testDeadlines(): void
    {
        $r = self::request('POST', '/probe/sleep', '{"millis":300}', [
            'content-type' => 'application/json',
            'connect-timeout-ms' => '50',
        ]);
        $this->assertSame([504, 'deadline_exceeded'], [$r->status, self::error($r)[0]]);
        // A request that waited in nginx past its deadline does not run at all.
        $request = new Request('POST', '/probe/fail', '', [
            'content-type' => 'application/json',
            'connect-timeout-ms' => '100',
        ], '{"code":"internal","message":"ran"}', microtime(true) - 1);
        $r = self::server()->handle($request);
        $this->assertSame([504, 'deadline_exceeded'], [$r->status, self::error($r)[0]]);
    }

    public function testHealthReadinessAndMetrics(): void
    {
        $drain = tempnam(sys_get_temp_dir(), 'drain');
        unlink($drain);
        $server = self::server(new ServerOptions(drainFile: $drain));
        $this->assertSame([200, "ok\n"], [self::request('GET', '/healthz', server: $server)->status, "ok\n"]);
        $this->assertSame(200, self::request('GET', '/readyz', server: $server)->status);
        touch($drain);
        try {
            $this->assertSame(503, self::request('GET', '/readyz', server: $server)->status);
        } finally {
            unlink($drain);
        }
        self::request('POST', '/probe/find', '{"id":5,"conflict":false}', server: $server);
        self::request('POST', '/probe/find', '{"id":-5,"conflict":false}', server: $server);
        $metrics = self::request('GET', '/metrics', server: $server)->body;
        foreach (
            [
                'brief_server_requests_total{service="probe",rpc="find",code="ok"} ',
                'brief_server_requests_total{service="probe",rpc="find",code="not_found"} ',
                'brief_server_request_duration_seconds_bucket{service="probe",rpc="find",le="+Inf"} ',
            ] as $series
        ) {
            $this->assertMatchesRegularExpression('/^' . preg_quote($series, '/') . '\d+$/m', $metrics);
        }
    }
}
