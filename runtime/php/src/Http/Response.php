<?php

declare(strict_types=1);

namespace Brief\Http;

/**
 * An HTTP response the server built; send() hands it to PHP.
 */
final class Response
{
    /** @param array<string, string> $headers */
    public function __construct(
        public readonly int $status,
        public readonly array $headers,
        public readonly string $body,
    ) {
    }

    public function header(string $name): ?string
    {
        foreach ($this->headers as $k => $v) {
            if (\strcasecmp($k, $name) === 0) {
                return $v;
            }
        }
        return null;
    }

    public function send(): void
    {
        \http_response_code($this->status);
        foreach ($this->headers as $name => $value) {
            \header($name . ': ' . $value);
        }
        \header('Content-Length: ' . \strlen($this->body));
        echo $this->body;
    }
}
