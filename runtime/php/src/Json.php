<?php

declare(strict_types=1);

namespace Brief;

use Brief\Json\Parser;

/**
 * JSON text in and out, as docs/language.md wants it and PHP's json extension alone does
 * not give it: 64-bit integers exact (never through a float), numbers out of range
 * rejected, duplicate keys rejected, and 2,048 levels of nesting.
 *
 * Decoding takes json_decode (objects as \stdClass, arrays as lists) when the text cannot
 * hold what json_decode gets wrong, and the exact parser of Json\Parser otherwise: for
 * integers of 19 digits or more, exponents of three digits, text json_decode refuses (to
 * say where it is wrong), and objects that lose members to duplicate keys (to say which).
 */
final class Json
{
    /**
     * Objects and arrays nested deeper than this (the body's object included) are
     * rejected, as in every runtime: docs/protocol.md, section 2. json_decode's own
     * parser manages this depth; it stops near 2,500.
     */
    public const MAX_DEPTH = 2048;

    private const ENCODE_FLAGS = \JSON_UNESCAPED_SLASHES | \JSON_UNESCAPED_UNICODE
        | \JSON_INVALID_UTF8_SUBSTITUTE | \JSON_PRESERVE_ZERO_FRACTION | \JSON_THROW_ON_ERROR;

    /** Numbers json_decode cannot hold exactly: 19+ digits, or an exponent of 3+ digits. */
    private const INEXACT = '/\d{19}|[eE][-+]?\d{3}/';

    private static bool $precisionSet = false;

    /**
     * Decodes a message of a generated class from JSON text, as the contract says.
     *
     * @template T of object
     * @param class-string<T> $class
     * @return T
     * @throws DecodeException naming the field path of the first problem
     */
    public static function decodeMessage(string $json, string $class): object
    {
        $message = $class::decodeWith(Decoder::wire(), self::decode($json, $duplicate));
        if ($duplicate !== null) {
            // Every repeated key the message's fields reach is reported on the way, with
            // its path; this one is under a member the message does not know.
            throw new DecodeException('', 'duplicate key ' . DecodeException::describe($duplicate)
                . ' inside the value of an unknown field');
        }
        return $message;
    }

    /**
     * Decodes JSON text: objects as \stdClass (or Json\JsonObject for one that repeats a
     * key or that PHP's objects cannot hold), arrays as lists, integers as int, numbers out
     * of range as Json\OutOfRangeNumber.
     *
     * @param string|null $duplicate set to the first repeated key, if any
     * @throws DecodeException for malformed JSON or an empty text
     */
    public static function decode(string $json, ?string &$duplicate = null): mixed
    {
        $duplicate = null;
        if (\strspn($json, " \t\r\n") === \strlen($json)) {
            throw new DecodeException('', 'expected a JSON object, got an empty body');
        }
        if (\preg_match(self::INEXACT, $json) === 1) {
            return Parser::parse($json, self::MAX_DEPTH, $duplicate);
        }
        try {
            $value = \json_decode($json, false, self::MAX_DEPTH + 1, \JSON_THROW_ON_ERROR);
        } catch (\JsonException) {
            // The parser says where the text is wrong (or reads what PHP's objects cannot).
            return Parser::parse($json, self::MAX_DEPTH, $duplicate);
        }
        $colons = \substr_count($json, ':');
        if ($value instanceof \stdClass && \count((array) $value) === $colons) {
            // Every colon separates a member of this one object, so none repeats a key.
            return $value;
        }
        if ($colons > 1 && (\is_object($value) || \is_array($value))) {
            $flags = \JSON_UNESCAPED_SLASHES | \JSON_UNESCAPED_UNICODE;
            $again = (string) \json_encode($value, $flags, self::MAX_DEPTH + 1);
            // Decoding loses members only to repeated keys, and re-encoding writes every
            // colon of a string as it is, so equal counts of colons mean no repeated key,
            // unless the text escaped a colon (\u003a), which the exact count handles.
            $lost = \stripos($json, '\\u003a') === false
                ? \substr_count($again, ':') !== $colons
                : self::members($again) !== self::members($json);
            if ($lost) {
                // A key was repeated. The parser says which.
                return Parser::parse($json, self::MAX_DEPTH, $duplicate);
            }
        }
        return $value;
    }

    /** The number of object members in valid JSON text: the colons outside strings. */
    private static function members(string $json): int
    {
        $bare = \preg_replace('/"[^"]*+"/', '', (string) \preg_replace('/\\\\./s', '', $json));
        return \substr_count((string) $bare, ':');
    }

    /**
     * Encodes what the generated jsonSerialize() methods return: arrays, \stdClass, lists
     * and scalars. Strings that are not UTF-8 get U+FFFD, as in Go.
     */
    public static function encode(mixed $value): string
    {
        if (!self::$precisionSet) {
            // Floats must round-trip: the shortest text that reads back as the same double.
            if (\ini_get('serialize_precision') !== '-1') {
                \ini_set('serialize_precision', '-1');
            }
            self::$precisionSet = true;
        }
        return \json_encode($value, self::ENCODE_FLAGS, 100000);
    }
}
