<?php

/**
 * `php client.php URL ROUNDS CALLS`: the time per call of the generated PHP client against
 * the same request sent with bare curl (one reused handle, the same body and headers), in
 * interleaved rounds; prints the median µs per call of each, one per line.
 */

declare(strict_types=1);

require __DIR__ . '/../../../examples/summer/php/gen/autoload.php';

[, $url, $rounds, $calls] = $argv;
$rounds = (int) $rounds;
$calls = (int) $calls;

$client = new \Example\Summer\SummerClient($url);
$in = new \Example\Summer\SumIn(a: 1, b: 2);
$brief = static function () use ($client, $in, $calls): float {
    $t = hrtime(true);
    for ($i = 0; $i < $calls; $i++) {
        if ($client->sum($in)->sum !== 3) {
            throw new RuntimeException('wrong sum');
        }
    }
    return (hrtime(true) - $t) / 1e3 / $calls;
};

$h = curl_init();
$bare = static function () use ($h, $url, $calls): float {
    $t = hrtime(true);
    for ($i = 0; $i < $calls; $i++) {
        curl_setopt_array($h, [
            CURLOPT_URL => $url . '/summer/sum',
            CURLOPT_POST => true,
            CURLOPT_POSTFIELDS => '{"a":1,"b":2}',
            CURLOPT_HTTPHEADER => ['Content-Type: application/json', 'Connect-Protocol-Version: 1', 'Expect:'],
            CURLOPT_RETURNTRANSFER => true,
            CURLOPT_TIMEOUT_MS => 1000,
            CURLOPT_NOSIGNAL => true,
        ]);
        $out = json_decode((string) curl_exec($h), true);
        if (curl_getinfo($h, CURLINFO_RESPONSE_CODE) !== 200 || $out['sum'] !== 3) {
            throw new RuntimeException('wrong answer');
        }
    }
    return (hrtime(true) - $t) / 1e3 / $calls;
};

$brief();
$bare();
$times = ['brief' => [], 'bare' => []];
for ($r = 0; $r < $rounds; $r++) {
    $times['bare'][] = $bare();
    $times['brief'][] = $brief();
}
foreach ($times as $name => $t) {
    sort($t);
    printf("%s %.1f\n", $name, $t[intdiv(count($t), 2)]);
}
