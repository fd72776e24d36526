<?php

declare(strict_types=1);

namespace Brief\Resilience;

/**
 * The circuit breaker of one endpoint, as a state machine over the endpoint's record (see
 * Layers): it only decides; the caller stores the record, counts the window, logs and
 * exports transitions.
 *
 * @internal
 */
final class Breaker
{
    public const CLOSED = 0;
    public const OPEN = 1;
    public const HALF_OPEN = 2;

    public const NAMES = [self::CLOSED => 'closed', self::OPEN => 'open', self::HALF_OPEN => 'half_open'];

    /** @param array<string, mixed> $e */
    public static function reopenAt(BreakerPolicy $p, array $e): int
    {
        return $e['opened'] + $p->coolDownAfter($e['trips']);
    }

    /**
     * Whether admit() would let a call through now.
     *
     * @param array<string, mixed> $e
     */
    public static function available(BreakerPolicy $p, array $e, int $now): bool
    {
        return match ($e['st']) {
            self::OPEN => $now >= self::reopenAt($p, $e),
            self::HALF_OPEN => \count(self::liveProbes($e, $now)) < $p->halfOpenProbes,
            default => true,
        };
    }

    /**
     * Lets a call through (true) or not; an open circuit whose cool-down is over becomes
     * half-open, and a call let through half-open holds a probe slot until `until` (so a
     * worker that dies mid-probe does not hold it forever). Returns the state entered, or
     * null.
     *
     * @param array<string, mixed> $e
     */
    public static function admit(BreakerPolicy $p, array &$e, int $now, int $until, bool &$admitted): ?int
    {
        $entered = null;
        if ($e['st'] === self::OPEN) {
            if ($now < self::reopenAt($p, $e)) {
                $admitted = false;
                return null;
            }
            $e['st'] = $entered = self::HALF_OPEN;
            $e['probes'] = [];
        }
        if ($e['st'] === self::HALF_OPEN) {
            $probes = self::liveProbes($e, $now);
            $admitted = \count($probes) < $p->halfOpenProbes;
            if ($admitted) {
                $probes[] = $until;
            }
            $e['probes'] = $probes;
            return $entered;
        }
        $admitted = true;
        return $entered;
    }

    /**
     * Counts the outcome of an admitted call (`failure`: it says the server is unhealthy)
     * and returns the state entered, or null. `ratio` tells whether the failure ratio of
     * the endpoint's window is exceeded (it is asked only after a failure, the caller
     * having counted the call in the window).
     *
     * @param array<string, mixed> $e
     * @param \Closure(): bool $ratio
     */
    public static function record(
        BreakerPolicy $p,
        array &$e,
        bool $failure,
        bool $probe,
        int $until,
        int $now,
        \Closure $ratio,
    ): ?int {
        if ($probe) {
            $i = \array_search($until, $e['probes'], true);
            if ($i !== false) {
                unset($e['probes'][$i]);
                $e['probes'] = \array_values($e['probes']);
            }
        }
        if ($e['st'] === self::CLOSED) {
            if (!$failure) {
                $e['inrow'] = 0;
                return null;
            }
            $e['inrow']++;
            return $e['inrow'] >= $p->consecutiveFailures || $ratio() ? self::trip($e, 1, $now) : null;
        }
        if ($e['st'] === self::HALF_OPEN) {
            if ($failure) {
                return self::trip($e, $e['trips'] + 1, $now);
            }
            $e['st'] = self::CLOSED;
            $e['inrow'] = 0;
            $e['trips'] = 0;
            $e['probes'] = [];
            return self::CLOSED;
        }
        // Outcomes of calls let through before the circuit opened change nothing.
        return null;
    }

    /** @param array<string, mixed> $e */
    private static function trip(array &$e, int $trips, int $now): int
    {
        $e['st'] = self::OPEN;
        $e['opened'] = $now;
        $e['trips'] = $trips;
        $e['probes'] = [];
        return self::OPEN;
    }

    /**
     * @param array<string, mixed> $e
     * @return list<int>
     */
    private static function liveProbes(array $e, int $now): array
    {
        return \array_values(\array_filter($e['probes'], static fn (int $until): bool => $until > $now));
    }
}
