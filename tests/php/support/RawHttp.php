<?php

declare(strict_types=1);

namespace Brief\Tests;

/**
 * HTTP/1.1 over a plain socket, for requests a client library would not send.
 */
final class RawHttp
{
    /**
     * Sends one request and reads the whole answer (Connection: close).
     *
     * @param array<string, string> $headers
     * @return array{int, array<string, string>, string} status, headers, body
     */
    public static function request(string $url, string $method, string $path, string $body, array $headers = []): array
    {
        $socket = self::connect($url);
        $head = "$method $path HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: " . strlen($body) . "\r\n";
        foreach ($headers as $k => $v) {
            $head .= "$k: $v\r\n";
        }
        fwrite($socket, $head . "\r\n");
        // A server may answer before reading a whole oversized body.
        @fwrite($socket, $body);
        $answer = (string) stream_get_contents($socket);
        fclose($socket);
        return self::parse($answer);
    }

    /** @return resource */
    public static function connect(string $url)
    {
        $socket = stream_socket_client('tcp://' . substr($url, strlen('http://')), $errno, $error, 5);
        if ($socket === false) {
            throw new \RuntimeException("connect $url: $error");
        }
        stream_set_timeout($socket, 5);
        return $socket;
    }

    /**
     * Reads one response from a kept-alive connection (Content-Length bodies).
     *
     * @param resource $socket
     * @return array{int, array<string, string>, string}
     */
    public static function read($socket): array
    {
        $head = '';
        while (!str_contains($head, "\r\n\r\n")) {
            $line = fgets($socket);
            if ($line === false) {
                throw new \RuntimeException("connection closed after: $head");
            }
            $head .= $line;
        }
        [$status, $headers] = self::head($head);
        $length = (int) ($headers['content-length'] ?? 0);
        $body = $length > 0 ? (string) stream_get_contents($socket, $length) : '';
        return [$status, $headers, $body];
    }

    /** @return array{int, array<string, string>, string} */
    private static function parse(string $answer): array
    {
        [$head, $body] = array_pad(explode("\r\n\r\n", $answer, 2), 2, '');
        [$status, $headers] = self::head($head);
        if (str_contains(strtolower($headers['transfer-encoding'] ?? ''), 'chunked')) {
            $plain = '';
            while (($cr = strpos($body, "\r\n")) !== false) {
                $size = hexdec(substr($body, 0, $cr));
                if ($size === 0) {
                    break;
                }
                $plain .= substr($body, $cr + 2, $size);
                $body = substr($body, $cr + 2 + $size + 2);
            }
            $body = $plain;
        }
        return [$status, $headers, $body];
    }

    /** @return array{int, array<string, string>} */
    private static function head(string $head): array
    {
        $lines = explode("\r\n", trim($head));
        $status = (int) substr($lines[0], 9, 3);
        $headers = [];
        foreach (array_slice($lines, 1) as $line) {
            [$k, $v] = array_pad(explode(':', $line, 2), 2, '');
            $headers[strtolower(trim($k))] = trim($v);
        }
        return [$status, $headers];
    }
}
