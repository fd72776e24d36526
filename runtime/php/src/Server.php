<?php

declare(strict_types=1);

namespace Brief;

use Brief\Http\Request;
use Brief\Http\Response;

/**
 * Serves procedures over the brief protocol (docs/protocol.md): POST /{service}/{rpc}
 * (and GET for readonly rpcs), Connect errors, gzip both ways, Connect-Timeout-Ms, the
 * request context, /healthz, /readyz and /metrics.
 *
 * One PHP request is one call, so the server answers the request PHP is serving (serve())
 * or any Request given to it (handle(), for tests and other front ends). PHP cannot stop
 * a handler midway: a handler that is still running when the deadline passes finishes,
 * and its answer is replaced by deadline_exceeded; its outgoing calls get only the time
 * that is left, so it rarely runs long.
 */
final class Server
{
    private const JSON = ['Content-Type' => 'application/json'];
    private const TEXT = ['Content-Type' => 'text/plain; charset=utf-8'];

    /** @var array<string, Procedure> procedures given one by one, by path */
    private array $procedures = [];

    /** @var list<Service> */
    private array $services = [];

    private readonly ServerOptions $options;

    /**
     * @param list<Service|Procedure> $services generated dispatchers (`new
     *     SummerDispatcher($impl)`), or single procedures
     */
    public function __construct(array $services, ?ServerOptions $options = null)
    {
        foreach ($services as $s) {
            if ($s instanceof Procedure) {
                $this->procedures[$s->rpc->path] = $s;
            } else {
                $this->services[] = $s;
            }
        }
        $this->options = $options ?? ServerOptions::fromEnvironment();
    }

    /**
     * Answers the request PHP is serving. Errors are logged (error_log) and never shown:
     * a handler's exception, or even a fatal error, reaches the client as `internal`.
     */
    public function serve(): void
    {
        \ini_set('display_errors', '0');
        $sent = false;
        \register_shutdown_function(static function () use (&$sent): void {
            $error = \error_get_last();
            $fatal = [\E_ERROR, \E_CORE_ERROR, \E_COMPILE_ERROR, \E_USER_ERROR];
            if ($sent || $error === null || !\in_array($error['type'], $fatal, true)) {
                return;
            }
            if (!\headers_sent()) {
                $e = new RpcException(Code::Internal, 'internal error');
                (new Response(500, self::JSON, $e->toJson()))->send();
            }
        });
        $response = $this->handle(Request::fromGlobals());
        $response->send();
        $sent = true;
    }

    /**
     * Answers one request.
     *
     * (PHP sets up every function a request runs anew for each request, so the path of a
     * call runs in few functions: that is most of what a call costs.)
     */
    public function handle(Request $request): Response
    {
        $procedure = $this->procedures[$request->path] ?? null;
        foreach ($procedure === null ? $this->services : [] as $service) {
            $procedure = $service->procedure($request->path);
            if ($procedure !== null) {
                break;
            }
        }
        if ($procedure === null) {
            return $this->other($request);
        }
        $started = \hrtime(true);
        [$response, $code] = $this->call($procedure, $request);
        $seconds = (\hrtime(true) - $started) / 1e9;
        Metrics::observe('server', $procedure->rpc->service, $procedure->rpc->name, $code, $seconds);
        return $response;
    }

    /** /healthz, /readyz, /metrics, and paths that name no rpc. */
    private function other(Request $request): Response
    {
        switch ($request->path) {
            case '/healthz':
                return new Response(200, self::TEXT, "ok\n");
            case '/readyz':
                if ($this->options->drainFile !== null && \file_exists($this->options->drainFile)) {
                    return new Response(503, self::TEXT, "draining\n");
                }
                return new Response(200, self::TEXT, "ready\n");
            case '/metrics':
                $type = ['Content-Type' => 'text/plain; version=0.0.4; charset=utf-8'];
                return new Response(200, $type, Metrics::render());
        }
        $shown = self::cut($request->path, 128);
        if (\preg_match('#^/[^/]+/[^/]+$#D', $request->path) === 1) {
            return self::error(new RpcException(Code::Unimplemented, 'no such rpc: ' . $shown));
        }
        return self::error(
            new RpcException(Code::Unimplemented, 'no such path ' . $shown . ' (brief rpcs are at /{service}/{rpc})'),
            404,
        );
    }

