<?php

declare(strict_types=1);

namespace Brief;

/**
 * An rpc bound to the code that serves it; generated dispatchers build them.
 */
final class Procedure
{
    /**
     * @param \Closure(object, Context): object $handler takes the decoded input and the
     *     request's context, returns the output or throws (a TypedError, an RpcException,
     *     or anything else, which is answered as internal)
     */
    public function __construct(public readonly Rpc $rpc, public readonly \Closure $handler)
    {
    }
}
