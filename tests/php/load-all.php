<?php

/**
 * `php load-all.php DIR`: loads every class, interface and enum of a generated package
 * (DIR holds its autoload.php) through its preload.php, so that errors PHP only finds when
 * a class is declared (a reserved name, an inherited property redeclared, two methods
 * differing in case) fail the tests, and checks that each file declares the class PSR-4
 * expects there. Then exercises every class (support/GeneratedPackage.php): messages and
 * errors round-trip, and every rpc is served through its dispatcher.
 */

declare(strict_types=1);

require __DIR__ . '/../../runtime/php/autoload.php';
require __DIR__ . '/support/GeneratedPackage.php';

$dir = rtrim($argv[1] ?? '', '/');
if (!is_file("$dir/autoload.php")) {
    fwrite(STDERR, "usage: php load-all.php DIR (a folder of generated PHP)\n");
    exit(2);
}
require "$dir/preload.php";

$classes = [];
$files = new RecursiveIteratorIterator(new RecursiveDirectoryIterator($dir, FilesystemIterator::SKIP_DOTS));
foreach ($files as $file) {
    $path = (string) $file;
    if (!str_ends_with($path, '.php') || in_array(basename($path), ['autoload.php', 'preload.php'], true)) {
        continue;
    }
    if (preg_match('/^namespace ([^;]+);/m', (string) file_get_contents($path), $m) !== 1) {
        fwrite(STDERR, "$path: no namespace\n");
        exit(1);
    }
    $name = $m[1] . '\\' . basename($path, '.php');
    if (!class_exists($name, false) && !interface_exists($name, false) && !enum_exists($name, false)) {
        fwrite(STDERR, "$path: $name is not declared there (PSR-4), or preload.php does not load it\n");
        exit(1);
    }
    $classes[] = $name;
}
$package = new \Brief\Tests\GeneratedPackage($classes);
$problems = $package->exercise();
if ($problems !== []) {
    fwrite(STDERR, implode("\n", $problems) . "\n");
    exit(1);
}
$counts = implode(', ', array_map(fn ($k, $n) => "$n $k", array_keys($package->counts), $package->counts));
echo 'loaded ' . count($classes) . " classes from $dir; round-tripped or served $counts\n";
