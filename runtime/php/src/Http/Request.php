<?php

declare(strict_types=1);

namespace Brief\Http;

/**
 * An HTTP request as the server sees it. The path is the raw one, never percent-decoded
 * (`/summer/%73um` names no rpc).
 */
final class Request
{
    /** @var \Closure(int): string|null */
    private ?\Closure $reader;

    /** Where PHP keeps the headers the runtime reads, by lower-case name. */
    private const SERVER_KEYS = [
        'content-type' => 'CONTENT_TYPE',
        'content-length' => 'CONTENT_LENGTH',
        'content-encoding' => 'HTTP_CONTENT_ENCODING',
        'accept-encoding' => 'HTTP_ACCEPT_ENCODING',
        'connect-timeout-ms' => 'HTTP_CONNECT_TIMEOUT_MS',
        'x-request-id' => 'HTTP_X_REQUEST_ID',
        'traceparent' => 'HTTP_TRACEPARENT',
        'tracestate' => 'HTTP_TRACESTATE',
        'baggage' => 'HTTP_BAGGAGE',
        'x-brief-caller' => 'HTTP_X_BRIEF_CALLER',
        'x-brief-attempt' => 'HTTP_X_BRIEF_ATTEMPT',
    ];

    /** @var array<string, mixed>|null PHP's $_SERVER, where the headers are read from */
    private ?array $server = null;

    /**
     * @param array<string, string> $headers by lower-case name
     * @param string|\Closure(int): string $body the body, or a reader of at most n bytes
     * @param float $arrival when the request arrived, as microtime(true)
     */
    public function __construct(
        public readonly string $method,
        public readonly string $path,
        public readonly string $query,
        private readonly array $headers,
        private string|\Closure $body,
        public readonly float $arrival,
    ) {
        $this->reader = $body instanceof \Closure ? $body : null;
    }

    /**
     * The request PHP is serving, from its globals (php-fpm, `php -S`). Behind the nginx
     * configuration of runtime/php/server, BRIEF_REQUEST_TIME and BRIEF_NOW say how long
     * nginx has had the request, so that a deadline runs from the request's arrival.
     */
    public static function fromGlobals(): self
    {
        $uri = (string) ($_SERVER['REQUEST_URI'] ?? '/');
        $q = \strpos($uri, '?');
        $arrival = (float) ($_SERVER['REQUEST_TIME_FLOAT'] ?? \microtime(true));
        if (isset($_SERVER['BRIEF_NOW'], $_SERVER['BRIEF_REQUEST_TIME'])) {
            $arrival = (float) $_SERVER['BRIEF_NOW'] - (float) $_SERVER['BRIEF_REQUEST_TIME'];
        }
        $request = new self(
            (string) ($_SERVER['REQUEST_METHOD'] ?? 'GET'),
            $q === false ? $uri : \substr($uri, 0, $q),
            $q === false ? '' : \substr($uri, $q + 1),
            [],
            self::readInput(...),
            $arrival,
        );
        // Headers are looked up when asked for, not copied.
        $request->server = $_SERVER;
        return $request;
    }

    /**
     * At most `limit` bytes of php://input: all of it when its Content-Length is within the
     * limit, otherwise (a chunked body) read in pieces, since file_get_contents() with a
     * length allocates that length up front.
     */
    private static function readInput(int $limit): string
    {
        $length = (string) ($_SERVER['CONTENT_LENGTH'] ?? '');
        $digits = \strlen($length);
        if ($digits > 0 && $digits < 16 && \strspn($length, '0123456789') === $digits && (int) $length <= $limit) {
            return (string) \file_get_contents('php://input');
        }
        $input = \fopen('php://input', 'rb');
        if ($input === false) {
            return '';
        }
        $body = '';
        while (!\feof($input) && \strlen($body) < $limit) {
            $piece = \fread($input, \min(65536, $limit - \strlen($body)));
            if ($piece === false || $piece === '') {
                break;
            }
            $body .= $piece;
        }
        \fclose($input);
        return $body;
    }

    /** A request header by its lower-case name. */
    public function header(string $name): ?string
    {
        if ($this->server === null) {
            return $this->headers[$name] ?? null;
        }
        $key = self::SERVER_KEYS[$name] ?? 'HTTP_' . \strtoupper(\strtr($name, '-', '_'));
        $value = $this->server[$key] ?? null;
        return \is_string($value) && $value !== '' ? $value : null;
    }

    /** The body, at most `limit` bytes of it. */
    public function body(int $limit): string
    {
        if ($this->reader !== null) {
            $this->body = ($this->reader)($limit);
            $this->reader = null;
        }
        return \strlen($this->body) > $limit ? \substr($this->body, 0, $limit) : $this->body;
    }
}
