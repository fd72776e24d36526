<?php

declare(strict_types=1);

namespace Brief\Tests;

use Brief\Json\Parser;

/**
 * Compares JSON values as the vectors README says: objects by their members, arrays in
 * order, strings and booleans exactly, numbers by value (integers exactly).
 */
final class JsonValues
{
    public static function equal(mixed $a, mixed $b): bool
    {
        if ((is_int($a) || is_float($a)) && (is_int($b) || is_float($b))) {
            if (is_int($a) && is_int($b)) {
                return $a === $b;
            }
            return (float) $a === (float) $b;
        }
        if ($a instanceof \stdClass && $b instanceof \stdClass) {
            $a = (array) $a;
            $b = (array) $b;
            if (count($a) !== count($b)) {
                return false;
            }
            foreach ($a as $k => $v) {
                if (!array_key_exists($k, $b) || !self::equal($v, $b[$k])) {
                    return false;
                }
            }
            return true;
        }
        if (is_array($a) && is_array($b)) {
            if (count($a) !== count($b)) {
                return false;
            }
            foreach ($a as $i => $v) {
                if (!self::equal($v, $b[$i])) {
                    return false;
                }
            }
            return true;
        }
        return $a === $b;
    }

    /**
     * JSON text as values, big integers exact (json_decode keeps int64 as int). Text that
     * nests deep with several members per object exhausts json_decode's parser stack (near
     * 2,500 levels, fewer for wide objects); the runtime's exact parser reads that.
     */
    public static function decode(string $json): mixed
    {
        try {
            return json_decode($json, false, 4096, JSON_THROW_ON_ERROR);
        } catch (\JsonException $e) {
            if (substr_count($json, '{') + substr_count($json, '[') < 2048) {
                throw $e;
            }
            return Parser::parse($json, 4096);
        }
    }
}
