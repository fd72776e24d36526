<?php

declare(strict_types=1);

namespace Brief\Tests;

use Brief\Client;
use Brief\ClientOptions;
use Brief\Code;
use Brief\Context;
use Brief\Rpc;
use PHPUnit\Framework\TestCase;
use Probe\FindIn;
use Probe\Found;

/**
 * The client against answers a brief server never gives: a retry hint, a proxy's page, a
 * body too large or of another type, JSON that does not match the contract (a `php -S`
 * serves fixtures/answers.php); and the headers it sends (to a socket that records them).
 */
final class ClientTest extends TestCase
{
    private static ?ServerProcess $server = null;

    public static function setUpBeforeClass(): void
    {
        self::$server = ServerProcess::start(['php', '-S', '{listen}', __DIR__ . '/../fixtures/answers.php']);
    }

    public static function tearDownAfterClass(): void
    {
        self::$server?->stop();
    }

    /** Calls the rpc `name` of a made-up service, which answers as fixtures/answers.php says. */
    private static function call(string $name, ?ClientOptions $options = null): object
    {
        $rpc = new Rpc('fixture', $name, FindIn::class, Found::class, false, false, 1000, [], 1);
        $client = new Client('fixture', self::$server->url, $options);
        return $client->call($rpc, new FindIn(id: 1, conflict: false));
    }

    public function testRetryAfterAndProxyPages(): void
    {
        $e = Scenarios::error(static fn () => self::call('retry'));
        $got = [$e->code(), $e->getMessage(), $e->retryAfter()];
        $this->assertSame([Code::Unavailable, 'come back later', 7], $got);
        $e = Scenarios::error(static fn () => self::call('proxy'));
        $this->assertSame(Code::Unavailable, $e->code());
        $this->assertStringContainsString('502 Bad Gateway', $e->getMessage());
    }

    public function testAnswersThatAreNotTheOutput(): void
    {
        $e = Scenarios::error(static fn () => self::call('huge', new ClientOptions(maxResponseBytes: 1 << 20)));
        $this->assertSame(Code::ResourceExhausted, $e->code(), $e->getMessage());
        $e = Scenarios::error(static fn () => self::call('text'));
        $this->assertSame(Code::Internal, $e->code());
        $this->assertStringContainsString('text/plain', $e->getMessage());
        $e = Scenarios::error(static fn () => self::call('garbage'));
        $this->assertSame(Code::Internal, $e->code());
        $this->assertStringContainsString('id: expected an integer', $e->getMessage());
    }

    public function testTheHeadersACallSends(): void
    {
        $ctx = Context::background()
            ->withRequestId('req-9')
            ->withTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')
            ->withBaggage('k=v')
            ->withTimeout(800);
        $options = new ClientOptions(callerName: 'tester', headers: ['X-Extra' => 'yes']);
        $recorded = self::record(static fn (string $url) => $ctx->run(static function () use ($url, $options) {
            $rpc = new Rpc('fixture', 'x', FindIn::class, Found::class, false, false, 1000, [], 1);
            return (new Client('fixture', $url, $options))->call($rpc, new FindIn(id: 1, conflict: false));
        }));
        $this->assertSame('req-9', $recorded['x-request-id']);
        $trace = '/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/';
        $this->assertMatchesRegularExpression($trace, $recorded['traceparent']);
        $this->assertNotSame('00f067aa0ba902b7', substr($recorded['traceparent'], 36, 16), 'a new span id');
        $this->assertSame(['k=v', 'tester', '1', 'yes', '1'], [
            $recorded['baggage'],
            $recorded['x-brief-caller'],
            $recorded['x-brief-attempt'],
            $recorded['x-extra'],
            $recorded['connect-protocol-version'],
        ]);
        $this->assertGreaterThan(0, (int) $recorded['connect-timeout-ms']);
        $this->assertLessThanOrEqual(800, (int) $recorded['connect-timeout-ms']);
        $this->assertStringContainsString('gzip', $recorded['accept-encoding']);
    }

    /**
     * The headers of the one request `call` sends to a listening socket, answered with
     * {"id":1}.
     *
     * @return array<string, string>
     */
    private static function record(callable $call): array
    {
        $listener = stream_socket_server('tcp://127.0.0.1:0');
        $url = 'http://' . stream_socket_get_name($listener, false);
        $pid = pcntl_fork();
        if ($pid === 0) {
            $conn = stream_socket_accept($listener, 5);
            $head = '';
            while (!str_contains($head, "\r\n\r\n") && ($line = fgets($conn)) !== false) {
                $head .= $line;
            }
            file_put_contents(sys_get_temp_dir() . '/brief-record-' . getmypid(), $head);
            fwrite($conn, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 8\r\n\r\n{\"id\":1}");
            fclose($conn);
            exit(0);
        }
        fclose($listener);
        $call($url);
        pcntl_waitpid($pid, $status);
        $file = sys_get_temp_dir() . "/brief-record-$pid";
        $head = (string) file_get_contents($file);
        unlink($file);
        $headers = [];
        foreach (array_slice(explode("\r\n", trim($head)), 1) as $line) {
            [$k, $v] = array_pad(explode(':', $line, 2), 2, '');
            $headers[strtolower(trim($k))] = trim($v);
        }
        return $headers;
    }
}
