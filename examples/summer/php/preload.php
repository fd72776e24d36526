<?php

/**
 * The summer server's opcache.preload file (serve names it in BRIEF_PRELOAD): the runtime,
 * the generated classes and the implementation, loaded once when php-fpm starts.
 */

declare(strict_types=1);

require __DIR__ . '/gen/preload.php';
require_once __DIR__ . '/src/Adder.php';
