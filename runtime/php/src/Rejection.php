<?php

declare(strict_types=1);

namespace Brief;

/**
 * A request the server turns away before any handler runs, with the status and headers
 * to answer with (405 and Allow, 415 and Accept-Post, ...).
 *
 * @internal
 */
final class Rejection extends \Exception
{
    /** @param array<string, string> $headers */
    public function __construct(
        public readonly RpcException $error,
        public readonly int $status = 0,
        public readonly array $headers = [],
    ) {
        parent::__construct($error->getMessage());
    }
}
