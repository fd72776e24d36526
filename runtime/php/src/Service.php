<?php

declare(strict_types=1);

namespace Brief;

/**
 * The rpcs of a service bound to their implementation, found by path; generated
 * `<Service>Dispatcher` classes implement it. Only the procedure a request asks for is
 * built, so a request costs the same however many rpcs a service has.
 */
interface Service
{
    /** The procedure served at `path` (`/summer/sum`), or null when it serves none there. */
    public function procedure(string $path): ?Procedure;
}
