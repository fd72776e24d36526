<?php

/**
 * The PHP scenario runner of the resilience scenarios (tests/resilience/README.md): reads
 * one JSON command per line on stdin, makes the calls it asks for through the generated
 * client of tests/resilience/contract/chaos.brief, and writes one JSON answer per line.
 *
 * PHP makes one call at a time, so `concurrency` is ignored: the calls run one by one, as
 * in a php-fpm worker.
 */

declare(strict_types=1);

require __DIR__ . '/gen/autoload.php';
require __DIR__ . '/Runner.php';

use Brief\Metrics;
use Brief\ResilienceRunner\Runner;

$client = null;
$generation = 0;
while (($line = \fgets(\STDIN)) !== false) {
    try {
        $cmd = \json_decode($line, true, 16, \JSON_THROW_ON_ERROR);
        $answer = match ($cmd['op'] ?? '') {
            'hello' => ['ok' => true, 'language' => 'php'],
            'client' => (static function () use ($cmd, &$client, &$generation): array {
                $client = Runner::newClient($cmd, ++$generation);
                return ['ok' => true];
            })(),
            'call' => $client === null
                ? ['ok' => false, 'error' => 'no client yet']
                : ['ok' => true, 'results' => Runner::calls($client, $cmd)],
            'metrics' => ['ok' => true, 'text' => Metrics::render()],
            default => ['ok' => false, 'error' => 'unknown op ' . \json_encode($cmd['op'] ?? null)],
        };
    } catch (\Throwable $e) {
        $answer = ['ok' => false, 'error' => $e::class . ': ' . $e->getMessage()];
    }
    echo \json_encode($answer, \JSON_UNESCAPED_SLASHES | \JSON_UNESCAPED_UNICODE), "\n";
}
