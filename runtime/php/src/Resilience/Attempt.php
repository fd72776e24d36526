<?php

declare(strict_types=1);

namespace Brief\Resilience;

/**
 * One attempt of a call, as the layers hand it to the transport: which endpoint, which
 * attempt (X-Brief-Attempt), how long it may take. The transport says how it failed.
 */
final class Attempt
{
    /** The request certainly did not leave the client (connection refused, DNS failure). */
    public bool $unsent = false;

    /** The endpoint refused the connection: the balancer avoids it for a while. */
    public bool $refused = false;

    public function __construct(
        public readonly string $endpoint,
        public readonly int $number,
        public readonly int $timeoutMs,
    ) {
    }
}
