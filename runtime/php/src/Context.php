<?php

declare(strict_types=1);

namespace Brief;

/**
 * The context of a request: its id, trace context, baggage, caller and deadline.
 *
 * The server sets it up for each request it serves (Context::current(), and the second
 * argument of every handler), and generated clients read it, so that every call a
 * handler makes carries the request's id, its trace id under a new span id, its
 * tracestate and baggage unchanged, and the time left of its deadline, without the
 * handler doing anything. Outside a served request each call starts a new trace, unless
 * code runs it inside Context::run().
 *
 * A request id or trace id the request did not bring is made when it is first read, so a
 * request that neither reads them nor calls anything costs no random numbers.
 */
final class Context
{
    private static ?self $current = null;

    /** The X-Request-Id, brought by the request or a new UUID (v4). */
    public readonly string $requestId;

    /** The W3C trace id, 32 lower-case hex digits, brought by the request or new. */
    public readonly string $traceId;

    /** Whether the request brought a usable X-Request-Id (a server echoes it then). */
    public readonly bool $requestIdGiven;

    /**
     * @param string $requestId '' for a new one
     * @param string $traceId '' for a new one
     * @param string $spanId the span id of the incoming traceparent ('' at the edge)
     * @param int|null $deadline monotonic, in hrtime() nanoseconds; null without one
     */
    public function __construct(
        string $requestId = '',
        string $traceId = '',
        public readonly string $spanId = '',
        public readonly string $traceFlags = '01',
        public readonly string $traceState = '',
        public readonly string $baggage = '',
        public readonly ?string $caller = null,
        public readonly int $attempt = 1,
        public readonly ?int $deadline = null,
        public readonly string $service = '',
        public readonly string $rpc = '',
    ) {
        $this->requestIdGiven = $requestId !== '';
        if ($requestId === '') {
            unset($this->requestId);
        } else {
            $this->requestId = $requestId;
        }
        if ($traceId === '') {
            unset($this->traceId);
        } else {
            $this->traceId = $traceId;
        }
    }

    /** Makes the request id or trace id the request did not bring, when first read. */
    public function __get(string $name): string
    {
        return match ($name) {
            'requestId' => $this->requestId = self::newRequestId(),
            'traceId' => $this->traceId = \bin2hex(\random_bytes(16)),
            default => throw new \Error('Undefined property: ' . self::class . '::$' . $name),
        };
    }

    /** The context of the request being served, or of the innermost run(). */
    public static function current(): ?self
    {
        return self::$current;
    }

    /** A context for a new request at the edge: a new request id and trace id. */
    public static function background(): self
    {
        // One call for both ids: each call of the system's random source costs µs.
        $random = \random_bytes(32);
        return new self(self::uuid(\substr($random, 0, 16)), \bin2hex(\substr($random, 16)));
    }

    /**
     * Makes `ctx` the current context and returns the one it replaces (the server does so
     * around a handler).
     *
     * @internal
     */
    public static function swap(?self $ctx): ?self
    {
        $outer = self::$current;
        self::$current = $ctx;
        return $outer;
    }

    /** Runs `fn` with this context as the current one. */
    public function run(callable $fn): mixed
    {
        $outer = self::$current;
        self::$current = $this;
        try {
            return $fn();
        } finally {
            self::$current = $outer;
        }
    }

    /** A copy whose deadline is at most `ms` milliseconds from now. */
    public function withTimeout(int $ms): self
    {
        $deadline = \hrtime(true) + \max(0, $ms) * 1_000_000;
        return $this->with(['deadline' => $this->deadline === null ? $deadline : \min($deadline, $this->deadline)]);
    }

    public function withRequestId(string $requestId): self
    {
        return $this->with(['requestId' => $requestId]);
    }

    /** A copy with the trace of a W3C traceparent (ignored when invalid). */
    public function withTraceparent(string $traceparent): self
    {
        $parts = self::parseTraceparent($traceparent);
        if ($parts === null) {
            return $this;
        }
        return $this->with(['traceId' => $parts[0], 'spanId' => $parts[1], 'traceFlags' => $parts[2]]);
    }

