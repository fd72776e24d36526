<?php

declare(strict_types=1);

namespace Brief\Tests;

/**
 * A server process on a free loopback port, as the Rust and Go interop tests start theirs:
 * LISTEN=127.0.0.1:<port>, ready when GET /readyz answers 200, stopped with SIGTERM (then
 * SIGKILL) by stop() or when the object goes away.
 */
final class ServerProcess
{
    /** @var resource */
    private $process;
    private bool $stopped = false;
    private ?string $finalOutput = null;

    /** @param resource $process */
    private function __construct(
        $process,
        public readonly int $pid,
        public readonly string $url,
        private readonly string $log,
    ) {
        $this->process = $process;
    }

    /**
     * Starts `command` (an executable, or a command and its arguments, in which
     * `{listen}` stands for the address) with `env` added to the environment.
     *
     * @param string|list<string> $command
     * @param array<string, string> $env
     */
    public static function start(string|array $command, array $env = []): self
    {
        $last = '';
        for ($try = 0; $try < 3; $try++) {
            $port = self::freePort();
            $log = tempnam(sys_get_temp_dir(), 'brief-server-log');
            $argv = array_map(
                static fn (string $a): string => str_replace('{listen}', "127.0.0.1:$port", $a),
                (array) $command,
            );
            $process = proc_open(
                $argv,
                [0 => ['file', '/dev/null', 'r'], 1 => ['file', $log, 'a'], 2 => ['file', $log, 'a']],
                $pipes,
                null,
                ['LISTEN' => "127.0.0.1:$port"] + $env + getenv(),
            );
            if ($process === false) {
                throw new \RuntimeException("cannot start {$argv[0]}");
            }
            $server = new self($process, proc_get_status($process)['pid'], "http://127.0.0.1:$port", $log);
            $deadline = microtime(true) + 20;
            while (microtime(true) < $deadline) {
                if (!proc_get_status($process)['running']) {
                    $last = "{$argv[0]} exited before it was ready:\n" . $server->output();
                    $server->stopped = true;
                    continue 2;
                }
                if (self::ready($port)) {
                    return $server;
                }
                usleep(20_000);
            }
            $server->stop();
            throw new \RuntimeException("{$argv[0]} not ready after 20 s:\n" . $server->output());
        }
        throw new \RuntimeException($last);
    }

    /** What the process wrote to stdout and stderr. */
    public function output(): string
    {
        return $this->finalOutput ?? (string) @file_get_contents($this->log);
    }

    /** Sends SIGTERM and waits (SIGKILL after `seconds`); returns the exit code. */
    public function stop(float $seconds = 15): int
    {
        if ($this->stopped) {
            return 0;
        }
        $this->stopped = true;
        posix_kill($this->pid, SIGTERM);
        $deadline = microtime(true) + $seconds;
        while (microtime(true) < $deadline) {
            $status = proc_get_status($this->process);
            if (!$status['running']) {
                proc_close($this->process);
                $this->finalOutput = $this->output();
                @unlink($this->log);
                return $status['exitcode'];
            }
            usleep(10_000);
        }
        posix_kill($this->pid, SIGKILL);
        proc_close($this->process);
        return -1;
    }

    public function __destruct()
    {
        $this->stop();
    }

    private static function freePort(): int
    {
        $socket = stream_socket_server('tcp://127.0.0.1:0');
        $name = stream_socket_get_name($socket, false);
        fclose($socket);
        return (int) substr((string) $name, strrpos((string) $name, ':') + 1);
    }

    private static function ready(int $port): bool
    {
        $socket = @stream_socket_client("tcp://127.0.0.1:$port", $errno, $error, 1);
        if ($socket === false) {
            return false;
        }
        stream_set_timeout($socket, 2);
        fwrite($socket, "GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        $answer = (string) stream_get_contents($socket);
        fclose($socket);
        return str_starts_with($answer, 'HTTP/1.1 200');
    }
}
