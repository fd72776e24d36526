<?php

declare(strict_types=1);

namespace Brief\Json;

/**
 * A JSON number that fits neither an int nor a finite float, kept as written: an int field
 * rejects it, a float field reads it as a double when it is an integer (1e19 is fine for a
 * float), and rejects it otherwise.
 *
 * @internal
 */
final class OutOfRangeNumber
{
    public function __construct(public readonly string $text)
    {
    }

    /** Whether the text is an integer literal (no fraction, no exponent). */
    public function isInteger(): bool
    {
        return \strpbrk($this->text, '.eE') === false;
    }
}
