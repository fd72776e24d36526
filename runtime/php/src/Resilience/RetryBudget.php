<?php

declare(strict_types=1);

namespace Brief\Resilience;

/**
 * Bounds the retries of a client (Finagle's and Linkerd's design): they may add at most
 * `ratio` of the calls made in the last `windowMs`, plus `minPerSecond` × the window's
 * seconds whatever the call rate, so a failing dependency sees at most ~20% more traffic
 * instead of a retry storm. The defaults are those of every brief runtime.
 */
final class RetryBudget
{
    public const DEFAULT_RATIO = 0.2;
    public const DEFAULT_MIN_PER_SECOND = 10;
    public const DEFAULT_WINDOW_MS = 10_000;

    public function __construct(
        public readonly float $ratio = self::DEFAULT_RATIO,
        public readonly int $minPerSecond = self::DEFAULT_MIN_PER_SECOND,
        public readonly int $windowMs = self::DEFAULT_WINDOW_MS,
    ) {
    }

    /** The retries allowed whatever the call rate, over one window. */
    public function reserve(): int
    {
        return \max(0, $this->minPerSecond) * \max(1, \intdiv($this->windowMs, 1000));
    }
}
