<?php

declare(strict_types=1);

namespace Brief;

/**
 * UTF-8 helpers that need no mbstring: the runtime asks only for ext-curl and ext-json.
 *
 * @internal
 */
final class Text
{
    /** At most `max` bytes of `text`, cut between characters, with "…" when cut. */
    public static function cut(string $text, int $max): string
    {
        if (\strlen($text) <= $max) {
            return $text;
        }
        $end = $max;
        // Back off continuation bytes (10xxxxxx) so no character is split.
        while ($end > 0 && (\ord($text[$end]) & 0xC0) === 0x80) {
            $end--;
        }
        return \substr($text, 0, $end) . '…';
    }

    public static function isUtf8(string $text): bool
    {
        return \preg_match('//u', $text) === 1;
    }

    /** `text` with every byte that is not UTF-8 replaced by U+FFFD. */
    public static function scrub(string $text): string
    {
        if (self::isUtf8($text)) {
            return $text;
        }
        return (string) \json_decode((string) \json_encode($text, \JSON_INVALID_UTF8_SUBSTITUTE));
    }
}
