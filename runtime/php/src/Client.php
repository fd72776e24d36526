<?php

declare(strict_types=1);

namespace Brief;

use Brief\Resilience\Attempt;
use Brief\Resilience\Endpoints;
use Brief\Resilience\Layers;

/**
 * Calls the rpcs of one service over the brief protocol; generated clients wrap one.
 *
 * Endpoints: the base URL given (several may be separated by commas), else the
 * environment variable SERVICE_<NAME>_URL; `dns+http://host:port` stands for every
 * address of host (docs/resilience.md).
 *
 * Every call goes through the resilience layers (Resilience\Layers): retries within the
 * deadline and the retry budget, power of two choices among the endpoints, a circuit
 * breaker per endpoint; ClientOptions changes or turns them off.
 *
 * Every call has a deadline: the smallest of the call's timeout, the rpc's deadline from
 * the contract (or as ClientOptions replace it) and the time left of the request being
 * served; it covers every attempt. The request's id, trace (with a new span id),
 * tracestate, baggage and the caller's name (SERVICE_NAME) go with it, the same on every
 * attempt, which X-Brief-Attempt numbers.
 *
 * Connections: one curl handle per process is reused, so calls keep their connections
 * alive for as long as the process lives (a CLI worker, a whole request under php-fpm;
 * PHP closes them when an fpm request ends).
 */
final class Client
{
    private readonly Layers $layers;

    private readonly ClientOptions $options;

    private readonly string $caller;

    /** @var array<int, \CurlHandle> one handle per protocol: HTTP/1.1 and h2c never share connections */
    private static array $curl = [];

    private static int $connections = 0;

    /**
     * @throws RpcException failed_precondition when no valid address is configured
     */
    public function __construct(
        private readonly string $service,
        ?string $baseUrl = null,
        ?ClientOptions $options = null,
    ) {
        $this->options = $options ?? new ClientOptions();
        $variable = self::envVarName($service);
        $source = 'the base URL';
        if ($baseUrl === null) {
            $value = \getenv($variable);
            if (!\is_string($value) || \trim($value) === '') {
                throw new RpcException(
                    Code::FailedPrecondition,
                    "no address for service \"$service\": set $variable (e.g. $variable=http://host:8080) "
                        . 'or pass a base URL',
                );
            }
            $baseUrl = $value;
            $source = $variable;
        }
        $endpoints = new Endpoints(
            Discovery::endpoints($baseUrl, $source),
            $this->options->dnsRefreshMs,
            $this->options->resolver,
        );
        $this->layers = new Layers($service, $endpoints, $this->options);
        $caller = $this->options->callerName ?? \getenv('SERVICE_NAME');
        $this->caller = \is_string($caller) ? $caller : '';
    }

    private static function oldCurl(): bool
    {
        static $old = null;
        return $old ??= (\curl_version()['version_number'] ?? 0) < 0x080000;
    }

    /** SERVICE_<NAME>_URL: the name upper-cased, `-` and `.` as `_`. */
    public static function envVarName(string $service): string
    {
        return Discovery::envVarName($service);
    }

    /** How many connections this process's calls have opened: fewer than calls when kept alive. */
    public static function connectionsOpened(): int
    {
        return self::$connections;
    }

    /**
     * @return list<string> the base URLs in use (dns+http names resolved)
     * @throws RpcException unavailable when a dns+http name has never resolved
     */
    public function endpoints(): array
    {
        return $this->layers->endpoints();
    }

    /**
     * Calls an rpc: sends `in`, returns the decoded output.
     *
     * @throws TypedError one the rpc declares, as the server threw it
     * @throws RpcException any other failure, with its code
     */
    public function call(Rpc $rpc, object $in, ?CallOptions $options = null): object
    {
        $started = \hrtime(true);
        $code = 'ok';
        try {
            return $this->send($rpc, $in, $options ?? new CallOptions(), $started);
        } catch (RpcException $e) {
            $code = $e->code()->value;
            throw $e;
        } finally {
            Metrics::observe('client', $rpc->service, $rpc->name, $code, (\hrtime(true) - $started) / 1e9);
        }
    }

