<?php

declare(strict_types=1);

namespace Brief;

/**
 * The runtime's version and the API levels it provides. Generated code references
 * API_LEVEL_<N>, so code that needs a newer runtime fails at once with "Undefined constant".
 */
final class Runtime
{
    public const VERSION = '0.1.0';

    /** The API generated code of brief 0.1 uses. */
    public const API_LEVEL_1 = 1;

    /** Every class of the runtime. */
    private const CLASSES = [
        CallOptions::class,
        Client::class,
        ClientOptions::class,
        Code::class,
        Context::class,
        DecodeException::class,
        Decoder::class,
        Discovery::class,
        Encoder::class,
        ErrorDetail::class,
        Http\Request::class,
        Http\Response::class,
        Json::class,
        Json\JsonObject::class,
        Json\OutOfRangeNumber::class,
        Json\Parser::class,
        Metrics::class,
        Procedure::class,
        Rejection::class,
        Rpc::class,
        RpcException::class,
        Runtime::class,
        Server::class,
        Service::class,
        ServerOptions::class,
        Spec::class,
        Text::class,
        Time::class,
        TypedError::class,
    ];

    /**
     * Loads every class of the runtime: for opcache.preload, which keeps them loaded in
     * every request php-fpm serves (generated preload.php files call it).
     */
    public static function preload(): void
    {
        foreach (self::CLASSES as $class) {
            \class_exists($class) || \interface_exists($class) || \enum_exists($class);
        }
    }
}
