<?php

declare(strict_types=1);

namespace Brief;

/**
 * Where a client finds its service: the base URLs given in code, or the environment
 * variable SERVICE_<NAME>_URL, read as tests/vectors/discovery.json pins it for every
 * runtime: URLs separated by commas, `http://host[:port][/path]` or
 * `dns+http://host[:port][/path]`, normalized (scheme and host lower-cased, no trailing
 * slash, dns+http's port made explicit), repeated ones counted once.
 */
final class Discovery
{
    /** SERVICE_<NAME>_URL: the name upper-cased, `-` and `.` as `_`. */
    public static function envVarName(string $service): string
    {
        return 'SERVICE_' . \strtoupper(\strtr($service, '-.', '__')) . '_URL';
    }

    /**
     * The endpoints a value lists.
     *
     * @param string $source where the value comes from, for messages (the variable's name)
     * @return list<string>
     * @throws RpcException failed_precondition, saying what is wrong with which URL
     */
    public static function endpoints(string $value, string $source): array
    {
        $out = [];
        foreach (\explode(',', $value) as $url) {
            $url = \trim($url);
            if ($url !== '') {
                $out[self::normalize($url, $source)] = true;
            }
        }
        if ($out === []) {
            throw new RpcException(Code::FailedPrecondition, "$source holds no URL");
        }
        return \array_map('strval', \array_keys($out));
    }

    private static function normalize(string $url, string $source): string
    {
        $fail = static function (string $reason) use ($url, $source): never {
            throw new RpcException(Code::FailedPrecondition, "$source: $reason: " . Text::cut($url, 200));
        };
        $sep = \strpos($url, '://');
        if ($sep === false) {
            $fail('expected http://host:port');
        }
        $scheme = \strtolower(\substr($url, 0, $sep));
        if ($scheme === 'https' || $scheme === 'dns+https') {
            $fail('https is not supported (put TLS in a proxy in front)');
        }
        if ($scheme !== 'http' && $scheme !== 'dns+http') {
            $fail("unsupported scheme \"$scheme\" (want http or dns+http)");
        }
        $rest = \substr($url, $sep + 3);
        if (\str_contains($rest, '?')) {
            $fail('no query allowed');
        }
        if (\str_contains($rest, '#')) {
            $fail('no fragment allowed');
        }
        $slash = \strpos($rest, '/');
        $authority = $slash === false ? $rest : \substr($rest, 0, $slash);
        $path = $slash === false ? '' : \rtrim(\substr($rest, $slash), '/');
        if (\str_contains($authority, '@')) {
            $fail('no user info allowed');
        }
        $port = null;
        if (\str_starts_with($authority, '[')) {
            $close = \strpos($authority, ']');
            $ip = $close === false ? '' : \substr($authority, 1, $close - 1);
            if ($close === false || \filter_var($ip, \FILTER_VALIDATE_IP, \FILTER_FLAG_IPV6) === false) {
                $fail('bad IPv6 address');
            }
            $host = '[' . \strtolower($ip) . ']';
            $after = \substr($authority, $close + 1);
            if ($after !== '') {
                if ($after[0] !== ':') {
                    $fail('bad IPv6 address');
                }
                $port = \substr($after, 1);
            }
        } else {
            $colon = \strpos($authority, ':');
            $host = \strtolower($colon === false ? $authority : \substr($authority, 0, $colon));
            $port = $colon === false ? null : \substr($authority, $colon + 1);
            if ($host === '') {
                $fail('missing host');
            }
            if (\preg_match('/^[a-z0-9._-]+$/D', $host) !== 1) {
                $fail('bad host');
            }
        }
        if ($port !== null && (\preg_match('/^[0-9]{1,5}$/D', $port) !== 1 || (int) $port < 1 || (int) $port > 65535)) {
            $fail('bad port');
        }
        if (\preg_match('#^[A-Za-z0-9._~!$&\'()*+,;=:@%/-]*$#D', $path) !== 1) {
            $fail('bad character in path');
        }
        if ($port === null && $scheme === 'dns+http') {
            $port = '80';
        }
        return $scheme . '://' . $host . ($port === null ? '' : ':' . $port) . $path;
    }
}
