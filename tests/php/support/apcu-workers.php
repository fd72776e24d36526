<?php

/**
 * Run by ResilienceTest with APCu enabled: a forked worker fails five calls, which opens
 * the circuit; a second worker, forked after, fails fast without sending, because the
 * breaker lives in APCu, shared like the workers of a php-fpm pool.
 */

declare(strict_types=1);

require __DIR__ . '/../../../runtime/php/autoload.php';

use Brief\ClientOptions;
use Brief\Code;
use Brief\Metrics;
use Brief\Resilience\Attempt;
use Brief\Resilience\Endpoints;
use Brief\Resilience\Layers;
use Brief\Rpc;
use Brief\RpcException;

if (!Metrics::shared()) {
    fwrite(STDERR, "APCu is not enabled\n");
    exit(1);
}
$scope = 'apcu-workers-' . getmypid();
\apcu_store('sent', 0);
$worker = static function () use ($scope): string {
    $options = new ClientOptions(stateScope: $scope, logger: static fn () => null);
    $layers = new Layers('chaos', new Endpoints(['http://a'], 5000, null), $options);
    $rpc = new Rpc('chaos', 'create', stdClass::class, stdClass::class, false, false, 1000, [], 1);
    $last = '';
    for ($i = 0; $i < 5; $i++) {
        try {
            $layers->call($rpc, null, hrtime(true) + 1_000_000_000, static function (Attempt $a): object {
                \apcu_inc('sent');
                throw new RpcException(Code::Unavailable, 'down');
            });
        } catch (RpcException $e) {
            $last = $e->getMessage();
        }
    }
    return $last;
};
foreach ([1, 2] as $n) {
    $pid = pcntl_fork();
    if ($pid === 0) {
        $last = $worker();
        $open = str_contains($last, 'circuit open for every endpoint') ? 'circuit open' : "last error: $last";
        echo "worker $n: $open, " . \apcu_fetch('sent') . " attempts reached the server\n";
        exit(0);
    }
    pcntl_waitpid($pid, $status);
    if ($status !== 0) {
        exit(1);
    }
}
