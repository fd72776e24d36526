<?php

declare(strict_types=1);

namespace Brief\Tests;

use Probe\Color;
use Probe\Everything;
use Probe\Item;

/**
 * Values of the probe contract shared by the tests, as tests/rust/src/scenarios.rs has
 * them: every field of Everything, a time with microseconds and a non-UTC offset, bytes
 * with 0x00 and 0xff, optionals present, nested lists and maps, an enum, recursion.
 */
final class Probe
{
    public static function everything(): Everything
    {
        return new Everything(
            flag: true,
            count: PHP_INT_MIN,
            ratio: -0.125,
            name: "naïve ✓ \"quoted\" \\ <tag> \u{2028} \0",
            blob: "\x00\x01\x02\xfa\xff",
            at: new \DateTimeImmutable('2026-11-22T10:11:12.123456+02:00'),
            color: Color::Blueish,
            item: new Item(id: 1, label: 'one'),
            tags: ['a', ''],
            scores: ['x' => 1, 'y' => PHP_INT_MAX, '' => -1],
            matrix: [[1, 2], [], [3]],
            nested: ['k' => [new Item(id: 7), new Item(id: 8, label: 'eight')], 'empty' => []],
            maybe: 0,
            maybeItem: new Item(id: 2),
            maybeList: [4, 5],
            maybeAt: new \DateTimeImmutable('1969-12-31T23:59:59.999999-05:30'),
            next: new Everything(
                flag: false,
                count: 0,
                ratio: 0.0,
                name: 'inner',
                blob: '',
                at: new \DateTimeImmutable('@0'),
                color: Color::Green,
                item: new Item(id: 0),
                maybeList: [],
                next: self::minimal('innermost', [[]]),
            ),
        );
    }

    /** Every optional absent, every collection empty (or as given). */
    public static function minimal(string $name = '', array $matrix = []): Everything
    {
        return new Everything(
            flag: false,
            count: 0,
            ratio: 0.0,
            name: $name,
            blob: '',
            at: new \DateTimeImmutable('@0'),
            color: Color::Red,
            item: new Item(id: 0),
            matrix: $matrix,
        );
    }
}
