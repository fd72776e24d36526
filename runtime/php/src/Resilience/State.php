<?php

declare(strict_types=1);

namespace Brief\Resilience;

use Brief\Metrics;

/**
 * Where breakers, budgets, balancer loads and resolved DNS sets live: in APCu when it is
 * loaded and enabled, so that every php-fpm worker of a pool shares them (the breaker that
 * one worker opened spares the endpoint for all), per process otherwise.
 *
 * Each record is read and written whole (apcu_fetch, apcu_store): two workers updating one
 * record at the same moment may lose one of the two updates, which only makes a window
 * forget a call; no worker ever waits for another.
 *
 * @internal
 */
final class State
{
    private const PREFIX = 'brief:r:';

    /** @var array<string, array<string, mixed>> the records of a process without APCu */
    private static array $local = [];

    /** Milliseconds of the system's monotonic clock, the same in every process of the host. */
    public static function nowMs(): int
    {
        return \intdiv(\hrtime(true), 1_000_000);
    }

    /** @return array<string, mixed>|null */
    public static function get(string $key): ?array
    {
        if (!Metrics::shared()) {
            return self::$local[$key] ?? null;
        }
        $value = \apcu_fetch(self::PREFIX . $key, $found);
        return $found && \is_array($value) ? $value : null;
    }

    /** @param array<string, mixed> $value */
    public static function put(string $key, array $value): void
    {
        if (!Metrics::shared()) {
            self::$local[$key] = $value;
            return;
        }
        \apcu_store(self::PREFIX . $key, $value);
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
            self::$local[$key] = [];
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
     * and failures, or calls and retries).
     *
     * @param array<int, array{int, int, int}> $slots period, a, b by slot
     */
    public static function windowAdd(array &$slots, int $now, int $slotMs, int $a, int $b): void
    {
        $period = \intdiv($now, $slotMs);
        $i = $period % 10;
        if (($slots[$i][0] ?? -1) !== $period) {
            $slots[$i] = [$period, 0, 0];
        }
        $slots[$i][1] += $a;
        $slots[$i][2] += $b;
    }

    /**
     * Both counters summed over the window ending now.
     *
     * @param array<int, array{int, int, int}> $slots
     * @return array{int, int}
     */
    public static function windowSums(array $slots, int $now, int $slotMs): array
    {
        $period = \intdiv($now, $slotMs);
        $a = $b = 0;
        foreach ($slots as [$p, $sa, $sb]) {
            if ($p > $period - 10 && $p <= $period) {
                $a += $sa;
                $b += $sb;
            }
        }
        return [$a, $b];
    }
}