    private function send(Rpc $rpc, object $in, CallOptions $options, int $started): object
    {
        $timeoutMs = $this->options->rpcTimeoutsMs[$rpc->name] ?? $this->options->timeoutMs ?? $rpc->timeoutMs;
        if ($options->timeoutMs !== null) {
            $timeoutMs = \min($timeoutMs, $options->timeoutMs);
        }
        $ctx = Context::current() ?? Context::background();
        $deadline = $started + $timeoutMs * 1_000_000;
        if ($ctx->deadline !== null && $ctx->deadline < $deadline) {
            $deadline = $ctx->deadline;
        }

        $body = Json::encode($in->jsonSerialize());
        $headers = [
            'Content-Type: application/json',
            'Connect-Protocol-Version: 1',
            'X-Request-Id: ' . $ctx->requestId,
            'Traceparent: ' . $ctx->traceparent(),
            'Expect:',
        ];
        if ($ctx->traceState !== '') {
            $headers[] = 'Tracestate: ' . $ctx->traceState;
        }
        if ($ctx->baggage !== '') {
            $headers[] = 'Baggage: ' . $ctx->baggage;
        }
        if ($this->caller !== '') {
            $headers[] = 'X-Brief-Caller: ' . $this->caller;
        }
        foreach ($this->options->headers + $options->headers as $name => $value) {
            $headers[] = $name . ': ' . $value;
        }
        if ($this->options->requestGzipMinBytes !== null && \strlen($body) >= $this->options->requestGzipMinBytes) {
            $body = (string) \gzencode($body, 1);
            $headers[] = 'Content-Encoding: gzip';
        }

        return $this->layers->call(
            $rpc,
            $options->retry,
            $deadline,
            fn (Attempt $a): object => $this->attempt($rpc, $a, $headers, $body, $deadline),
        );
    }

    /**
     * One HTTP attempt.
     *
     * @param list<string> $headers
     */
    private function attempt(Rpc $rpc, Attempt $a, array $headers, string $body, int $deadline): object
    {
        $headers[] = 'Connect-Timeout-Ms: ' . $a->timeoutMs;
        $headers[] = 'X-Brief-Attempt: ' . $a->number;
        $response = $this->post($a->endpoint . $rpc->path, $headers, $body, $a->timeoutMs);
        if ($response['error'] !== null) {
            throw $this->transportError($rpc, $a, $response, $deadline);
        }
        $status = $response['status'];
        if ($status !== 200) {
            throw self::failure($rpc, $status, $response['body'], $response['headers']);
        }
        $type = $response['headers']['content-type'] ?? '';
        if (\preg_match('#^application/json\s*(;|$)#i', $type) !== 1) {
            throw new RpcException(
                Code::Internal,
                "response of {$rpc->path} has content type \"$type\", want application/json",
            );
        }
        try {
            return Json::decodeMessage($response['body'], $rpc->output);
        } catch (DecodeException $e) {
            throw new RpcException(Code::Internal, "invalid response from {$rpc->path}: " . $e->getMessage(), [], $e);
        }
    }

    /** The error of a non-200 response, typed when its detail is one the rpc throws. */
    private static function failure(Rpc $rpc, int $status, string $body, array $headers): RpcException
    {
        $e = RpcException::fromHttpResponse($status, $body);
        foreach ($e->details() as $detail) {
            $class = $rpc->throws[$detail->type] ?? null;
            if ($class === null) {
                continue;
            }
            try {
                $typed = $class::fromDetail(Decoder::wire(), Json::decode($detail->value), $e->getMessage());
                return $typed->withWireDetails($e->details());
            } catch (DecodeException) {
                // A detail that does not match the contract stays a generic detail.
            }
        }
        $retryAfter = $headers['retry-after'] ?? null;
        if ($retryAfter !== null && \preg_match('/^[0-9]{1,9}$/D', $retryAfter) === 1) {
            return new RpcException($e->code(), $e->getMessage(), $e->details(), null, (int) $retryAfter);
        }
        return $e;
    }

