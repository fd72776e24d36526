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

    /**
     * `text` as a JSON string for an error message, cut after `max` characters (then
     * followed by `...`), as every runtime quotes: `"`, `\\` and control characters
     * escaped (`\n`, `\u0001`), other characters as they are, bytes that are not UTF-8
     * as U+FFFD.
     */
    public static function quote(string $text, int $max): string
    {
        $length = \strlen($text);
        $end = 0;
        $chars = 0;
        // Count characters by their first bytes (not 10xxxxxx); stop at the one past max.
        while ($end < $length && $chars <= $max) {
            if ((\ord($text[$end]) & 0xC0) !== 0x80 && ++$chars > $max) {
                break;
            }
            $end++;
        }
        $flags = \JSON_UNESCAPED_SLASHES | \JSON_UNESCAPED_UNICODE | \JSON_UNESCAPED_LINE_TERMINATORS
            | \JSON_INVALID_UTF8_SUBSTITUTE;
        $quoted = (string) \json_encode($end < $length ? \substr($text, 0, $end) : $text, $flags);
        return $end < $length ? $quoted . '...' : $quoted;
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
