<?php

declare(strict_types=1);

namespace Brief\Resilience;

use Brief\Metrics;

/**
 * The metrics of the resilience layers, with the names of the Rust and Go runtimes:
 * brief_client_retries_total and brief_client_retry_budget_exhausted_total per rpc,
 * brief_client_circuit_state (0 closed, 1 open, 2 half-open) and
 * brief_client_circuit_transitions_total per endpoint. Shared through APCu like Metrics.
 *
 * @internal
 */
final class Counters
{
    private const PREFIX = 'brief:rm:';

    /** @var array<string, int> */
    private static array $local = [];

    public static function retry(string $service, string $rpc): void
    {
        self::add("retries\x1f" . self::rpc($service, $rpc));
    }

    public static function budgetExhausted(string $service, string $rpc): void
    {
        self::add("exhausted\x1f" . self::rpc($service, $rpc));
    }

    /** A breaker entered `state`; the first time an endpoint is seen, all series start at 0. */
    public static function transition(string $service, string $endpoint, int $state): void
    {
        $labels = self::endpoint($service, $endpoint);
        foreach (Breaker::NAMES as $s => $name) {
            self::add("transitions\x1f" . $labels . ',state="' . $name . '"', (int) ($s === $state));
        }
        self::set("state\x1f" . $labels, $state);
    }

    /** An endpoint the client now holds: its breaker series exist, closed. */
    public static function seen(string $service, string $endpoint): void
    {
        $key = "state\x1f" . self::endpoint($service, $endpoint);
        $labels = self::endpoint($service, $endpoint);
        if (self::shared() ? !\apcu_exists(self::PREFIX . $key) : !isset(self::$local[$key])) {
            self::set($key, Breaker::CLOSED);
            foreach (Breaker::NAMES as $name) {
                self::add("transitions\x1f" . $labels . ',state="' . $name . '"', 0);
            }
        }
    }

    /** The Prometheus text of these series. */
    public static function render(): string
    {
        $all = [];
        if (self::shared()) {
            foreach (new \APCUIterator('/^' . \preg_quote(self::PREFIX, '/') . '/') as $key => $entry) {
                $all[\substr((string) $key, \strlen(self::PREFIX))] = (int) $entry['value'];
            }
        } else {
            $all = self::$local;
        }
        \ksort($all);
        $families = [
            'retries' => ['brief_client_retries_total', 'counter', 'Retries (attempts after the first) by rpc.'],
            'exhausted' => [
                'brief_client_retry_budget_exhausted_total',
                'counter',
                'Retries the retry budget refused, by rpc.',
            ],
            'state' => ['brief_client_circuit_state', 'gauge', 'Circuit state: 0 closed, 1 open, 2 half-open.'],
            'transitions' => [
                'brief_client_circuit_transitions_total',
                'counter',
                'Circuit state changes by the state entered.',
            ],
        ];
        $out = '';
        foreach ($families as $kind => [$name, $type, $help]) {
            $lines = '';
            foreach ($all as $key => $n) {
                [$k, $labels] = \explode("\x1f", $key, 2);
                if ($k === $kind) {
                    $lines .= $name . '{' . $labels . '} ' . $n . "\n";
                }
            }
            if ($lines !== '') {
                $out .= "# HELP $name $help\n# TYPE $name $type\n" . $lines;
            }
        }
        return $out;
    }

    private static function shared(): bool
    {
        return Metrics::shared();
    }

    private static function add(string $key, int $n = 1): void
    {
        if (self::shared()) {
            \apcu_inc(self::PREFIX . $key, $n);
            return;
        }
        self::$local[$key] = (self::$local[$key] ?? 0) + $n;
    }

    private static function set(string $key, int $n): void
    {
        if (self::shared()) {
            \apcu_store(self::PREFIX . $key, $n);
            return;
        }
        self::$local[$key] = $n;
    }

    private static function rpc(string $service, string $rpc): string
    {
        return 'service="' . self::escape($service) . '",rpc="' . self::escape($rpc) . '"';
    }

    private static function endpoint(string $service, string $endpoint): string
    {
        return 'service="' . self::escape($service) . '",endpoint="' . self::escape($endpoint) . '"';
    }

    private static function escape(string $v): string
    {
        return \str_replace(['\\', '"', "\n"], ['\\\\', '\\"', '\\n'], $v);
    }
}
