<?php

declare(strict_types=1);

namespace Brief\Tests;

/**
 * The members of JSON objects as the text they are written with, so that a vector's
 * `1e400` or `-9223372036854775809` reaches the decoder byte for byte.
 */
final class RawJson
{
    private int $at = 0;

    private function __construct(private readonly string $text)
    {
    }

    /**
     * The elements of the array at `key` of the top-level object, each as raw member texts.
     *
     * @return list<array<string, string>>
     */
    public static function objectsAt(string $text, string $key): array
    {
        $top = self::members($text);
        $array = $top[$key] ?? throw new \RuntimeException("no member $key");
        $p = new self($array);
        $p->at = 1;
        $out = [];
        while (true) {
            $p->space();
            if ($array[$p->at] === ']') {
                return $out;
            }
            $start = $p->at;
            $p->skipValue();
            $out[] = self::members(substr($array, $start, $p->at - $start));
            $p->space();
            if ($array[$p->at] === ',') {
                $p->at++;
            }
        }
    }

    /**
     * The members of one object, as raw texts by key.
     *
     * @return array<string, string>
     */
    public static function members(string $object): array
    {
        $p = new self($object);
        $p->space();
        $p->at++;
        $out = [];
        while (true) {
            $p->space();
            if ($object[$p->at] === '}') {
                return $out;
            }
            $keyStart = $p->at;
            $p->skipValue();
            $key = json_decode(substr($object, $keyStart, $p->at - $keyStart));
            $p->space();
            $p->at++;
            $p->space();
            $start = $p->at;
            $p->skipValue();
            $out[$key] = substr($object, $start, $p->at - $start);
            $p->space();
            if ($object[$p->at] === ',') {
                $p->at++;
            }
        }
    }

    private function space(): void
    {
        $this->at += strspn($this->text, " \t\r\n", $this->at);
    }

    private function skipValue(): void
    {
        $c = $this->text[$this->at];
        if ($c === '"') {
            $this->at++;
            while ($this->text[$this->at] !== '"') {
                $this->at += $this->text[$this->at] === '\\' ? 2 : 1;
            }
            $this->at++;
            return;
        }
        if ($c === '{' || $c === '[') {
            $depth = 0;
            do {
                $c = $this->text[$this->at];
                if ($c === '"') {
                    $this->skipValue();
                    continue;
                }
                if ($c === '{' || $c === '[') {
                    $depth++;
                } elseif ($c === '}' || $c === ']') {
                    $depth--;
                }
                $this->at++;
            } while ($depth > 0);
            return;
        }
        $this->at += strcspn($this->text, ",]} \t\r\n", $this->at);
    }
}
