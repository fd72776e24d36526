<?php

declare(strict_types=1);

namespace Brief\Json;

use Brief\DecodeException;

/**
 * An exact JSON parser (RFC 8259), for the texts json_decode gets wrong or cannot explain:
 * integers stay exact (or become OutOfRangeNumber), errors name the offset, and an
 * object with a repeated key comes back as a JsonObject naming it, so that the decoder
 * reading it reports the key with its field path. Recursion is bounded by the nesting
 * limit.
 *
 * @internal
 */
final class Parser
{
    /** The characters a JSON string must escape. */
    private const CONTROL = "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f"
        . "\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f";

    private int $at = 0;
    private readonly int $length;
    /** The first repeated key, in text order. */
    private ?string $duplicate = null;

    private function __construct(private readonly string $text, private readonly int $maxDepth)
    {
        $this->length = \strlen($text);
    }

    /**
     * @param string|null $duplicate set to the first repeated key, if any
     * @throws DecodeException for malformed JSON, with its offset
     */
    public static function parse(string $text, int $maxDepth, ?string &$duplicate = null): mixed
    {
        $p = new self($text, $maxDepth);
        $p->space();
        $value = $p->value(0);
        $p->space();
        if ($p->at < $p->length) {
            $p->fail('unexpected ' . $p->near() . ' after the JSON value');
        }
        $duplicate = $p->duplicate;
        return $value;
    }

    private function value(int $depth): mixed
    {
        if ($this->at >= $this->length) {
            $this->fail('unexpected end of the JSON text');
        }
        $c = $this->text[$this->at];
        switch ($c) {
            case '{':
                return $this->object($depth + 1);
            case '[':
                return $this->array($depth + 1);
            case '"':
                return $this->string();
            case 't':
                return $this->literal('true', true);
            case 'f':
                return $this->literal('false', false);
            case 'n':
                return $this->literal('null', null);
        }
        if ($c === '-' || ($c >= '0' && $c <= '9')) {
            return $this->number();
        }
        $this->fail('unexpected ' . $this->near());
    }

    private function object(int $depth): \stdClass|JsonObject
    {
        $this->enter($depth);
        $this->at++;
        $members = [];
        $repeated = null;
        $this->space();
        if ($this->peek() === '}') {
            $this->at++;
            return new \stdClass();
        }
        $plain = true;
        while (true) {
            if ($this->peek() !== '"') {
                $this->fail('expected a string key, got ' . $this->near());
            }
            $key = $this->string();
            $this->space();
            $this->expect(':');
            $this->space();
            $value = $this->value($depth);
            if (\array_key_exists($key, $members)) {
                $repeated ??= $key;
                $this->duplicate ??= $key;
            } else {
                $members[$key] = $value;
            }
            if ($key !== '' && $key[0] === "\0") {
                $plain = false;
            }
            $this->space();
            $c = $this->peek();
            $this->at++;
            if ($c === '}') {
                break;
            }
            if ($c !== ',') {
                $this->at--;
                $this->fail("expected ',' or '}', got " . $this->near());
            }
            $this->space();
        }
        return $plain && $repeated === null ? (object) $members : new JsonObject($members, $repeated);
    }

    /** @return list<mixed> */
    private function array(int $depth): array
    {
        $this->enter($depth);
        $this->at++;
        $items = [];
        $this->space();
        if ($this->peek() === ']') {
            $this->at++;
            return $items;
        }
        while (true) {
            $items[] = $this->value($depth);
            $this->space();
            $c = $this->peek();
            $this->at++;
            if ($c === ']') {
                return $items;
            }
            if ($c !== ',') {
                $this->at--;
                $this->fail("expected ',' or ']', got " . $this->near());
            }
            $this->space();
        }
    }

