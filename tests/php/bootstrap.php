<?php

/**
 * Loads the runtime, the code tests/steps/70-php.sh generated into gen/ from contracts/,
 * and the test support classes.
 */

declare(strict_types=1);

require __DIR__ . '/../../runtime/php/autoload.php';
require __DIR__ . '/gen/autoload.php';

require __DIR__ . '/probe/ProbeImpl.php';

spl_autoload_register(static function (string $class): void {
    if (strncmp($class, 'Brief\\Tests\\', 12) === 0) {
        $file = __DIR__ . '/support/' . str_replace('\\', '/', substr($class, 12)) . '.php';
        if (is_file($file)) {
            require $file;
        }
    }
});
