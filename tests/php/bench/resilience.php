<?php

/**
 * The happy-path cost of the PHP client's resilience layers per call: Layers::call with
 * every layer on (the default) and with every layer off (ClientOptions resilience: false),
 * in the same run, over an attempt transport that answers at once (3 endpoints), so the
 * difference is the layers alone. State in APCu (as under php-fpm) when the process has it
 * enabled, per process otherwise; run it both ways:
 *
 *   php -d opcache.enable_cli=1 -d apc.enable_cli=1 tests/php/bench/resilience.php [docs/benchmarks.md]
 *   php -d opcache.enable_cli=1 tests/php/bench/resilience.php [docs/benchmarks.md]
 *
 * With a path, the results replace the part of that file between
 * <!-- resilience-php-apcu:start --> and <!-- resilience-php-apcu:end --> (or -local).
 */

declare(strict_types=1);

require __DIR__ . '/../../../runtime/php/autoload.php';

use Brief\ClientOptions;
use Brief\Metrics;
use Brief\Resilience\Attempt;
use Brief\Resilience\Endpoints;
use Brief\Resilience\Layers;
use Brief\Rpc;

const CALLS = 100_000;
const ROUNDS = 9;

$rpc = new Rpc('bench', 'sum', stdClass::class, stdClass::class, false, false, 1000, [], 1);
$reply = new stdClass();
$send = static fn (Attempt $a): object => $reply;
$urls = ['http://10.0.0.1:8080', 'http://10.0.0.2:8080', 'http://10.0.0.3:8080'];
$clients = [
    'off' => new Layers('bench', new Endpoints($urls, 5000, null), new ClientOptions(resilience: false)),
    'on' => new Layers('bench', new Endpoints($urls, 5000, null), new ClientOptions()),
];
$times = ['off' => [], 'on' => []];
for ($round = 0; $round < ROUNDS; $round++) {
    foreach ($clients as $name => $layers) {
        $t0 = hrtime(true);
        for ($i = 0; $i < CALLS; $i++) {
            $layers->call($rpc, null, hrtime(true) + 1_000_000_000, $send);
        }
        $times[$name][] = (hrtime(true) - $t0) / CALLS;
    }
}
$median = static function (array $xs): float {
    sort($xs);
    return $xs[intdiv(count($xs), 2)];
};
[$off, $on] = [$median($times['off']), $median($times['on'])];
$where = Metrics::shared() ? 'apcu' : 'local';
$load = implode(' ', array_map(static fn (float $l): string => sprintf('%.2f', $l), sys_getloadavg() ?: []));
$state = $where === 'apcu' ? 'in APCu (as under php-fpm)' : 'per process (no APCu)';
$opcache = function_exists('opcache_get_status') && opcache_get_status(false) !== false;
$flags = ($opcache ? ' -d opcache.enable_cli=1' : '') . ($where === 'apcu' ? ' -d apc.enable_cli=1' : '');
$text = sprintf(
    "PHP %s (opcache %s), state %s: %d sequential calls per round through "
        . "`Brief\\Resilience\\Layers::call` over an attempt transport that answers at once (3 endpoints), "
        . "median of %d interleaved rounds; load average when it ended: %s. `php%s tests/php/bench/resilience.php`\n\n"
        . "| client | time per call |\n|---|---|\n"
        . "| `resilience: false` (one attempt, round-robin) | %.0f ns |\n"
        . "| default: balancer, breakers, budget, retry rules | %.0f ns |\n\n"
        . "Cost of the layers: **%.1f µs per call**.\n",
    PHP_VERSION,
    $opcache ? 'on' : 'off',
    $state,
    CALLS,
    ROUNDS,
    $load,
    $flags,
    $off,
    $on,
    ($on - $off) / 1000,
);
echo $text;
if (isset($argv[1])) {
    $doc = (string) file_get_contents($argv[1]);
    $start = "<!-- resilience-php-$where:start -->\n";
    $end = "<!-- resilience-php-$where:end -->";
    $a = strpos($doc, $start);
    $b = strpos($doc, $end);
    if ($a === false || $b === false) {
        fwrite(STDERR, "no $start in {$argv[1]}\n");
        exit(1);
    }
    file_put_contents($argv[1], substr($doc, 0, $a + strlen($start)) . $text . substr($doc, $b));
}
