<?php

declare(strict_types=1);

namespace Brief\Resilience;

/**
 * How a client retries a call that failed in a retryable way (docs/resilience.md): at most
 * `maxAttempts` attempts in all, sleeping a random time in [0, min(maxBackoffMs,
 * baseBackoffMs × 2^(n-1))) before retry n (full jitter), never past the call's deadline.
 * The defaults are those of every brief runtime.
 */
final class RetryPolicy
{
    public const DEFAULT_MAX_ATTEMPTS = 3;
    public const DEFAULT_BASE_BACKOFF_MS = 25;
    public const DEFAULT_MAX_BACKOFF_MS = 1000;

    public function __construct(
        public readonly int $maxAttempts = self::DEFAULT_MAX_ATTEMPTS,
        public readonly int $baseBackoffMs = self::DEFAULT_BASE_BACKOFF_MS,
        public readonly int $maxBackoffMs = self::DEFAULT_MAX_BACKOFF_MS,
    ) {
    }

    /** One attempt, never a retry. */
    public static function off(): self
    {
        return new self(1);
    }

    /** The upper bound of the sleep before retry `retry` (1 for the first retry), in ms. */
    public function backoffCapMs(int $retry): int
    {
        $cap = \max(0, $this->baseBackoffMs);
        for ($i = 1; $i < $retry && $cap < $this->maxBackoffMs; $i++) {
            $cap *= 2;
        }
        return \min($cap, \max(0, $this->maxBackoffMs));
    }
}