    /**
     * One call of a procedure: its response and the code it counts as ("ok" or the error).
     *
     * @return array{Response, string}
     */
    private function call(Procedure $procedure, Request $request): array
    {
        $rpc = $procedure->rpc;
        try {
            $body = $this->input($rpc, $request);
        } catch (Rejection $r) {
            return [self::error($r->error, $r->status, $r->headers), $r->error->code()->value];
        }
        $deadline = null;
        $timeout = $request->header('connect-timeout-ms');
        if ($timeout !== null) {
            if (\preg_match('/^[0-9]{1,10}$/D', $timeout) !== 1) {
                $e = new RpcException(
                    Code::InvalidArgument,
                    'invalid Connect-Timeout-Ms header ' . DecodeException::describe($timeout),
                );
                return [self::error($e), $e->code()->value];
            }
            // The deadline runs from the request's arrival, not from when PHP got it.
            $left = $request->arrival + ((int) $timeout) / 1000 - \microtime(true);
            $deadline = \hrtime(true) + (int) ($left * 1e9);
        }
        $ctx = Context::fromRequest($request, $deadline, $rpc->service, $rpc->name);
        $headers = self::JSON;
        if ($ctx->requestIdGiven) {
            $headers['X-Request-Id'] = $ctx->requestId;
        }
        $outer = Context::swap($ctx);
        try {
            if ($deadline !== null && \hrtime(true) >= $deadline) {
                throw new RpcException(Code::DeadlineExceeded, 'the deadline passed before ' . $rpc->path . ' started');
            }
            $in = Json::decodeMessage($body, $rpc->input);
            $out = ($procedure->handler)($in, $ctx);
            if (!$out instanceof $rpc->output) {
                throw new \UnexpectedValueException("the handler of {$rpc->path} returned " . \get_debug_type($out));
            }
            if ($deadline !== null && \hrtime(true) >= $deadline) {
                throw new RpcException(Code::DeadlineExceeded, 'deadline exceeded while serving ' . $rpc->path);
            }
            $json = Json::encode($out->jsonSerialize());
        } catch (TypedError $e) {
            $detail = $e->detailFor($rpc->service);
            $wire = new RpcException($e->code(), $e->getMessage(), [$detail], null, $e->retryAfter());
            return [self::error($wire, 0, $headers), $wire->code()->value];
        } catch (RpcException $e) {
            if ($ctx->expired() && $e->code() !== Code::DeadlineExceeded) {
                $e = new RpcException(Code::DeadlineExceeded, 'deadline exceeded while serving ' . $rpc->path);
            }
            return [self::error($e, 0, $headers), $e->code()->value];
        } catch (\Throwable $e) {
            \error_log(\sprintf('brief: %s failed: %s', $rpc->path, $e));
            $wire = new RpcException(Code::Internal, 'internal error');
            return [self::error($wire, 0, $headers), 'internal'];
        } finally {
            Context::swap($outer);
        }
        if (
            \strlen($json) >= $this->options->compressMinBytes
            && \str_contains(\strtolower($request->header('accept-encoding') ?? ''), 'gzip')
        ) {
            $headers['Content-Encoding'] = 'gzip';
            $json = (string) \gzencode($json, 1);
        }
        return [new Response(200, $headers, $json), 'ok'];
    }

    /**
     * The input's JSON text, after the protocol's checks.
     *
     * @throws Rejection
     */
    private function input(Rpc $rpc, Request $request): string
    {
        $allow = $rpc->readonly ? 'GET, POST' : 'POST';
        if ($request->method === 'GET' && $rpc->readonly) {
            return $this->getMessage($request);
        }
        if ($request->method !== 'POST') {
            throw new Rejection(
                new RpcException(
                    Code::Unimplemented,
                    'method ' . self::cut($request->method, 16) . ' not allowed: use ' . $allow,
                ),
                405,
                ['Allow' => $allow],
            );
        }
        $type = $request->header('content-type') ?? '';
        if (\preg_match('#^application/json\s*(;|$)#i', $type) !== 1) {
            throw new Rejection(
                new RpcException(
                    Code::Unimplemented,
                    'unsupported content type ' . DecodeException::describe($type) . ': use application/json',
                ),
                415,
                ['Accept-Post' => 'application/json'],
            );
        }
        $limit = $this->options->maxBodyBytes;
        $length = $request->header('content-length');
        $declared = $length !== null && \preg_match('/^[0-9]+$/D', $length) === 1;
        if ($declared && (\strlen($length) > 15 || (int) $length > $limit)) {
            throw new Rejection(self::tooLarge($limit));
        }
        $body = $request->body($limit + 1);
        if (\strlen($body) > $limit) {
            throw new Rejection(self::tooLarge($limit));
        }
        $encoding = \strtolower(\trim($request->header('content-encoding') ?? ''));
        return match ($encoding) {
            '', 'identity' => $body,
            'gzip' => self::gunzip($body, $limit),
            default => throw new Rejection(new RpcException(
                Code::Unimplemented,
                'unsupported content encoding ' . DecodeException::describe($encoding) . ' (use gzip or identity)',
            )),
        };
    }