    /** @param array{errno: int, oserrno: int, error: ?string} $response */
    private function transportError(Rpc $rpc, Attempt $a, array $response, int $deadline): RpcException
    {
        $errno = $response['errno'];
        $error = (string) $response['error'];
        if ($errno === \CURLE_COULDNT_CONNECT && $response['oserrno'] === 111) {
            // ECONNREFUSED: say it in the words of the other runtimes.
            $error = "connection refused ($error)";
        }
        // Refused, unreachable, DNS: the request never left, any rpc may go elsewhere.
        $a->unsent = \in_array($errno, [\CURLE_COULDNT_CONNECT, \CURLE_COULDNT_RESOLVE_HOST], true);
        $a->refused = $errno === \CURLE_COULDNT_CONNECT;
        if ($errno === \CURLE_OPERATION_TIMEDOUT || \hrtime(true) >= $deadline) {
            return new RpcException(Code::DeadlineExceeded, "deadline exceeded calling {$rpc->path} at {$a->endpoint}");
        }
        if ($errno === \CURLE_WRITE_ERROR) {
            return new RpcException(
                Code::ResourceExhausted,
                "response of {$rpc->path} larger than {$this->options->maxResponseBytes} bytes",
            );
        }
        return new RpcException(Code::Unavailable, "calling {$rpc->path} at {$a->endpoint}: $error");
    }

    /**
     * One POST over the process's curl handle.
     *
     * @param list<string> $headers
     * @return array{status: int, headers: array<string, ?string>, body: string, errno: int, oserrno: int,
     *     error: ?string}
     */
    private function post(string $url, array $headers, string $body, int $timeoutMs): array
    {
        $h = self::$curl[(int) $this->options->http2] ??= \curl_init();
        \curl_reset($h);
        $received = '';
        $limit = $this->options->maxResponseBytes;
        \curl_setopt_array($h, [
            \CURLOPT_URL => $url,
            \CURLOPT_POST => true,
            \CURLOPT_POSTFIELDS => $body,
            \CURLOPT_HTTPHEADER => $headers,
            \CURLOPT_TIMEOUT_MS => $timeoutMs,
            \CURLOPT_CONNECTTIMEOUT_MS => \min($timeoutMs, $this->options->connectTimeoutMs),
            \CURLOPT_NOSIGNAL => true,
            \CURLOPT_TCP_NODELAY => true,
            \CURLOPT_ENCODING => '',
            \CURLOPT_PROTOCOLS => \CURLPROTO_HTTP,
            \CURLOPT_HTTP_VERSION => $this->options->http2
                ? \CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE
                : \CURL_HTTP_VERSION_1_1,
            // libcurl before 8.0 breaks the second request on an h2c prior-knowledge
            // connection ("Error in the HTTP2 framing layer"): open one per call there.
            \CURLOPT_FORBID_REUSE => $this->options->http2 && self::oldCurl(),
            \CURLOPT_WRITEFUNCTION => static function ($ch, string $data) use (&$received, $limit): int {
                if (\strlen($received) + \strlen($data) > $limit) {
                    return 0;
                }
                $received .= $data;
                return \strlen($data);
            },
        ]);
        $ok = \curl_exec($h);
        $errno = \curl_errno($h);
        self::$connections += (int) \curl_getinfo($h, \CURLINFO_NUM_CONNECTS);
        // The two headers a client reads, from curl (no callback per header line).
        $retryAfter = (int) \curl_getinfo($h, \CURLINFO_RETRY_AFTER);
        return [
            'status' => (int) \curl_getinfo($h, \CURLINFO_RESPONSE_CODE),
            'headers' => [
                'content-type' => (string) \curl_getinfo($h, \CURLINFO_CONTENT_TYPE),
                'retry-after' => $retryAfter > 0 ? (string) $retryAfter : null,
            ],
            'body' => $received,
            'errno' => $errno,
            'oserrno' => $errno === 0 ? 0 : (int) \curl_getinfo($h, \CURLINFO_OS_ERRNO),
            'error' => $ok === false || $errno !== 0 ? \curl_error($h) : null,
        ];
    }
}
