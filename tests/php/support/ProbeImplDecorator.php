<?php

declare(strict_types=1);

namespace Brief\Tests;

use Brief\Context;
use Probe\Empty_;
use Probe\Everything;
use Probe\FailIn;
use Probe\FindIn;
use Probe\Found;
use Probe\HopIn;
use Probe\HopOut;
use Probe\ProbeServer;
use Probe\SleepIn;

/**
 * ProbeImpl with single rpcs overridden by a test.
 */
abstract class ProbeImplDecorator implements ProbeServer
{
    private readonly ProbeImpl $inner;

    public function __construct()
    {
        $this->inner = new ProbeImpl();
    }

    public function echo(Everything $in, Context $ctx): Everything
    {
        return $this->inner->echo($in, $ctx);
    }

    public function fail(FailIn $in, Context $ctx): Empty_
    {
        return $this->inner->fail($in, $ctx);
    }

    public function find(FindIn $in, Context $ctx): Found
    {
        return $this->inner->find($in, $ctx);
    }

    public function crash(Empty_ $in, Context $ctx): Empty_
    {
        return $this->inner->crash($in, $ctx);
    }

    public function sleep(SleepIn $in, Context $ctx): Empty_
    {
        return $this->inner->sleep($in, $ctx);
    }

    public function hop(HopIn $in, Context $ctx): HopOut
    {
        return $this->inner->hop($in, $ctx);
    }
}
