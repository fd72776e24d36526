<?php

declare(strict_types=1);

namespace Brief;

/**
 * JSON that does not match the contract: invalid_argument, with the field path of the
 * problem in the syntax every runtime uses (`items[2].userId`, `byId["k"].name`) and the
 * message "path: reason".
 */
final class DecodeException extends RpcException
{
    /** How many characters of an offending value or key an error message repeats. */
    public const ECHO_LIMIT = 64;

    /** The most segments a path shows: a deeper one keeps its first and last halves. */
    public const PATH_MAX_SEGMENTS = 64;

    /** @var list<string> the path's segments, innermost first (`id`, `[2]`, `["k"]`) */
    private array $segments = [];

    public function __construct(string $path, private readonly string $reason)
    {
        if ($path !== '') {
            $this->segments[] = $path;
        }
        parent::__construct(Code::InvalidArgument, $path === '' ? $reason : $path . ': ' . $reason);
    }

    /** The field path, empty for the top-level value. */
    public function path(): string
    {
        $n = \count($this->segments);
        $half = self::PATH_MAX_SEGMENTS >> 1;
        $path = '';
        for ($i = $n - 1; $i >= 0; $i--) {
            if ($n > self::PATH_MAX_SEGMENTS && $i === $n - 1 - $half) {
                // The middle of a very deep path is left out: the first and last halves.
                $path .= ' ... ';
                $i = $half;
                continue;
            }
            $segment = $this->segments[$i];
            $path .= $path === '' || $path[-1] === ' ' || $segment[0] === '[' ? $segment : '.' . $segment;
        }
        return $path;
    }

    public function reason(): string
    {
        return $this->reason;
    }

    /**
     * Puts a field name or an index segment (`[2]`, `["k"]`) in front of the path.
     *
     * @internal
     */
    public function under(string $segment): self
    {
        $this->segments[] = $segment;
        $this->message = $this->path() . ': ' . $this->reason;
        return $this;
    }

    /** A map key as a path segment: `["k"]`, the key as a JSON string, cut if long. */
    public static function keySegment(string $key): string
    {
        return '[' . Text::quote($key, self::ECHO_LIMIT) . ']';
    }

    /** A short, printable rendering of an offending value for messages. */
    public static function describe(mixed $value): string
    {
        return match (true) {
            $value === null => 'null',
            \is_bool($value) => $value ? 'true' : 'false',
            \is_int($value), \is_float($value) => self::cut(\json_encode($value) ?: (string) $value),
            \is_string($value) => Text::quote($value, self::ECHO_LIMIT),
            \is_array($value) => \array_is_list($value) ? 'an array' : 'an object',
            $value instanceof Json\OutOfRangeNumber => self::cut($value->text),
            \is_object($value) => 'an object',
            default => \get_debug_type($value),
        };
    }

    /** A number's text, cut after ECHO_LIMIT characters (then followed by `...`). */
    private static function cut(string $text): string
    {
        return \strlen($text) > self::ECHO_LIMIT ? \substr($text, 0, self::ECHO_LIMIT) . '...' : $text;
    }
}
