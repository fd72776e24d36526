<?php

declare(strict_types=1);

namespace Brief;

/**
 * What a contract says about one rpc; generated `<Service>Service` classes build one per
 * rpc, for clients and servers alike.
 */
final class Rpc
{
    /** The path the rpc is served at: /{service}/{rpc}. */
    public readonly string $path;

    /**
     * @param class-string $input the generated class of the input message
     * @param class-string $output the generated class of the output message
     * @param int $timeoutMs the contract's timeout(...), or its default of 1 s: the deadline
     *     clients give a call unless told a shorter one
     * @param array<string, class-string<TypedError>> $throws the typed errors the rpc
     *     declares, by wire type (`<service>.<ErrorName>`)
     * @param int $apiLevel the runtime API level the generated code was written for
     */
    public function __construct(
        public readonly string $service,
        public readonly string $name,
        public readonly string $input,
        public readonly string $output,
        public readonly bool $idempotent,
        public readonly bool $readonly,
        public readonly int $timeoutMs,
        public readonly array $throws,
        public readonly int $apiLevel,
    ) {
        $this->path = '/' . $service . '/' . $name;
    }
}
