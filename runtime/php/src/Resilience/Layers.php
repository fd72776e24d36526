<?php

declare(strict_types=1);

namespace Brief\Resilience;

use Brief\ClientOptions;
use Brief\Code;
use Brief\Rpc;
use Brief\RpcException;

/**
 * The resilience layers of one client, between the generated method and the HTTP attempt
 * (docs/resilience.md): retries with backoff inside the deadline and the retry budget,
 * then the balancer, then the circuit breaker of the chosen endpoint.
 *
 * Breakers, the budget and the balancer's latencies live in State (APCu when loaded),
 * keyed by service, endpoint and ClientOptions::$stateScope, so that the short-lived
 * clients of php-fpm requests share them across requests and workers.
 *
 * @internal
 */
final class Layers
{
    /** How much a failed attempt weighs in the balancer's latency average, in µs. */
    private const FAILURE_LATENCY_US = 25_000;

    /** A latency average halves every this many ms without a new sample. */
    private const LATENCY_HALF_LIFE_MS = 10_000;

    /** The fields of an endpoint's record every call reads. */
    private const HOT = ['st', 'inrow', 'refused', 'lat'];

    /** The fields read only when the breaker is not closed. */
    private const COLD = ['opened', 'trips', 'probes'];

    /** An endpoint never seen: closed, unloaded. `lat`: the latency average and when. */
    private const NEW_RECORD = [
        'st' => Breaker::CLOSED, 'inrow' => 0, 'refused' => 0, 'lat' => 0, 'opened' => 0, 'trips' => 0, 'probes' => [],
    ];

    /** @var array<string, int> attempts in flight from this process, by endpoint key */
    private static array $inFlight = [];

    private readonly string $scope;

    private int $next = 0;

    /** @var array<string, list<string>> the keys of each endpoint's hot fields */
    private array $keys = [];

    /** @var list<string> the endpoints of the last call, with their keys (a cache) */
    private array $urls = [];

    /** @var list<list<string>> */
    private array $urlKeys = [];

    /** @var list<string> */
    private array $allKeys = [];

    public function __construct(
        private readonly string $service,
        private readonly Endpoints $endpoints,
        private readonly ClientOptions $options,
    ) {
        $this->scope = $service . "\x1f" . $options->stateScope . "\x1f";
    }

    /**
     * Runs a call: one attempt when the layers are off, else as many as the rules allow
     * before the deadline (hrtime ns).
     *
     * @param \Closure(Attempt): object $send one attempt over HTTP
     * @throws RpcException the last attempt's error, saying why there was no other
     */
    public function call(Rpc $rpc, ?RetryPolicy $callRetry, int $deadline, \Closure $send): object
    {
        $endpoints = $this->endpoints->current($this->service);
        $o = $this->options;
        if (!$o->resilience) {
            $endpoint = $endpoints[$this->next++ % \count($endpoints)];
            return $send(new Attempt($endpoint, 1, self::leftMs($rpc, $deadline, null)));
        }
        $policy = $callRetry ?? $o->rpcRetry[$rpc->name] ?? $o->retry;
        if ($o->budget !== null) {
            $this->budget($o->budget, false, State::nowMs());
        }
        $tried = [];
        $last = null;
        for ($n = 1;; $n++) {
            $now = State::nowMs();
            $records = $this->records($endpoints);
            $endpoint = $this->pick($records, $tried, $now);
            if ($endpoint === null) {
                throw $last === null
                    ? $this->allOpen($rpc, $records)
                    : self::annotate($last, "every endpoint's circuit is now open");
            }
            $attempt = new Attempt($endpoint, $n, self::leftMs($rpc, $deadline, $last));
            $tried[$endpoint] = true;
            try {
                return $this->attempt($attempt, $records[$endpoint], $send, $now);
            } catch (RpcException $e) {
                $why = $this->retryDelay($rpc, $policy, $e, $attempt, $deadline, \count($tried) < \count($endpoints));
                if (\is_string($why)) {
                    throw self::giveUp($e, $n, $why);
                }
                Counters::retry($rpc->service, $rpc->name);
                if ($why > 0) {
                    \usleep($why * 1000);
                }
                $last = $e;
            }
        }
    }

