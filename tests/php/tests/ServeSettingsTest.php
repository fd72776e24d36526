<?php

declare(strict_types=1);

namespace Brief\Tests;

use PHPUnit\Framework\TestCase;

/**
 * runtime/php/server/serve reads the Rust and Go servers' settings (docs/protocol.md
 * section 8), in their syntax: each test sets the shared variables and watches nginx and
 * php-fpm behave accordingly over loopback sockets.
 */
final class ServeSettingsTest extends TestCase
{
    private const PROBE_SERVER = __DIR__ . '/../probe-server';

    /** @return array<string, array{string, string, string}> */
    public static function badValues(): array
    {
        return [
            'unit' => ['BRIEF_GRACE_PERIOD', '5x', 'not a duration (write e.g. 500ms, 10s, 2m)'],
            'no unit' => ['BRIEF_DRAIN_DELAY', '5', 'not a duration (write e.g. 500ms, 10s, 2m)'],
            'count' => ['BRIEF_MAX_CONNECTIONS', '10k', 'not a whole number'],
            'too small' => ['BRIEF_MAX_HEADER_BYTES', '512', 'must be at least 1024'],
        ];
    }

    /** @dataProvider badValues */
    public function testBadValueStopsServeNamingTheVariable(string $name, string $value, string $why): void
    {
        $process = proc_open(
            [self::PROBE_SERVER],
            [0 => ['file', '/dev/null', 'r'], 1 => ['pipe', 'w'], 2 => ['pipe', 'w']],
            $pipes,
            null,
            [$name => $value, 'LISTEN' => '127.0.0.1:1'] + getenv(),
        );
        $this->assertIsResource($process);
        $output = stream_get_contents($pipes[1]) . stream_get_contents($pipes[2]);
        $this->assertSame(2, proc_close($process), $output);
        $this->assertStringContainsString("$name=\"$value\": $why", $output);
    }

    public function testHeadAndIdleSettingsReachNginx(): void
    {
        $server = ServerProcess::start(self::PROBE_SERVER, [
            'BRIEF_PHP_SERVER' => 'fpm',
            'BRIEF_HEADER_READ_TIMEOUT' => '300ms',
            'BRIEF_IDLE_TIMEOUT' => '400ms',
            'BRIEF_MAX_HEADER_BYTES' => '4096',
        ]);

        // A connection that sends nothing is closed after the header read timeout.
        $this->assertClosedWithin(0.2, 3.0, RawHttp::connect($server->url), 'silent connection');

        // The whole head counts, not just one line: 3 KB pass, 6 KB in 1 KB lines do not.
        $this->assertSame(200, $this->readyzWithHeaders($server->url, 3));
        $this->assertSame(400, $this->readyzWithHeaders($server->url, 6));

        // A kept-alive connection is closed after the idle timeout.
        $socket = RawHttp::connect($server->url);
        fwrite($socket, "GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n");
        [$status] = RawHttp::read($socket);
        $this->assertSame(200, $status);
        $this->assertClosedWithin(0.3, 3.0, $socket, 'idle keep-alive connection');

        $this->assertSame(0, $server->stop(), $server->output());
    }

    public function testGracePeriodEndsWhatIsStillRunning(): void
    {
        $server = ServerProcess::start(self::PROBE_SERVER, [
            'BRIEF_PHP_SERVER' => 'fpm',
            'BRIEF_DRAIN_DELAY' => '0',
            'BRIEF_GRACE_PERIOD' => '300ms',
        ]);
        $socket = RawHttp::connect($server->url);
        $body = '{"millis":5000}';
        fwrite($socket, "POST /probe/sleep HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            . 'Content-Length: ' . strlen($body) . "\r\n\r\n$body");
        usleep(200_000);

        $start = microtime(true);
        $this->assertSame(0, $server->stop(), $server->output());
        $this->assertLessThan(3.0, microtime(true) - $start, 'serve waits no longer than the grace period');
        $this->assertStringContainsString('still running after the grace period (0.300s)', $server->output());
        $this->assertSame('', (string) fgets($socket), 'the sleeping request got no answer');
    }

    private function readyzWithHeaders(string $url, int $kilobytes): int
    {
        $headers = [];
        for ($i = 0; $i < $kilobytes; $i++) {
            $headers["X-Padding-$i"] = str_repeat('a', 1000);
        }
        [$status] = RawHttp::request($url, 'GET', '/readyz', '', $headers);
        return $status;
    }

    /** @param resource $socket */
    private function assertClosedWithin(float $min, float $max, $socket, string $what): void
    {
        $start = microtime(true);
        $read = fread($socket, 1);
        $elapsed = microtime(true) - $start;
        fclose($socket);
        $this->assertSame('', (string) $read, "$what: no answer");
        $this->assertGreaterThan($min, $elapsed, "$what: closed too soon");
        $this->assertLessThan($max, $elapsed, "$what: still open");
    }
}
