<?php

declare(strict_types=1);

namespace Brief;

/**
 * How a client calls its service. Every setting has a default; the deadlines come from
 * the contract (each rpc's timeout(...), 1 s when it has none) unless these replace them.
 */
final class ClientOptions
{
    /**
     * @param int|null $timeoutMs replaces every rpc's deadline from the contract
     * @param array<string, int> $rpcTimeoutsMs replaces the deadline of single rpcs, by rpc name
     * @param string|null $callerName sent as X-Brief-Caller (default: env SERVICE_NAME)
     * @param int|null $requestGzipMinBytes gzip request bodies of at least this many bytes
     *     (default: never)
     * @param int $maxResponseBytes larger responses fail with resource_exhausted
     * @param int $connectTimeoutMs at most this long to open a connection
     * @param bool $http2 speak HTTP/2 without TLS (prior knowledge) instead of HTTP/1.1
     * @param array<string, string> $headers extra headers for every call
     */
    public function __construct(
        public readonly ?int $timeoutMs = null,
        public readonly array $rpcTimeoutsMs = [],
        public readonly ?string $callerName = null,
        public readonly ?int $requestGzipMinBytes = null,
        public readonly int $maxResponseBytes = 4 << 20,
        public readonly int $connectTimeoutMs = 5000,
        public readonly bool $http2 = false,
        public readonly array $headers = [],
    ) {
    }
}
