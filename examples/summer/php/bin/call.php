<?php

/**
 * `php call.php A B`: adds two numbers with the summer service found at
 * $SERVICE_SUMMER_URL and prints the JSON answer: `call.php 1 2` prints {"sum":3}.
 */

declare(strict_types=1);

require __DIR__ . '/../gen/autoload.php';

use Brief\RpcException;
use Example\Summer\SumIn;
use Example\Summer\SummerClient;

$numbers = array_slice($argv, 1);
if (count($numbers) !== 2 || preg_grep('/^-?[0-9]+$/D', $numbers, PREG_GREP_INVERT) !== []) {
    fwrite(STDERR, "usage: call A B   (two whole numbers)\n");
    exit(2);
}
[$a, $b] = array_map(static fn (string $n): int|float => $n + 0, $numbers);
if (!is_int($a) || !is_int($b)) {
    fwrite(STDERR, "usage: call A B   (two whole numbers of 64 bits)\n");
    exit(2);
}
try {
    $client = new SummerClient();
    echo $client->sum(new SumIn(a: $a, b: $b))->toJson(), "\n";
} catch (RpcException $e) {
    fwrite(STDERR, "error: $e\n");
    exit(1);
}
