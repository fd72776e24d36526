<?php

declare(strict_types=1);

namespace Brief;

use Brief\Resilience\BreakerPolicy;
use Brief\Resilience\RetryBudget;
use Brief\Resilience\RetryPolicy;

/**
 * How a client calls its service. Every setting has a default; the deadlines come from
 * the contract (each rpc's timeout(...), 1 s when it has none) unless these replace them.
 * The resilience settings (docs/resilience.md) have the defaults of every brief runtime.
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
     * @param RetryPolicy $retry the retries of every rpc
     * @param array<string, RetryPolicy> $rpcRetry the retries of single rpcs, by rpc name
     * @param RetryBudget|null $budget the client's retry budget; null: none
     * @param BreakerPolicy|null $breaker the circuit breaker of each endpoint; null: none
     * @param int $avoidAfterConnectErrorMs the balancer avoids an endpoint this long after it
     *     refused a connection
     * @param int $dnsRefreshMs how often dns+http names are resolved again
     * @param (\Closure(string): (list<string>|false))|null $resolver the IPv4 addresses of a
     *     dns+http host (default: gethostbynamel)
     * @param (\Closure(string, string): void)|null $logger gets (level, message) of circuit
     *     state changes (default: error_log)
     * @param string $stateScope clients of one service with the same scope share breakers,
     *     retry budget and balancer state (across php-fpm workers when APCu is loaded)
     * @param bool $resilience false: one attempt, no budget, no breakers, round-robin
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
        public readonly RetryPolicy $retry = new RetryPolicy(),
        public readonly array $rpcRetry = [],
        public readonly ?RetryBudget $budget = new RetryBudget(),
        public readonly ?BreakerPolicy $breaker = new BreakerPolicy(),
        public readonly int $avoidAfterConnectErrorMs = 5000,
        public readonly int $dnsRefreshMs = 5000,
        public readonly ?\Closure $resolver = null,
        public readonly ?\Closure $logger = null,
        public readonly string $stateScope = '',
        public readonly bool $resilience = true,
    ) {
    }
}
