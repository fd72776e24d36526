<?php

declare(strict_types=1);

namespace Brief;

/**
 * Writes the values of generated classes as the canonical JSON of docs/language.md:
 * bytes as standard padded base64, times in UTC with 0, 3 or 6 fractional digits, the
 * special floats as "NaN", "Infinity", "-Infinity", maps and messages as objects (so
 * that an empty one is `{}`, never `[]`), map keys sorted.
 */
final class Encoder
{
    /**
     * A value of the type `spec` names, from its element `at` on, as json_encode() should
     * see it.
     *
     * @param int|class-string|list<int|string> $spec
     */
    public static function value(mixed $v, int|string|array $spec, int $at = 0): mixed
    {
        if (\is_int($spec)) {
            return self::scalar($v, $spec);
        }
        if (\is_string($spec)) {
            return $v->jsonSerialize();
        }
        $kind = $spec[$at];
        if (\is_string($kind)) {
            return $v->jsonSerialize();
        }
        switch ($kind) {
            case Spec::LIST:
                $leaf = $spec[$at + 1];
                if ($leaf === Spec::INT || $leaf === Spec::STRING || $leaf === Spec::BOOL) {
                    return \array_is_list($v) ? $v : \array_values($v);
                }
                $out = [];
                foreach ($v as $e) {
                    $out[] = self::value($e, $spec, $at + 1);
                }
                return $out;
            case Spec::MAP:
                $out = [];
                foreach ($v as $k => $e) {
                    $out[$k] = self::value($e, $spec, $at + 1);
                }
                // Keys in byte order, as Go and Rust write them: one value, one text.
                \ksort($out, \SORT_STRING);
                // json_encode() writes an array with other keys than 0, 1, ... as an object;
                // these two it would write as a list.
                return $out === [] || \array_is_list($out) ? (object) $out : $out;
            case Spec::ENUM:
                return $v->value;
            default:
                return self::scalar($v, $kind);
        }
    }

    private static function scalar(mixed $v, int $kind): mixed
    {
        return match ($kind) {
            Spec::FLOAT => self::float($v),
            Spec::BYTES => \base64_encode($v),
            Spec::TIME => self::time($v),
            default => $v,
        };
    }

    public static function float(float $f): float|string
    {
        if (\is_nan($f)) {
            return 'NaN';
        }
        if (\is_infinite($f)) {
            return $f > 0 ? 'Infinity' : '-Infinity';
        }
        return $f;
    }

    public static function time(\DateTimeInterface $t): string
    {
        return Time::format($t);
    }

    /**
     * A JSON value with every object as a PHP array (what toArray() returns).
     *
     * @return array<array-key, mixed>
     */
    public static function toArrays(array|\stdClass $v): array
    {
        $out = [];
        foreach ($v as $k => $e) {
            $out[$k] = \is_array($e) || $e instanceof \stdClass ? self::toArrays($e) : $e;
        }
        return $out;
    }
}
