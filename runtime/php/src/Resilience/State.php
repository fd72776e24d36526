<?php

declare(strict_types=1);

namespace Brief\Resilience;

use Brief\Metrics;

/**
 * Where breakers, budgets, balancer loads and resolved DNS sets live: in APCu when it is
 * loaded and enabled, so that every php-fpm worker of a pool shares them (the breaker that
 * one worker opened spares the endpoint for all), per process otherwise.
 *
 * The hot path uses scalar entries only (one multi-key apcu_fetch, apcu_inc for counts,
 * apcu_store of an int), which APCu neither serializes nor locks for long. Two workers
 * updating one entry at the same moment may lose one update, which only makes a window
 * forget a call or a latency sample; no worker ever waits for another.
 *
 * @internal
 */
final class State
{
    private const PREFIX = 'brief:r:';

    /** @var array<string, mixed> the entries of a process without APCu */
    private static array $local = [];

    /** @var array<string, array<int, array{int, int, int}>> windows of a process without APCu */
    private static array $windows = [];

    /** Milliseconds of the system's monotonic clock, the same in every process of the host. */
    public static function nowMs(): int
    {
        return \intdiv(\hrtime(true), 1_000_000);
    }

    /**
     * The entries of these keys that exist.
     *
     * @param list<string> $keys
     * @return array<string, mixed>
     */
    public static function fetch(array $keys): array
    {
        if (!Metrics::shared()) {
            return \array_intersect_key(self::$local, \array_flip($keys));
        }
        $prefixed = [];
        foreach ($keys as $key) {
            $prefixed[] = self::PREFIX . $key;
        }
        $out = [];
        foreach (\apcu_fetch($prefixed) ?: [] as $key => $value) {
            $out[\substr((string) $key, \strlen(self::PREFIX))] = $value;
        }
        return $out;
    }

    public static function get(string $key): mixed
    {
        if (!Metrics::shared()) {
            return self::$local[$key] ?? null;
        }
        $value = \apcu_fetch(self::PREFIX . $key, $found);
        return $found ? $value : null;
    }

    public static function set(string $key, mixed $value): void
    {
        if (!Metrics::shared()) {
            self::$local[$key] = $value;
            return;
        }
        // An endpoint that is gone (a pod replaced) leaves its entries for an hour at most.
        \apcu_store(self::PREFIX . $key, $value, 3600);
    }

    /** Adds to a counter entry, 0 when missing, and returns the sum. */
    public static function add(string $key, int $n): int
    {
        if (!Metrics::shared()) {
            return self::$local[$key] = (int) (self::$local[$key] ?? 0) + $n;
        }
        return (int) \apcu_inc(self::PREFIX . $key, $n);
    }

    /**
     * Takes a lock that expires by itself: true for the one process that gets it. Released
     * with release().
     */
    public static function claim(string $key): bool
    {
        if (!Metrics::shared()) {
            if (isset(self::$local[$key])) {
                return false;
            }
            self::$local[$key] = true;
            return true;
        }
        return \apcu_add(self::PREFIX . $key, 1, 10);
    }

    public static function release(string $key): void
    {
        if (!Metrics::shared()) {
            unset(self::$local[$key]);
            return;
        }
        \apcu_delete(self::PREFIX . $key);
    }

    /**
     * Adds `a` and `b` to the current slot of a window of ten slots of `slotMs` each (calls
     * and failures, or calls and retries). In APCu a slot is a pair of counters that expire
     * after the window.
     */
    public static function windowAdd(string $key, int $now, int $slotMs, int $a, int $b): void
    {
        $period = \intdiv($now, $slotMs);
        if (!Metrics::shared()) {
            $slots = &self::$windows[$key];
            $i = $period % 10;
            if (($slots[$i][0] ?? -1) !== $period) {
                $slots[$i] = [$period, 0, 0];
            }
            $slots[$i][1] += $a;
            $slots[$i][2] += $b;
            return;
        }
        $ttl = \intdiv($slotMs * 10, 1000) + 2;
        if ($a !== 0) {
            \apcu_inc(self::PREFIX . "$key\x1f$period\x1fa", $a, $ok, $ttl);
        }
        if ($b !== 0) {
            \apcu_inc(self::PREFIX . "$key\x1f$period\x1fb", $b, $ok, $ttl);
        }
    }

    /**
     * Both counters summed over the window ending now.
     *
     * @return array{int, int}
     */
    public static function windowSums(string $key, int $now, int $slotMs): array
    {
        $period = \intdiv($now, $slotMs);
        $a = $b = 0;
        if (!Metrics::shared()) {
            foreach (self::$windows[$key] ?? [] as [$p, $sa, $sb]) {
                if ($p > $period - 10 && $p <= $period) {
                    $a += $sa;
                    $b += $sb;
                }
            }
            return [$a, $b];
        }
        $keys = self::windowKeys($key, $period);
        foreach (\apcu_fetch($keys) ?: [] as $k => $n) {
            if (\str_ends_with((string) $k, "\x1fa")) {
                $a += (int) $n;
            } else {
                $b += (int) $n;
            }
        }
        return [$a, $b];
    }

    /** Forgets a window's counts. */
    public static function windowClear(string $key, int $now, int $slotMs): void
    {
        if (!Metrics::shared()) {
            unset(self::$windows[$key]);
            return;
        }
        \apcu_delete(self::windowKeys($key, \intdiv($now, $slotMs)));
    }

    /** @return list<string> the APCu keys of a window's slots */
    private static function windowKeys(string $key, int $period): array
    {
        $keys = [];
        for ($p = $period - 9; $p <= $period; $p++) {
            $keys[] = self::PREFIX . "$key\x1f$p\x1fa";
            $keys[] = self::PREFIX . "$key\x1f$p\x1fb";
        }
        return $keys;
    }
}
