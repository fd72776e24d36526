<?php

declare(strict_types=1);

namespace Brief;

/**
 * The limits and settings of a Server. Each has a default and an environment variable, so
 * that the same front controller is configured where it is deployed. Limits on headers,
 * connections, idle keep-alive and slow bodies belong to the web server in front (nginx:
 * runtime/php/server/nginx.conf, docs/php.md); these are the ones PHP applies itself.
 */
final class ServerOptions
{
    public const DEFAULT_MAX_BODY_BYTES = 4 << 20;
    public const DEFAULT_COMPRESS_MIN_BYTES = 1024;

    /**
     * @param int $maxBodyBytes the largest request body, as received and after gzip
     *     (BRIEF_MAX_BODY_BYTES; default 4 MiB); larger ones get resource_exhausted
     * @param int $compressMinBytes the smallest response that is gzipped for a client that
     *     accepts gzip (BRIEF_COMPRESS_MIN_BYTES; default 1024)
     * @param string|null $drainFile /readyz answers 503 while this file exists
     *     (BRIEF_DRAIN_FILE; the serve script creates it on SIGTERM)
     */
    public function __construct(
        public readonly int $maxBodyBytes = self::DEFAULT_MAX_BODY_BYTES,
        public readonly int $compressMinBytes = self::DEFAULT_COMPRESS_MIN_BYTES,
        public readonly ?string $drainFile = null,
    ) {
    }

    /**
     * The options the environment sets, defaults for the rest. The environment as PHP puts
     * it in $_SERVER: php-fpm (with clear_env = no, as runtime/php/server configures it),
     * the CLI and `php -S` do; reading it costs nothing, where getenv() costs a few µs.
     */
    public static function fromEnvironment(): self
    {
        $max = $_SERVER['BRIEF_MAX_BODY_BYTES'] ?? '';
        $compress = $_SERVER['BRIEF_COMPRESS_MIN_BYTES'] ?? '';
        $drain = $_SERVER['BRIEF_DRAIN_FILE'] ?? null;
        $number = '/^[0-9]{1,15}$/D';
        return new self(
            \is_string($max) && \preg_match($number, $max) === 1 ? (int) $max : self::DEFAULT_MAX_BODY_BYTES,
            \is_string($compress) && \preg_match($number, $compress) === 1
                ? (int) $compress
                : self::DEFAULT_COMPRESS_MIN_BYTES,
            \is_string($drain) && $drain !== '' ? $drain : null,
        );
    }
}