    /** The endpoints of the client now (dns+http names resolved). @return list<string> */
    public function endpoints(): array
    {
        return $this->endpoints->current($this->service);
    }

    /**
     * Sends one attempt through the endpoint's breaker, and records its outcome.
     *
     * @param array<string, mixed> $e the endpoint's record
     */
    private function attempt(Attempt $attempt, array $e, \Closure $send, int $now): object
    {
        $breaker = $this->options->breaker;
        $until = $now + $attempt->timeoutMs;
        $probe = false;
        if ($breaker !== null && $e['st'] !== Breaker::CLOSED) {
            $admitted = false;
            $before = $e;
            $entered = Breaker::admit($breaker, $e, $now, $until, $admitted);
            $probe = $admitted && $e['st'] === Breaker::HALF_OPEN;
            $this->store($attempt->endpoint, $before, $e);
            if ($entered !== null) {
                $this->transition($attempt->endpoint, $entered);
            }
            if (!$admitted) {
                // Another worker took the last probe slot since pick() looked.
                $attempt->unsent = true;
                throw new RpcException(Code::Unavailable, "circuit open for {$attempt->endpoint}");
            }
        }
        $key = $this->scope . $attempt->endpoint;
        self::$inFlight[$key] = (self::$inFlight[$key] ?? 0) + 1;
        $started = \hrtime(true);
        $failure = false;
        try {
            return $send($attempt);
        } catch (RpcException $x) {
            $failure = self::unhealthy($x);
            throw $x;
        } finally {
            self::$inFlight[$key]--;
            $this->settle($attempt, $e, $failure, \intdiv(\hrtime(true) - $started, 1000), $probe, $until);
        }
    }

    /**
     * Records an attempt's outcome in the endpoint's breaker and latency average.
     *
     * @param array<string, mixed> $e the endpoint's record when the attempt started
     */
    private function settle(Attempt $attempt, array $e, bool $failure, int $tookUs, bool $probe, int $until): void
    {
        $now = State::nowMs();
        $before = $e;
        $sample = $failure ? \max($tookUs, self::FAILURE_LATENCY_US) : $tookUs;
        $ewma = self::latency($e, $now);
        // Peak-sensitive: a slower sample counts at once, a faster one little by little.
        $ewma = $sample > $ewma ? $sample : 0.7 * $ewma + 0.3 * $sample;
        $e['lat'] = ($now << 24) | \min((int) $ewma, 0xFFFFFF);
        if ($attempt->refused) {
            $e['refused'] = $now;
        }
        $entered = null;
        $breaker = $this->options->breaker;
        if ($breaker !== null) {
            $window = $this->scope . $attempt->endpoint . "\x1fw";
            $slotMs = \max(1, \intdiv($breaker->windowMs, 10));
            State::windowAdd($window, $now, $slotMs, 1, (int) $failure);
            if (!$failure && $e['st'] === Breaker::CLOSED) {
                $e['inrow'] = 0; // the happy path, without a call
            } else {
                $ratio = self::ratio($breaker, $window, $now);
                $entered = Breaker::record($breaker, $e, $failure, $probe, $until, $now, $ratio);
                if ($entered === Breaker::CLOSED) {
                    State::windowClear($window, $now, $slotMs);
                }
            }
        }
        $this->store($attempt->endpoint, $before, $e);
        if ($entered !== null) {
            $this->transition($attempt->endpoint, $entered);
        }
    }

    /**
     * How long to sleep before the next attempt after `e` (ms), or why there is none (''
     * when the rules say no and there is nothing to add to the error).
     */
    private function retryDelay(
        Rpc $rpc,
        RetryPolicy $p,
        RpcException $e,
        Attempt $a,
        int $deadline,
        bool $spare,
    ): int|string {
        $after = $e->retryAfter();
        $code = $e->code();
        $retryable = $code === Code::Unavailable || ($code === Code::ResourceExhausted && $after !== null);
        $safe = $a->unsent || (($rpc->idempotent || $rpc->readonly) && $retryable);
        if (!$safe || $a->number >= $p->maxAttempts || $code === Code::DeadlineExceeded) {
            return '';
        }
        // A request that never left goes straight to another endpoint; anything else
        // backs off (full jitter), never sooner than the server asked.
        $delay = 0;
        if (!$a->unsent || !$spare) {
            $delay = \random_int(0, \max(1, $p->backoffCapMs($a->number)) - 1);
        }
        if ($after !== null) {
            $delay = \max($delay, $after * 1000);
        }
        if (\hrtime(true) + $delay * 1_000_000 >= $deadline) {
            return 'not retried: the deadline would pass first';
        }
        if ($this->options->budget !== null && !$this->budget($this->options->budget, true, State::nowMs())) {
            Counters::budgetExhausted($rpc->service, $rpc->name);
            return "not retried: the client's retry budget is spent";
        }
        return $delay;
    }

