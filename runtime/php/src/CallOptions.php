<?php

declare(strict_types=1);

namespace Brief;

use Brief\Resilience\RetryPolicy;

/**
 * Options of one call.
 */
final class CallOptions
{
    /**
     * @param int|null $timeoutMs bounds the call: the smallest of this, the rpc's deadline
     *     and the time left of the request being served applies
     * @param array<string, string> $headers extra request headers
     * @param RetryPolicy|null $retry the retries of this call (default: the client's for
     *     the rpc)
     */
    public function __construct(
        public readonly ?int $timeoutMs = null,
        public readonly array $headers = [],
        public readonly ?RetryPolicy $retry = null,
    ) {
    }
}
