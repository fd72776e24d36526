<?php

declare(strict_types=1);

namespace Brief\Json;

/**
 * A JSON integer outside the 64-bit range (but within a double's), kept as written: an
 * int field rejects it, a float field reads it as a double (1e19 is fine for a float).
 *
 * @internal
 */
final class OutOfRangeNumber
{
    public function __construct(public readonly string $text)
    {
    }
}
