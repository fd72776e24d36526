<?php

declare(strict_types=1);

namespace Brief\Json;

/**
 * A JSON object from the exact parser that \stdClass cannot stand for: one with a key
 * that starts with a NUL byte (PHP's objects cannot have such a property), or one that
 * repeated a key (the decoder reading it rejects it, naming the key).
 *
 * @internal
 */
final class JsonObject
{
    /** @param array<array-key, mixed> $members */
    public function __construct(public readonly array $members, public readonly ?string $duplicate = null)
    {
    }
}
