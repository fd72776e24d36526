<?php

declare(strict_types=1);

namespace Brief;

/**
 * A typed error of a contract (`error NotFound(not_found) { id int }`): generated classes
 * extend it. A handler throws one, with its fields and, if it likes, its own message (the
 * contract's doc otherwise); it travels as its code, its message and one detail of type
 * `<service>.<ErrorName>` holding its fields; the client of an rpc that throws it throws
 * it again on the calling side.
 */
abstract class TypedError extends RpcException implements \JsonSerializable
{
    /** The error's name in the contract (`NotFound`). */
    abstract public static function errorName(): string;

    /**
     * Decodes the error's fields, with the message it came with.
     *
     * @internal
     */
    abstract public static function fromDetail(Decoder $d, mixed $value, string $message): static;

    /**
     * The JSON object of the error's fields.
     *
     * @return array<string, mixed>|\stdClass
     */
    abstract public function jsonSerialize(): array|\stdClass;

    /** The detail the error travels in when `service` (an rpc of it) throws it. */
    public function detailFor(string $service): ErrorDetail
    {
        $json = Json::encode($this->jsonSerialize());
        return new ErrorDetail($service . '.' . static::errorName(), $json, $json);
    }
}
