<?php

declare(strict_types=1);

namespace Brief;

/**
 * brief's `time`: an instant with microsecond precision. Parsing takes RFC 3339 with any
 * offset and up to nine fractional digits (truncated, not rounded); formatting writes UTC
 * with `Z` and 0, 3 or 6 fractional digits, the fewest that hold the value.
 */
final class Time
{
    private const PATTERN = '/^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})'
        . '(?:\.(\d{1,9}))?([Zz]|[-+]\d{2}:\d{2})$/D';

    private static ?\DateTimeZone $utc = null;

    public static function utc(): \DateTimeZone
    {
        return self::$utc ??= new \DateTimeZone('UTC');
    }

    /** @throws DecodeException when the text is not an RFC 3339 timestamp */
    public static function parse(string $text): \DateTimeImmutable
    {
        if (\preg_match(self::PATTERN, $text, $m) !== 1) {
            throw new DecodeException('', 'expected an RFC 3339 timestamp, got ' . DecodeException::describe($text));
        }
        [, $y, $mo, $d, $h, $mi, $s] = $m;
        $offset = \strtoupper($m[8]);
        if (
            !\checkdate((int) $mo, (int) $d, (int) $y) || (int) $h > 23 || (int) $mi > 59 || (int) $s > 59
            || ($offset !== 'Z' && ((int) \substr($offset, 1, 2) > 23 || (int) \substr($offset, 4, 2) > 59))
        ) {
            throw new DecodeException('', 'timestamp out of range: ' . DecodeException::describe($text));
        }
        $micros = \substr(\str_pad($m[7] ?? '', 6, '0'), 0, 6);
        $zone = $offset === 'Z' ? '+00:00' : $offset;
        $t = \DateTimeImmutable::createFromFormat(
            'Y-m-d H:i:s.uP',
            "$y-$mo-$d $h:$mi:$s.$micros$zone",
        );
        if ($t === false) {
            throw new DecodeException('', 'timestamp out of range: ' . DecodeException::describe($text));
        }
        return $t->setTimezone(self::utc());
    }

    /** The same instant in UTC, truncated to microseconds (PHP holds no more). */
    public static function normalize(\DateTimeInterface $t): \DateTimeImmutable
    {
        return \DateTimeImmutable::createFromInterface($t)->setTimezone(self::utc());
    }

    /** The canonical text: `2024-05-01T10:00:00Z`, `…00.500Z`, `…00.123456Z`. */
    public static function format(\DateTimeInterface $t): string
    {
        $u = \DateTimeImmutable::createFromInterface($t)->setTimezone(self::utc());
        $micros = (int) $u->format('u');
        $fraction = match (true) {
            $micros === 0 => '',
            $micros % 1000 === 0 => \sprintf('.%03d', \intdiv($micros, 1000)),
            default => \sprintf('.%06d', $micros),
        };
        return \sprintf('%04d', (int) $u->format('Y')) . $u->format('-m-d\TH:i:s') . $fraction . 'Z';
    }
}
