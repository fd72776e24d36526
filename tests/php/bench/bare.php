<?php

/**
 * The baseline of the PHP benchmark: the summer service written by hand, doing the same
 * json_decode/json_encode work as the generated server and nothing else (no checks, no
 * errors, no metrics, no context).
 */

declare(strict_types=1);

$in = json_decode((string) file_get_contents('php://input'), true);
header('Content-Type: application/json');
echo json_encode(['sum' => $in['a'] + $in['b']]);