    private function string(): string
    {
        $start = ++$this->at;
        $end = \strpos($this->text, '"', $start);
        if ($end === false) {
            $this->fail('unterminated string');
        }
        $raw = \substr($this->text, $start, $end - $start);
        if (\strpbrk($raw, "\\") === false) {
            // The common case: no escapes, so the text is the value.
            if (\strcspn($raw, self::CONTROL) !== \strlen($raw)) {
                $this->fail('control character in a string');
            }
            if (!\Brief\Text::isUtf8($raw)) {
                $this->fail('a string is not valid UTF-8');
            }
            $this->at = $end + 1;
            return $raw;
        }
        // With escapes: find the closing quote that is not escaped, then let json_decode
        // read that one string (it rejects lone surrogates and bad escapes).
        $i = $start;
        while (true) {
            $end = \strpos($this->text, '"', $i);
            if ($end === false) {
                $this->fail('unterminated string');
            }
            $backslashes = 0;
            for ($j = $end - 1; $j >= $start && $this->text[$j] === '\\'; $j--) {
                $backslashes++;
            }
            if ($backslashes % 2 === 0) {
                break;
            }
            $i = $end + 1;
        }
        $literal = \substr($this->text, $start - 1, $end - $start + 2);
        $value = \json_decode($literal);
        if (!\is_string($value)) {
            $this->fail('invalid string ' . DecodeException::describe($literal) . ': ' . \json_last_error_msg());
        }
        $this->at = $end + 1;
        return $value;
    }

    private function number(): int|float|OutOfRangeNumber
    {
        if (\preg_match('/\G-?(?:0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?/', $this->text, $m, 0, $this->at) !== 1) {
            $this->fail('invalid number ' . $this->near());
        }
        $text = $m[0];
        $integer = !isset($m[1]) && !isset($m[2]);
        if ($integer) {
            $int = self::integer($text);
            if ($int !== null) {
                $this->at += \strlen($text);
                return $int;
            }
        }
        $f = (float) $text;
        if (!\is_finite($f)) {
            // I-JSON: a number must be within a double's range, wherever it is.
            $this->fail('number ' . DecodeException::describe(new OutOfRangeNumber($text)) . ' out of range');
        }
        $this->at += \strlen($text);
        // An integer out of the 64-bit range is kept as written: an int field rejects it
        // saying so, a float field reads it.
        return $integer ? new OutOfRangeNumber($text) : $f;
    }

    /** A decimal integer literal as an int, or null when it is outside the 64-bit range. */
    public static function integer(string $text): ?int
    {
        $digits = \ltrim($text, '-');
        $digits = \ltrim($digits, '0') === '' ? '0' : \ltrim($digits, '0');
        $n = \strlen($digits);
        if ($n < 19) {
            return (int) $text;
        }
        $limit = $text[0] === '-' ? '9223372036854775808' : '9223372036854775807';
        if ($n > 19 || \strcmp($digits, $limit) > 0) {
            return null;
        }
        return $text[0] === '-' && $digits === '9223372036854775808' ? \PHP_INT_MIN : (int) $text;
    }

    private function literal(string $word, bool|null $value): bool|null
    {
        if (\substr_compare($this->text, $word, $this->at, \strlen($word)) !== 0) {
            $this->fail('unexpected ' . $this->near());
        }
        $this->at += \strlen($word);
        return $value;
    }

    private function enter(int $depth): void
    {
        if ($depth > $this->maxDepth) {
            throw new DecodeException('', 'JSON nested deeper than ' . $this->maxDepth . ' levels');
        }
    }

    private function space(): void
    {
        $this->at += \strspn($this->text, " \t\r\n", $this->at);
    }

    private function peek(): string
    {
        return $this->at < $this->length ? $this->text[$this->at] : '';
    }

    private function expect(string $c): void
    {
        if ($this->peek() !== $c) {
            $this->fail("expected '$c', got " . $this->near());
        }
        $this->at++;
    }

    private function near(): string
    {
        if ($this->at >= $this->length) {
            return 'the end of the text';
        }
        return DecodeException::describe(\substr($this->text, $this->at, 16));
    }

    /** Malformed text: one error for the whole body, at its offset, without a path. */
    private function fail(string $reason): never
    {
        throw new DecodeException('', 'malformed JSON at offset ' . $this->at . ': ' . $reason);
    }
}
