<?php

declare(strict_types=1);

namespace Brief;

/**
 * One entry of a Connect error's "details": its type, its value (the bytes the wire
 * carries as base64) and, when present, the JSON the wire carries as "debug".
 */
final class ErrorDetail
{
    public function __construct(
        public readonly string $type,
        /** The decoded bytes of the base64 "value". */
        public readonly string $value,
        /** The "debug" member as JSON text, for people reading logs; clients never read it. */
        public readonly ?string $debug = null,
    ) {
    }
}
