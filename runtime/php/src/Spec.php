<?php

declare(strict_types=1);

namespace Brief;

/**
 * How generated code tells Decoder and Encoder the type of a value: a scalar constant, a
 * message class name, or a flat list read outermost first: [LIST, INT] is []int,
 * [MAP, LIST, Item::class] is map[string][]Item, [LIST, ENUM, Color::class] is []Color.
 * Flat, so that a type of any depth is written one element per line.
 */
final class Spec
{
    public const BOOL = 1;
    public const INT = 2;
    public const FLOAT = 3;
    public const STRING = 4;
    public const BYTES = 5;
    public const TIME = 6;
    public const LIST = 7;
    public const MAP = 8;
    /** Followed by the enum's class name. */
    public const ENUM = 9;
}
