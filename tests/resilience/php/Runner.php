<?php

declare(strict_types=1);

namespace Brief\ResilienceRunner;

use Brief\CallOptions;
use Brief\ClientOptions;
use Brief\Resilience\BreakerPolicy;
use Brief\Resilience\RetryBudget;
use Brief\Resilience\RetryPolicy;
use Brief\RpcException;
use Chaos\Ask;
use Chaos\ChaosClient;

/**
 * The commands of the PHP scenario runner (tests/resilience/README.md) that build clients
 * and make calls.
 */
final class Runner
{
    /**
     * A client as a `client` command describes it; a fresh state scope makes it a new client.
     *
     * @param array<string, mixed> $cmd
     */
    public static function newClient(array $cmd, int $generation): ChaosClient
    {
        $breaker = new BreakerPolicy();
        if (($cmd['cool_down_ms'] ?? 0) > 0) {
            $breaker = new BreakerPolicy(coolDownMs: (int) $cmd['cool_down_ms']);
        }
        $positive = static fn (string $key, int $default): int => ($cmd[$key] ?? 0) > 0 ? (int) $cmd[$key] : $default;
        $options = new ClientOptions(
            retry: new RetryPolicy(
                $positive('max_attempts', RetryPolicy::DEFAULT_MAX_ATTEMPTS),
                $positive('base_backoff_ms', RetryPolicy::DEFAULT_BASE_BACKOFF_MS),
                $positive('max_backoff_ms', RetryPolicy::DEFAULT_MAX_BACKOFF_MS),
            ),
            budget: ($cmd['budget'] ?? true) === false ? null : new RetryBudget(),
            breaker: ($cmd['breaker'] ?? true) === false ? null : $breaker,
            avoidAfterConnectErrorMs: (int) ($cmd['avoid_after_connect_error_ms'] ?? 5000),
            dnsRefreshMs: $positive('dns_refresh_ms', 5000),
            logger: static function (string $level, string $message): void {
                \fwrite(\STDERR, "$level: $message\n");
            },
            stateScope: 'runner-' . $generation,
        );
        return new ChaosClient(\implode(',', $cmd['urls'] ?? []), $options);
    }

    /**
     * @param array<string, mixed> $cmd
     * @return list<array<string, mixed>> one result per call
     */
    public static function calls(ChaosClient $client, array $cmd): array
    {
        $rpc = (string) ($cmd['rpc'] ?? '');
        if (!\in_array($rpc, ['read', 'put', 'create'], true)) {
            throw new \InvalidArgumentException("unknown rpc \"$rpc\"");
        }
        $timeout = (int) ($cmd['timeout_ms'] ?? 0);
        $options = new CallOptions($timeout > 0 ? $timeout : null);
        $results = [];
        for ($i = 0; $i < \max(1, (int) ($cmd['count'] ?? 1)); $i++) {
            $startUs = (int) (\microtime(true) * 1e6);
            $t0 = \hrtime(true);
            $r = ['code' => 'ok', 'message' => '', 'start_us' => $startUs, 'elapsed_us' => 0, 'endpoint' => -1];
            try {
                $r['endpoint'] = $client->$rpc(new Ask(), $options)->endpoint;
            } catch (RpcException $e) {
                $r['code'] = $e->code()->value;
                $r['message'] = $e->getMessage();
            }
            $r['elapsed_us'] = \intdiv(\hrtime(true) - $t0, 1000);
            $results[] = $r;
        }
        return $results;
    }
}
