<?php

declare(strict_types=1);

namespace Brief;

/**
 * The error every brief call and handler speaks: a Connect code, a message and details.
 *
 * Handlers throw it to fail with any code (typed errors of the contract are subclasses,
 * see TypedError); clients throw it for every failure, so one catch sees them all.
 */
class RpcException extends \RuntimeException
{
    /** @var list<ErrorDetail> */
    private array $wireDetails;

    /**
     * @param list<ErrorDetail> $details
     * @param int|null $retryAfter seconds, sent as Retry-After (for resource_exhausted or
     *     unavailable): when the caller may try again
     */
    public function __construct(
        private readonly Code $errorCode,
        string $message = '',
        array $details = [],
        ?\Throwable $previous = null,
        private readonly ?int $retryAfter = null,
    ) {
        parent::__construct($message, 0, $previous);
        $this->wireDetails = $details;
    }

    public function code(): Code
    {
        return $this->errorCode;
    }

    /** @return list<ErrorDetail> */
    public function details(): array
    {
        return $this->wireDetails;
    }

    public function retryAfter(): ?int
    {
        return $this->retryAfter;
    }

    /** The first detail of a type, if any. */
    public function findDetail(string $type): ?ErrorDetail
    {
        foreach ($this->wireDetails as $d) {
            if ($d->type === $type) {
                return $d;
            }
        }
        return null;
    }

    /**
     * Sets the details an error arrived with (clients do, for typed errors).
     *
     * @internal
     * @param list<ErrorDetail> $details
     */
    public function withWireDetails(array $details): static
    {
        $this->wireDetails = $details;
        return $this;
    }

    /**
     * The Connect JSON body of the error: `{"code":...,"message":...,"details":[...]}`,
     * message and details left out when empty.
     */
    public function toJson(): string
    {
        $body = ['code' => $this->errorCode->value];
        if ($this->getMessage() !== '') {
            $body['message'] = $this->getMessage();
        }
        $details = [];
        foreach ($this->wireDetails as $d) {
            $detail = ['type' => $d->type, 'value' => \base64_encode($d->value)];
            if ($d->debug !== null) {
                try {
                    $detail['debug'] = \json_decode($d->debug, false, 512, \JSON_THROW_ON_ERROR);
                } catch (\JsonException) {
                    // Not JSON: people reading logs lose the debug copy, nothing else.
                }
            }
            $details[] = $detail;
        }
        if ($details !== []) {
            $body['details'] = $details;
        }
        return Json::encode($body);
    }

    /**
     * The error an HTTP response other than 200 stands for: its Connect JSON body, or, for
     * a body that is none (a proxy's HTML page, an empty body, an unknown code), the code
     * Connect maps the status to, with the start of the body in the message.
     */
    public static function fromHttpResponse(int $status, string $body): self
    {
        $parsed = self::parseBody($body);
        if ($parsed !== null) {
            return $parsed;
        }
        $snippet = \trim(Text::scrub(Text::cut($body, 512)));
        $message = 'HTTP status ' . $status . ($snippet === '' ? '' : ': ' . $snippet);
        return new self(Code::fromHttpStatus($status), $message);
    }

    private static function parseBody(string $body): ?self
    {
        $json = \json_decode($body, false, 64);
        if (!$json instanceof \stdClass || !isset($json->code) || !\is_string($json->code)) {
            return null;
        }
        $code = Code::tryFrom($json->code);
        if ($code === null) {
            return null;
        }
        $message = isset($json->message) && \is_string($json->message) ? $json->message : '';
        $details = [];
        foreach (isset($json->details) && \is_array($json->details) ? $json->details : [] as $d) {
            if (!$d instanceof \stdClass || !isset($d->type, $d->value) || !\is_string($d->type)) {
                continue;
            }
            try {
                $value = Decoder::bytes($d->value);
            } catch (DecodeException) {
                continue;
            }
            $flags = \JSON_UNESCAPED_SLASHES | \JSON_UNESCAPED_UNICODE;
            $debug = isset($d->debug) ? \json_encode($d->debug, $flags) : null;
            $details[] = new ErrorDetail($d->type, $value, $debug === false ? null : $debug);
        }
        return new self($code, $message, $details);
    }

    /** "code: message", as the other runtimes print an error. */
    public function __toString(): string
    {
        $m = $this->getMessage();
        return $m === '' ? $this->errorCode->value : $this->errorCode->value . ': ' . $m;
    }
}
