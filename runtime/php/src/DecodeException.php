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
    /** How much of an offending value or key an error message echoes. */
    public const ECHO_LIMIT = 64;

    public function __construct(private string $path, private readonly string $reason)
    {
        parent::__construct(Code::InvalidArgument, self::join($path, $reason));
    }

    /** The field path, empty for the top-level value. */
    public function path(): string
    {
        return $this->path;
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
        if ($this->path === '') {
            $this->path = $segment;
        } elseif ($this->path[0] === '[') {
            $this->path = $segment . $this->path;
        } else {
            $this->path = $segment . '.' . $this->path;
        }
        $this->message = self::join($this->path, $this->reason);
        return $this;
    }

    /** A map key as a path segment: `["k"]`, the key as a JSON string, cut if long. */
    public static function keySegment(string $key): string
    {
        $key = Text::cut($key, self::ECHO_LIMIT);
        $json = \json_encode($key, \JSON_UNESCAPED_SLASHES | \JSON_UNESCAPED_UNICODE | \JSON_INVALID_UTF8_SUBSTITUTE);
        return '[' . $json . ']';
    }

    /** A short, printable rendering of an offending value for messages. */
    public static function describe(mixed $value): string
    {
        return match (true) {
            $value === null => 'null',
            \is_bool($value) => $value ? 'true' : 'false',
            \is_int($value), \is_float($value) => self::cut(\json_encode($value) ?: (string) $value),
            \is_string($value) => self::cut((string) \json_encode(
                $value,
                \JSON_UNESCAPED_SLASHES | \JSON_UNESCAPED_UNICODE | \JSON_INVALID_UTF8_SUBSTITUTE,
            )),
            \is_array($value) => \array_is_list($value) ? 'an array' : 'an object',
            $value instanceof Json\OutOfRangeNumber => self::cut($value->text),
            \is_object($value) => 'an object',
            default => \get_debug_type($value),
        };
    }

    private static function cut(string $text): string
    {
        return Text::cut($text, self::ECHO_LIMIT);
    }

    private static function join(string $path, string $reason): string
    {
        return $path === '' ? $reason : $path . ': ' . $reason;
    }
}
