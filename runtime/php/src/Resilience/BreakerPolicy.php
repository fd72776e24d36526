<?php

declare(strict_types=1);

namespace Brief\Resilience;

/**
 * The circuit breaker of each endpoint (docs/resilience.md): closed → open after
 * `consecutiveFailures` failures in a row, or when at least `failureRatio` of at least
 * `minCalls` calls in the last `windowMs` failed; open → half-open after `coolDownMs`
 * (doubled on each failed probe, at most `maxCoolDownMs`); half-open lets
 * `halfOpenProbes` calls through at a time, closes on the first success and opens again on
 * a failure. The defaults are those of every brief runtime.
 */
final class BreakerPolicy
{
    public const DEFAULT_CONSECUTIVE_FAILURES = 5;
    public const DEFAULT_FAILURE_RATIO = 0.5;
    public const DEFAULT_MIN_CALLS = 20;
    public const DEFAULT_WINDOW_MS = 10_000;
    public const DEFAULT_COOL_DOWN_MS = 5000;
    public const DEFAULT_MAX_COOL_DOWN_MS = 60_000;
    public const DEFAULT_HALF_OPEN_PROBES = 3;

    public function __construct(
        public readonly int $consecutiveFailures = self::DEFAULT_CONSECUTIVE_FAILURES,
        public readonly float $failureRatio = self::DEFAULT_FAILURE_RATIO,
        public readonly int $minCalls = self::DEFAULT_MIN_CALLS,
        public readonly int $windowMs = self::DEFAULT_WINDOW_MS,
        public readonly int $coolDownMs = self::DEFAULT_COOL_DOWN_MS,
        public readonly int $maxCoolDownMs = self::DEFAULT_MAX_COOL_DOWN_MS,
        public readonly int $halfOpenProbes = self::DEFAULT_HALF_OPEN_PROBES,
    ) {
    }

    /** The cool-down after the `trips`-th trip in a row. */
    public function coolDownAfter(int $trips): int
    {
        $d = \max(1, $this->coolDownMs);
        $max = \max($d, $this->maxCoolDownMs);
        for ($i = 1; $i < $trips && $d < $max; $i++) {
            $d *= 2;
        }
        return \min($d, $max);
    }
}
