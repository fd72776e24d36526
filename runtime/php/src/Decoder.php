<?php

declare(strict_types=1);

namespace Brief;

use Brief\Json\JsonObject;
use Brief\Json\OutOfRangeNumber;
use Brief\Json\Parser;

/**
 * Reads decoded JSON into the values of generated classes, applying every rule of
 * docs/language.md: required fields, null as absent, closed enums, exact 64-bit integers
 * (also written as strings, or as integral numbers such as 1.0 or 1e2), floats written
 * as strings and "NaN"/"Infinity", liberal base64, RFC 3339 times truncated to
 * microseconds. Errors name the field path.
 *
 * Two readers: wire() for JSON text decoded by Json (objects are \stdClass, so `[]` is
 * never an object), arrays() for PHP arrays such as toArray() gives (an array with string
 * keys, or an empty one, is an object there; a message class instance stands for itself).
 */
final class Decoder
{
    private static ?self $wire = null;
    private static ?self $arrays = null;

    private function __construct(private readonly bool $arraysAreObjects)
    {
    }

    public static function wire(): self
    {
        return self::$wire ??= new self(false);
    }

    public static function arrays(): self
    {
        return self::$arrays ??= new self(true);
    }

    /**
     * The members of a JSON object.
     *
     * @return array<array-key, mixed>
     * @throws DecodeException when the value is not an object, or repeats a key
     */
    public function fields(mixed $value): array
    {
        if ($value instanceof \stdClass) {
            return (array) $value;
        }
        if ($value instanceof JsonObject) {
            if ($value->duplicate !== null) {
                throw new DecodeException(self::fieldSegment($value->duplicate), 'duplicate key');
            }
            return $value->members;
        }
        if ($this->arraysAreObjects && \is_array($value) && ($value === [] || !\array_is_list($value))) {
            return $value;
        }
        throw new DecodeException('', 'expected a JSON object, got ' . DecodeException::describe($value));
    }

    /**
     * A field without `?` of a scalar, enum or message type: absent or null is an error.
     *
     * @param array<array-key, mixed> $fields
     * @param int|class-string|list<int|string> $spec
     */
    public function required(array $fields, string $name, int|string|array $spec): mixed
    {
        $v = $fields[$name] ?? null;
        if ($v === null) {
            throw new DecodeException($name, 'required field missing');
        }
        // The common cases here: a request pays a setup for every function it runs.
        if (($spec === Spec::INT && \is_int($v)) || ($spec === Spec::STRING && \is_string($v))) {
            return $v;
        }
        return $this->field($v, $name, $spec);
    }

    /**
     * A list or map field without `?`: absent or null is empty.
     *
     * @param array<array-key, mixed> $fields
     * @param list<int|string> $spec
     * @return array<array-key, mixed>
     */
    public function collection(array $fields, string $name, array $spec): array
    {
        $v = $fields[$name] ?? null;
        return $v === null ? [] : $this->field($v, $name, $spec);
    }

    /**
     * A `T?` field: absent or null is null.
     *
     * @param array<array-key, mixed> $fields
     * @param int|class-string|list<int|string> $spec
     */
    public function optional(array $fields, string $name, int|string|array $spec): mixed
    {
        $v = $fields[$name] ?? null;
        return $v === null ? null : $this->field($v, $name, $spec);
    }

    /**
     * The present value of field `name`, errors under its name.
     *
     * @param int|class-string|list<int|string> $spec
     */
    private function field(mixed $v, string $name, int|string|array $spec): mixed
    {
        // The common cases first, without a call.
        if (($spec === Spec::INT && \is_int($v)) || ($spec === Spec::STRING && \is_string($v))) {
            return $v;
        }
        try {
            return $this->value($v, $spec);
        } catch (DecodeException $e) {
            throw $e->under($name);
        }
    }

