<?php

declare(strict_types=1);

namespace Example\App;

use Brief\Code;
use Brief\Context;
use Brief\RpcException;
use Example\Summer\SumIn;
use Example\Summer\SummerServer;
use Example\Summer\SumOut;

/**
 * The summer service: adds the two numbers it is given.
 */
final class Adder implements SummerServer
{
    public function sum(SumIn $in, Context $ctx): SumOut
    {
        $sum = $in->a + $in->b;
        // PHP turns an int that overflows into a float.
        if (!is_int($sum)) {
            throw new RpcException(Code::OutOfRange, 'the sum does not fit in 64 bits');
        }
        return new SumOut(sum: $sum);
    }
}
