<?php

/**
 * The front controller of the PHP summer server: php-fpm (or `php -S`) runs it for every
 * request. Start it with ../serve.
 */

declare(strict_types=1);

require __DIR__ . '/../gen/autoload.php';
require_once __DIR__ . '/../src/Adder.php';

\Example\Summer\SummerDispatcher::serve(new \Example\App\Adder());