    /**
     * A present value of the type `spec` names, from its element `at` on.
     *
     * @param int|class-string|list<int|string> $spec
     */
    public function value(mixed $v, int|string|array $spec, int $at = 0): mixed
    {
        if (\is_int($spec)) {
            return $this->scalar($v, $spec);
        }
        if (\is_string($spec)) {
            return $this->message($v, $spec);
        }
        $kind = $spec[$at];
        if (\is_string($kind)) {
            return $this->message($v, $kind);
        }
        return match ($kind) {
            Spec::LIST => $this->list($v, $spec, $at + 1),
            Spec::MAP => $this->map($v, $spec, $at + 1),
            Spec::ENUM => $this->enum($v, (string) $spec[$at + 1]),
            default => $this->scalar($v, $kind),
        };
    }

    /** @param class-string $class */
    private function message(mixed $v, string $class): object
    {
        if ($v instanceof $class) {
            return $v;
        }
        return $class::decodeWith($this, $v);
    }

    /**
     * @param list<int|string> $spec
     * @return list<mixed>
     */
    private function list(mixed $v, array $spec, int $at): array
    {
        if (!\is_array($v) || !\array_is_list($v)) {
            throw new DecodeException('', 'expected an array, got ' . DecodeException::describe($v));
        }
        $leaf = $spec[$at];
        if (($leaf === Spec::INT && self::allInts($v)) || ($leaf === Spec::STRING && self::allStrings($v))) {
            return $v;
        }
        $out = [];
        foreach ($v as $i => $e) {
            try {
                $out[] = $this->value($e, $spec, $at);
            } catch (DecodeException $ex) {
                throw $ex->under('[' . $i . ']');
            }
        }
        return $out;
    }

    /**
     * @param list<int|string> $spec
     * @return array<array-key, mixed>
     */
    private function map(mixed $v, array $spec, int $at): array
    {
        if ($v instanceof \stdClass) {
            $members = (array) $v;
        } elseif ($v instanceof JsonObject) {
            if ($v->duplicate !== null) {
                throw new DecodeException(DecodeException::keySegment($v->duplicate), 'duplicate key');
            }
            $members = $v->members;
        } elseif ($this->arraysAreObjects && \is_array($v) && ($v === [] || !\array_is_list($v))) {
            $members = $v;
        } else {
            throw new DecodeException('', 'expected a JSON object, got ' . DecodeException::describe($v));
        }
        $out = [];
        foreach ($members as $k => $e) {
            try {
                $out[$k] = $this->value($e, $spec, $at);
            } catch (DecodeException $ex) {
                throw $ex->under(DecodeException::keySegment((string) $k));
            }
        }
        return $out;
    }

    /** @param class-string<\BackedEnum> $class */
    private function enum(mixed $v, string $class): \BackedEnum
    {
        if ($v instanceof $class) {
            return $v;
        }
        if (!\is_string($v)) {
            throw new DecodeException('', 'expected a string, got ' . DecodeException::describe($v));
        }
        $case = $class::tryFrom($v);
        if ($case === null) {
            $names = \array_map(static fn (\BackedEnum $c): string => (string) $c->value, $class::cases());
            throw new DecodeException('', 'unknown enum value ' . DecodeException::describe($v)
                . ' (expected one of ' . \implode(', ', $names) . ')');
        }
        return $case;
    }

    private function scalar(mixed $v, int $kind): mixed
    {
        return match ($kind) {
            Spec::INT => self::int($v),
            Spec::STRING => \is_string($v) ? $v : self::wrong('a string', $v),
            Spec::BOOL => \is_bool($v) ? $v : self::wrong('a boolean', $v),
            Spec::FLOAT => self::float($v),
            Spec::BYTES => self::bytes($v),
            Spec::TIME => $this->time($v),
            default => throw new \LogicException("no such spec: $kind"),
        };
    }

