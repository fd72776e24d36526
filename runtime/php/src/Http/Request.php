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

    /**
     * @param array<string, string> $headers by lower-case name
     * @param string|\Closure(int): string $body the body, or a reader of at most n bytes
     * @param float $arrival when the request arrived, as microtime(true)
     */
    public function __construct(
        public readonly string $method,
        public readonly string $path,
        public readonly string $query,
        public readonly array $headers,
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
        $q = strpos($uri, '?');
        $headers = [];
        foreach ($_SERVER as $k => $v) {
            if (is_string($v) && strncmp((string) $k, 'HTTP_', 5) === 0) {
                $headers[strtolower(str_replace('_', '-', substr((string) $k, 5)))] = $v;
            }
        }
        foreach (['CONTENT_TYPE' => 'content-type', 'CONTENT_LENGTH' => 'content-length'] as $k => $name) {
            if (isset($_SERVER[$k]) && $_SERVER[$k] !== '') {
                $headers[$name] = (string) $_SERVER[$k];
            }
        }
        $arrival = (float) ($_SERVER['REQUEST_TIME_FLOAT'] ?? microtime(true));
        if (isset($_SERVER['BRIEF_NOW'], $_SERVER['BRIEF_REQUEST_TIME'])) {
            $arrival = (float) $_SERVER['BRIEF_NOW'] - (float) $_SERVER['BRIEF_REQUEST_TIME'];
        }
        return new self(
            (string) ($_SERVER['REQUEST_METHOD'] ?? 'GET'),
            $q === false ? $uri : substr($uri, 0, $q),
            $q === false ? '' : substr($uri, $q + 1),
            $headers,
            static fn (int $limit): string => (string) file_get_contents('php://input', false, null, 0, $limit),
            $arrival,
        );
    }

    public function header(string $name): ?string
    {
        return $this->headers[$name] ?? null;
    }

    /** The body, at most `limit` bytes of it. */
    public function body(int $limit): string
    {
        if ($this->reader !== null) {
            $this->body = ($this->reader)($limit);
            $this->reader = null;
        }
        return strlen($this->body) > $limit ? substr($this->body, 0, $limit) : $this->body;
    }
}
