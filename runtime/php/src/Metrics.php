<?php

declare(strict_types=1);

namespace Brief;

/**
 * Prometheus metrics of the rpcs a process serves and calls, with the names and buckets
 * of the Rust and Go runtimes: brief_server_requests_total{service,rpc,code} (code "ok"
 * for success), brief_server_request_duration_seconds{service,rpc}, and the same for
 * clients (brief_client_...).
 *
 * php-fpm's workers share nothing, so the counters live in APCu when it is loaded and
 * enabled: every worker adds to the same counters and /metrics shows them all. Without
 * APCu each process counts for itself, and since PHP forgets everything at the end of a
 * request, /metrics then shows only the request that asks for it: install php-apcu.
 */
final class Metrics
{
    /** Histogram bounds in seconds, as in the other runtimes; the last bucket is +Inf. */
    public const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private const PREFIX = 'brief:m:';

    /** @var array<string, int> counters of a process without APCu */
    private static array $local = [];

    private static ?bool $apcu = null;

    /** Whether counters are shared through APCu. */
    public static function shared(): bool
    {
        return self::$apcu ??= \function_exists('apcu_enabled') && \apcu_enabled();
    }

    /**
     * Counts one request: `side` is "server" or "client", `code` "ok" or an error code. One
     * counter per code and latency bucket, and one for the time: render() sums them up.
     */
    public static function observe(string $side, string $service, string $rpc, string $code, float $seconds): void
    {
        $bucket = \count(self::BUCKETS);
        foreach (self::BUCKETS as $i => $bound) {
            if ($seconds <= $bound) {
                $bucket = $i;
                break;
            }
        }
        $series = $side . "\x1f" . $service . "\x1f" . $rpc . "\x1f";
        $count = $series . $code . "\x1f" . $bucket;
        $time = $series . "\x1f";
        $micros = (int) \round($seconds * 1e6);
        // No helper functions: a request pays a setup for every function it runs.
        if (self::shared()) {
            \apcu_inc(self::PREFIX . $count, 1);
            \apcu_inc(self::PREFIX . $time, $micros);
            return;
        }
        self::$local[$count] = (self::$local[$count] ?? 0) + 1;
        self::$local[$time] = (self::$local[$time] ?? 0) + $micros;
    }

    /** @return array<string, int> every counter by key */
    private static function counters(): array
    {
        if (!self::shared()) {
            return self::$local;
        }
        $out = [];
        foreach (new \APCUIterator('/^' . \preg_quote(self::PREFIX, '/') . '/') as $key => $entry) {
            $out[\substr((string) $key, \strlen(self::PREFIX))] = (int) $entry['value'];
        }
        return $out;
    }

    /** The Prometheus text of every counter. */
    public static function render(): string
    {
        $series = [];
        foreach (self::counters() as $key => $n) {
            $parts = \explode("\x1f", $key);
            if (\count($parts) !== 5) {
                continue;
            }
            [$side, $service, $rpc, $code, $bucket] = $parts;
            $s = &$series[$side][$service . "\x1f" . $rpc];
            if ($code === '') {
                $s['sum'] = ($s['sum'] ?? 0) + $n;
            } else {
                $s['codes'][$code] = ($s['codes'][$code] ?? 0) + $n;
                $s['buckets'][(int) $bucket] = ($s['buckets'][(int) $bucket] ?? 0) + $n;
            }
            unset($s);
        }
        $out = '';
        foreach (['server', 'client'] as $side) {
            if (!isset($series[$side])) {
                continue;
            }
            \ksort($series[$side]);
            $out .= self::family($side, $series[$side]);
        }
        return $out . Resilience\Counters::render();
    }

    /** @param array<string, array{codes?: array<string, int>, buckets?: array<int, int>, sum?: int}> $all */
    private static function family(string $side, array $all): string
    {
        $name = 'brief_' . $side . '_requests_total';
        $out = "# HELP $name Requests by rpc and result code (ok for success).\n# TYPE $name counter\n";
        foreach ($all as $key => $s) {
            [$service, $rpc] = \explode("\x1f", $key);
            $codes = $s['codes'] ?? [];
            \ksort($codes);
            foreach ($codes as $code => $n) {
                $out .= $name . '{' . self::labels($service, $rpc) . ',code="' . $code . "\"} $n\n";
            }
        }
        $name = 'brief_' . $side . '_request_duration_seconds';
        $out .= "# HELP $name Request latency by rpc.\n# TYPE $name histogram\n";
        foreach ($all as $key => $s) {
            [$service, $rpc] = \explode("\x1f", $key);
            $labels = self::labels($service, $rpc);
            $cumulative = 0;
            foreach ([...self::BUCKETS, '+Inf'] as $i => $bound) {
                $cumulative += $s['buckets'][$i] ?? 0;
                $out .= "{$name}_bucket{{$labels},le=\"$bound\"} $cumulative\n";
            }
            $out .= "{$name}_sum{{$labels}} " . (($s['sum'] ?? 0) / 1e6) . "\n";
            $out .= "{$name}_count{{$labels}} $cumulative\n";
        }
        return $out;
    }

    private static function labels(string $service, string $rpc): string
    {
        $escape = static fn (string $v): string => \str_replace(['\\', '"', "\n"], ['\\\\', '\\"', '\\n'], $v);
        return 'service="' . $escape($service) . '",rpc="' . $escape($rpc) . '"';
    }
}
