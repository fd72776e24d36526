<?php

declare(strict_types=1);

namespace Brief;

/**
 * Options of one call.
 */
final class CallOptions
{
    /**
     * @param int|null $timeoutMs bounds the call: the smallest of this, the rpc's deadline
     *     and the time left of the request being served applies
     * @param array<string, string> $headers extra request headers
     */
    public function __construct(
        public readonly ?int $timeoutMs = null,
        public readonly array $headers = [],
    ) {
    }
}
