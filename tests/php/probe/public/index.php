<?php

/**
 * The front controller of the PHP probe server: php-fpm (or `php -S`) runs it for every
 * request. Start it with tests/php/probe-server.
 */

declare(strict_types=1);

require __DIR__ . '/../../../../runtime/php/autoload.php';
require __DIR__ . '/../../gen/autoload.php';
require __DIR__ . '/../ProbeImpl.php';

\Probe\ProbeDispatcher::serve(new \Brief\Tests\ProbeImpl());