    /** An int: a number that is an integer in range, or a string of decimal digits. */
    public static function int(mixed $v): int
    {
        if (\is_int($v)) {
            return $v;
        }
        if (\is_float($v)) {
            if (!\is_finite($v) || \floor($v) !== $v) {
                self::wrong('an integer', $v);
            }
            if ($v < -9.2233720368547758E18 || $v >= 9.2233720368547758E18) {
                throw new DecodeException('', 'integer ' . DecodeException::describe($v) . ' out of 64-bit range');
            }
            return (int) $v;
        }
        if (\is_string($v)) {
            if (\preg_match('/^-?[0-9]+$/D', $v) !== 1) {
                throw new DecodeException('', 'expected an integer, got the string ' . DecodeException::describe($v));
            }
            return Parser::integer($v)
                ?? throw new DecodeException('', 'integer ' . DecodeException::describe($v) . ' out of 64-bit range');
        }
        if ($v instanceof OutOfRangeNumber) {
            throw new DecodeException('', 'integer ' . DecodeException::describe($v) . ' out of 64-bit range');
        }
        self::wrong('an integer', $v);
    }

    /** A float: a number, a string holding a JSON number, or "NaN", "Infinity", "-Infinity". */
    public static function float(mixed $v): float
    {
        if (\is_float($v) || \is_int($v)) {
            return (float) $v;
        }
        if (\is_string($v)) {
            switch ($v) {
                case 'NaN':
                    return \NAN;
                case 'Infinity':
                    return \INF;
                case '-Infinity':
                    return -\INF;
            }
            if (\preg_match('/^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?$/D', $v) !== 1) {
                throw new DecodeException('', 'expected a number, got the string ' . DecodeException::describe($v));
            }
            $f = (float) $v;
            if (!\is_finite($f)) {
                throw new DecodeException('', 'number ' . DecodeException::describe($v) . ' out of range');
            }
            return $f;
        }
        if ($v instanceof OutOfRangeNumber) {
            return (float) $v->text;
        }
        self::wrong('a number', $v);
    }

    /** Bytes: base64, standard or URL-safe alphabet, padded or not. */
    public static function bytes(mixed $v): string
    {
        if (!\is_string($v)) {
            self::wrong('a base64 string', $v);
        }
        $bare = \rtrim($v, '=');
        $padding = \strlen($v) - \strlen($bare);
        if ($padding > 0 && (\strlen($v) % 4 !== 0 || $padding > 2)) {
            throw new DecodeException('', 'invalid base64: bad padding');
        }
        if (\strlen($bare) % 4 === 1) {
            throw new DecodeException('', 'invalid base64: bad length');
        }
        if (\strpbrk($bare, '-_') !== false) {
            if (\strpbrk($bare, '+/') !== false) {
                throw new DecodeException('', 'invalid base64: mixed standard and URL-safe alphabets');
            }
            $bare = \strtr($bare, '-_', '+/');
        }
        if (\strspn($bare, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/') !== \strlen($bare)) {
            throw new DecodeException('', 'invalid base64: ' . DecodeException::describe($v));
        }
        $bytes = \base64_decode($bare, false);
        if ($bytes === false) {
            throw new DecodeException('', 'invalid base64: ' . DecodeException::describe($v));
        }
        return $bytes;
    }

    private function time(mixed $v): \DateTimeImmutable
    {
        if ($this->arraysAreObjects && $v instanceof \DateTimeInterface) {
            return Time::normalize($v);
        }
        if (!\is_string($v)) {
            self::wrong('an RFC 3339 timestamp string', $v);
        }
        return Time::parse($v);
    }

    private static function wrong(string $expected, mixed $v): never
    {
        throw new DecodeException('', 'expected ' . $expected . ', got ' . DecodeException::describe($v));
    }

    /** A key as a field of a message: bare when it could be a field name, else `["k"]`. */
    private static function fieldSegment(string $key): string
    {
        return \strlen($key) <= DecodeException::ECHO_LIMIT && \preg_match('/^[A-Za-z_][A-Za-z0-9_]*$/D', $key) === 1
            ? $key
            : DecodeException::keySegment($key);
    }

    /** @param list<mixed> $v */
    private static function allInts(array $v): bool
    {
        foreach ($v as $e) {
            if (!\is_int($e)) {
                return false;
            }
        }
        return true;
    }

    /** @param list<mixed> $v */
    private static function allStrings(array $v): bool
    {
        foreach ($v as $e) {
            if (!\is_string($e)) {
                return false;
            }
        }
        return true;
    }
}