    /**
     * Counts a call (`retry` false) or takes one retry from the budget: false when it is
     * spent.
     */
    private function budget(RetryBudget $b, bool $retry, int $now): bool
    {
        $key = $this->scope . 'budget';
        $slotMs = \max(1, \intdiv($b->windowMs, 10));
        if ($retry) {
            [$calls, $retries] = State::windowSums($key, $now, $slotMs);
            if ($retries + 1 > $b->ratio * $calls + $b->reserve()) {
                return false;
            }
        }
        State::windowAdd($key, $now, $slotMs, (int) !$retry, (int) $retry);
        return true;
    }

    /**
     * Power of two choices among the endpoints whose breaker lets a call through,
     * preferring those this call has not tried and those that did not refuse a connection
     * lately; the load is the latency average times the attempts in flight plus one.
     *
     * @param array<string, array<string, mixed>> $records by endpoint
     * @param array<string, true> $tried
     */
    private function pick(array $records, array $tried, int $now): ?string
    {
        $breaker = $this->options->breaker;
        $avoidMs = $this->options->avoidAfterConnectErrorMs;
        $best = [];
        $bestRank = 4;
        foreach ($records as $url => $e) {
            if ($breaker !== null && $e['st'] !== Breaker::CLOSED && !Breaker::available($breaker, $e, $now)) {
                continue;
            }
            $rank = (isset($tried[$url]) ? 2 : 0) + ($e['refused'] > 0 && $now - $e['refused'] < $avoidMs ? 1 : 0);
            if ($rank < $bestRank) {
                $best = [];
                $bestRank = $rank;
            }
            if ($rank === $bestRank) {
                $best[] = (string) $url;
            }
        }
        $n = \count($best);
        if ($n <= 1) {
            return $best[0] ?? null;
        }
        // Not a secret: mt_rand, ten times cheaper than random_int here.
        $i = \mt_rand(0, $n - 1);
        $j = \mt_rand(0, $n - 2);
        if ($j >= $i) {
            $j++;
        }
        [$a, $b] = [$best[$i], $best[$j]];
        return $this->load($a, $records[$a], $now) <= $this->load($b, $records[$b], $now) ? $a : $b;
    }

    /** @param array<string, mixed> $e */
    private function load(string $url, array $e, int $now): float
    {
        return (self::latency($e, $now) + 1) * ((self::$inFlight[$this->scope . $url] ?? 0) + 1);
    }

    /**
     * The latency average in µs, halved for every half-life without a sample, so that an
     * endpoint that was slow once is tried again after a while.
     *
     * @param array<string, mixed> $e
     */
    private static function latency(array $e, int $now): float
    {
        $ewma = $e['lat'] & 0xFFFFFF;
        $age = $now - ($e['lat'] >> 24);
        return $age <= 0 ? (float) $ewma : $ewma * 2 ** (-$age / self::LATENCY_HALF_LIFE_MS);
    }

    /**
     * The records of these endpoints: the fields every call reads in one fetch, those of
     * an open or half-open breaker in a second one.
     *
     * @param list<string> $urls
     * @return array<string, array<string, mixed>> by endpoint
     */
    private function records(array $urls): array
    {
        if ($urls !== $this->urls) {
            $this->urls = $urls;
            $this->urlKeys = [];
            foreach ($urls as $url) {
                $this->urlKeys[] = $this->keys[$url] ??= $this->newEndpoint($url);
            }
            $this->allKeys = \array_merge(...$this->urlKeys);
        }
        $keys = $this->urlKeys;
        $got = State::fetch($this->allKeys);
        $out = [];
        foreach ($keys as $i => $endpointKeys) {
            $e = self::NEW_RECORD;
            foreach (self::HOT as $j => $field) {
                $e[$field] = $got[$endpointKeys[$j]] ?? $e[$field];
            }
            if ($e['st'] !== Breaker::CLOSED) {
                foreach (self::COLD as $field) {
                    $e[$field] = State::get($this->scope . $urls[$i] . "\x1f" . $field) ?? $e[$field];
                }
            }
            $out[$urls[$i]] = $e;
        }
        return $out;
    }