    public function withBaggage(string $baggage): self
    {
        return $this->with(['baggage' => $baggage]);
    }

    /** Milliseconds left before the deadline (0 once passed), or null without one. */
    public function remainingMs(): ?int
    {
        if ($this->deadline === null) {
            return null;
        }
        return \max(0, \intdiv($this->deadline - \hrtime(true), 1_000_000));
    }

    public function expired(): bool
    {
        return $this->deadline !== null && \hrtime(true) >= $this->deadline;
    }

    /** The traceparent of an outgoing call: this trace, a new span id. */
    public function traceparent(): string
    {
        return '00-' . $this->traceId . '-' . \bin2hex(\random_bytes(8)) . '-' . $this->traceFlags;
    }

    /**
     * The context of an incoming request, from its headers.
     *
     * @param int|null $deadline monotonic nanoseconds
     * @internal
     */
    public static function fromRequest(Http\Request $r, ?int $deadline, string $service, string $rpc): self
    {
        $requestId = $r->header('x-request-id');
        $requestId = $requestId === null ? '' : self::validRequestId($requestId);
        $traceparent = $r->header('traceparent');
        $trace = $traceparent === null ? null : self::parseTraceparent($traceparent);
        if ($trace === null) {
            $trace = ['', '', '01'];
            // tracestate without a valid traceparent is discarded, as W3C says.
            $traceState = '';
        } else {
            $traceState = \substr($r->header('tracestate') ?? '', 0, 512);
        }
        $caller = $r->header('x-brief-caller');
        $attempt = (int) ($r->header('x-brief-attempt') ?? '1');
        return new self(
            $requestId,
            $trace[0],
            $trace[1],
            $trace[2],
            $traceState,
            \substr($r->header('baggage') ?? '', 0, 8192),
            $caller === null ? null : \substr($caller, 0, 256),
            $attempt > 0 ? $attempt : 1,
            $deadline,
            $service,
            $rpc,
        );
    }

    /**
     * An incoming X-Request-Id worth keeping: 1 to 128 printable ASCII characters without
     * spaces. Anything else is replaced by a new id, never echoed.
     */
    public static function validRequestId(?string $id): string
    {
        $length = \strlen((string) $id);
        return $length > 0 && $length <= 128 && \strspn((string) $id, self::VISIBLE) === $length ? (string) $id : '';
    }

    /** Printable ASCII without spaces. */
    private const VISIBLE = '!"#$%&\'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`'
        . 'abcdefghijklmnopqrstuvwxyz{|}~';

    /** A random UUID (version 4). */
    public static function newRequestId(): string
    {
        return self::uuid(\random_bytes(16));
    }

    /** A version 4 UUID of 16 random bytes. */
    private static function uuid(string $b): string
    {
        $b[6] = \chr(\ord($b[6]) & 0x0f | 0x40);
        $b[8] = \chr(\ord($b[8]) & 0x3f | 0x80);
        $h = \bin2hex($b);
        return \substr($h, 0, 8) . '-' . \substr($h, 8, 4) . '-' . \substr($h, 12, 4) . '-'
            . \substr($h, 16, 4) . '-' . \substr($h, 20);
    }

    /**
     * A W3C traceparent's trace id, span id and flags, or null when it is not valid.
     *
     * @return array{string, string, string}|null
     */
    public static function parseTraceparent(string $value): ?array
    {
        $value = \trim($value);
        if (\preg_match('/^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/D', $value, $m) !== 1) {
            return null;
        }
        if ($m[1] === 'ff' || ($m[1] === '00' && isset($m[5]))) {
            return null;
        }
        if ($m[2] === \str_repeat('0', 32) || $m[3] === \str_repeat('0', 16)) {
            return null;
        }
        return [$m[2], $m[3], $m[4]];
    }

    /** @param array<string, mixed> $changes */
    private function with(array $changes): self
    {
        // Reading the ids makes them, so that a copy is of the same request.
        $args = ['requestId' => $this->requestId, 'traceId' => $this->traceId] + \get_object_vars($this);
        unset($args['requestIdGiven']);
        return new self(...\array_merge($args, $changes));
    }
}