    /**
     * The message of a GET call: ?connect=v1&encoding=json&message=...[&base64=1][&compression=gzip].
     *
     * @throws Rejection
     */
    private function getMessage(Request $request): string
    {
        $q = [];
        foreach (\explode('&', $request->query) as $pair) {
            if ($pair === '') {
                continue;
            }
            [$k, $v] = \array_pad(\explode('=', $pair, 2), 2, '');
            $q[\urldecode($k)] ??= \urldecode($v);
        }
        if (($q['encoding'] ?? '') !== 'json') {
            throw new Rejection(new RpcException(
                Code::Unimplemented,
                'unsupported encoding ' . DecodeException::describe($q['encoding'] ?? '') . ': use encoding=json',
            ), 415, ['Accept-Post' => 'application/json']);
        }
        if (isset($q['connect']) && $q['connect'] !== 'v1') {
            throw new Rejection(new RpcException(
                Code::InvalidArgument,
                'unsupported connect protocol version ' . DecodeException::describe($q['connect']),
            ));
        }
        $message = $q['message'] ?? '';
        if (($q['base64'] ?? '') === '1') {
            try {
                $message = Decoder::bytes($message);
            } catch (DecodeException $e) {
                throw new Rejection(new RpcException(Code::InvalidArgument, 'message: ' . $e->reason()));
            }
        }
        $limit = $this->options->maxBodyBytes;
        $message = match ($q['compression'] ?? '') {
            '', 'identity' => $message,
            'gzip' => self::gunzip($message, $limit),
            default => throw new Rejection(new RpcException(
                Code::Unimplemented,
                'unsupported compression ' . DecodeException::describe($q['compression']),
            )),
        };
        if (\strlen($message) > $limit) {
            throw new Rejection(self::tooLarge($limit));
        }
        return $message;
    }

    /**
     * Inflates gzip, stopping at `limit` bytes.
     *
     * @throws Rejection
     */
    private static function gunzip(string $data, int $limit): string
    {
        $inflate = \inflate_init(\ZLIB_ENCODING_GZIP);
        $out = '';
        $offset = 0;
        $chunk = 65536;
        \set_error_handler(static fn (): bool => true);
        try {
            while ($offset < \strlen($data)) {
                $part = \inflate_add($inflate, \substr($data, $offset, $chunk), \ZLIB_SYNC_FLUSH);
                $offset += $chunk;
                if ($part === false) {
                    throw new Rejection(new RpcException(Code::InvalidArgument, 'invalid gzip body'));
                }
                $out .= $part;
                if (\strlen($out) > $limit) {
                    throw new Rejection(self::tooLarge($limit));
                }
            }
            if (\inflate_get_status($inflate) !== \ZLIB_STREAM_END) {
                throw new Rejection(new RpcException(Code::InvalidArgument, 'invalid gzip body: truncated'));
            }
        } finally {
            \restore_error_handler();
        }
        return $out;
    }

    private static function tooLarge(int $limit): RpcException
    {
        return new RpcException(Code::ResourceExhausted, 'message larger than the limit of ' . $limit . ' bytes');
    }

    /**
     * A Connect error response; error bodies are never compressed.
     *
     * @param array<string, string> $headers
     */
    private static function error(RpcException $e, int $status = 0, array $headers = self::JSON): Response
    {
        $headers = self::JSON + $headers;
        if ($e->retryAfter() !== null) {
            $headers['Retry-After'] = (string) $e->retryAfter();
        }
        return new Response($status === 0 ? $e->code()->httpStatus() : $status, $headers, $e->toJson());
    }

    private static function cut(string $text, int $max): string
    {
        return Text::cut($text, $max);
    }
}