    /** @return list<string> the keys of an endpoint's hot fields, its metrics started */
    private function newEndpoint(string $url): array
    {
        if ($this->options->breaker !== null) {
            Counters::seen($this->service, $url);
        }
        $keys = [];
        foreach (self::HOT as $field) {
            $keys[] = $this->scope . $url . "\x1f" . $field;
        }
        return $keys;
    }

    /**
     * Writes the fields of an endpoint's record that changed.
     *
     * @param array<string, mixed> $before
     * @param array<string, mixed> $after
     */
    private function store(string $url, array $before, array $after): void
    {
        foreach ($after as $field => $value) {
            if ($before[$field] !== $value) {
                State::set($this->scope . $url . "\x1f" . $field, $value);
            }
        }
    }

    private function transition(string $endpoint, int $state): void
    {
        Counters::transition($this->service, $endpoint, $state);
        $message = "brief: circuit of {$this->service} at $endpoint is now " . Breaker::NAMES[$state];
        $level = $state === Breaker::OPEN ? 'warning' : 'info';
        if ($this->options->logger !== null) {
            ($this->options->logger)($level, $message);
        } else {
            \error_log("$level: $message");
        }
    }

    /** @param array<string, array<string, mixed>> $records by endpoint */
    private function allOpen(Rpc $rpc, array $records): RpcException
    {
        $now = State::nowMs();
        $next = null;
        foreach ($records as $e) {
            $in = $e['st'] === Breaker::OPEN ? \max(0, Breaker::reopenAt($this->options->breaker, $e) - $now) : 0;
            $next = $next === null ? $in : \min($next, $in);
        }
        $count = \count($records);
        return new RpcException(
            Code::Unavailable,
            "{$rpc->path}: circuit open for every endpoint of {$this->service} ($count endpoint"
                . ($count === 1 ? '' : 's') . "); next probe in $next ms",
        );
    }

    /** Milliseconds left before the deadline; none left ends the call. */
    private static function leftMs(Rpc $rpc, int $deadline, ?RpcException $last): int
    {
        $left = \intdiv($deadline - \hrtime(true), 1_000_000);
        if ($left <= 0) {
            throw $last ?? new RpcException(Code::DeadlineExceeded, "deadline exceeded before calling {$rpc->path}");
        }
        return $left;
    }

    /**
     * Whether at least the failure ratio of at least the minimum of calls in the window
     * failed, asked by the breaker after a failure only.
     *
     * @return \Closure(): bool
     */
    private static function ratio(BreakerPolicy $breaker, string $window, int $now): \Closure
    {
        return static function () use ($window, $now, $breaker): bool {
            $slotMs = \max(1, \intdiv($breaker->windowMs, 10));
            [$calls, $failures] = State::windowSums($window, $now, $slotMs);
            return $calls >= $breaker->minCalls && $failures >= $breaker->failureRatio * $calls;
        };
    }

    /** Failures say the server is unhealthy; any other answer is a healthy one. */
    private static function unhealthy(RpcException $e): bool
    {
        return \in_array($e->code(), [Code::Unavailable, Code::DeadlineExceeded, Code::Internal], true);
    }

    /** The last attempt's error, saying how many attempts were made and why no other. */
    private static function giveUp(RpcException $e, int $attempts, string $why): RpcException
    {
        if ($attempts === 1 && $why === '') {
            return $e;
        }
        $note = $attempts === 1 ? $why : "after $attempts attempts" . ($why === '' ? '' : "; $why");
        return self::annotate($e, $note);
    }

    private static function annotate(RpcException $e, string $note): RpcException
    {
        if ($e::class !== RpcException::class || $e->details() !== []) {
            return $e;
        }
        return new RpcException($e->code(), $e->getMessage() . " ($note)", [], $e, $e->retryAfter());
    }
}
