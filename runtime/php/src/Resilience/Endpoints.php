<?php

declare(strict_types=1);

namespace Brief\Resilience;

use Brief\Code;
use Brief\RpcException;

/**
 * The endpoints of one client: the `http://` URLs it was given, and the addresses of each
 * `dns+http://host:port` entry.
 *
 * PHP has no background thread, so a `dns+http` name is resolved when the client is built
 * (unless a fresh set is already known) and then again by the first call that finds the
 * set older than the refresh interval. With APCu one process does it for the whole pool
 * (the others keep using the last set meanwhile) and the set is shared; without APCu each
 * process does it for itself. When the resolver fails or answers nothing, the last good set
 * stays and the next try waits another interval; a call never fails because of the
 * resolver when a last good set exists.
 *
 * @internal
 */
final class Endpoints
{
    /** @var list<string> */
    private array $fixed = [];

    /** @var list<array{key: string, url: string, host: string, suffix: string}> */
    private array $names = [];

    /** @var \Closure(string): (list<string>|false) */
    private readonly \Closure $resolver;

    /**
     * @param list<string> $urls normalized by Discovery
     * @param (\Closure(string): (list<string>|false))|null $resolver the IPv4 addresses of a
     *     host name, false when it fails (default: gethostbynamel, which reads /etc/hosts
     *     and DNS like getaddrinfo)
     */
    public function __construct(array $urls, private readonly int $refreshMs, ?\Closure $resolver)
    {
        $this->resolver = $resolver ?? static fn(string $host): array|false => \gethostbynamel($host);
        foreach ($urls as $url) {
            if (!\str_starts_with($url, 'dns+')) {
                $this->fixed[] = $url;
                continue;
            }
            $rest = \substr($url, \strlen('dns+http://'));
            $slash = \strpos($rest, '/');
            $authority = $slash === false ? $rest : \substr($rest, 0, $slash);
            $colon = (int) \strrpos($authority, ':');
            $host = \trim(\substr($authority, 0, $colon), '[]');
            $suffix = \substr($authority, $colon) . ($slash === false ? '' : \substr($rest, $slash));
            $this->names[] = ['key' => 'dns:' . $url, 'url' => $url, 'host' => $host, 'suffix' => $suffix];
        }
        foreach ($this->names as $name) {
            if (State::get($name['key']) === null) {
                $this->resolve($name, State::nowMs());
            }
        }
    }

    /** Whether every endpoint is fixed (no dns+http entry). */
    public function fixed(): bool
    {
        return $this->names === [];
    }

    /**
     * The endpoints now, re-resolving names whose set is older than the refresh interval.
     *
     * @return list<string>
     * @throws RpcException unavailable when no endpoint is known, saying why
     */
    public function current(string $service): array
    {
        if ($this->names === []) {
            return $this->fixed;
        }
        $out = $this->fixed;
        $why = [];
        $now = State::nowMs();
        foreach ($this->names as $name) {
            $set = State::get($name['key']) ?? ['at' => 0, 'addrs' => [], 'error' => ''];
            if ($now - $set['at'] >= $this->refreshMs && State::claim($name['key'] . ':lock')) {
                try {
                    $set = $this->resolve($name, $now);
                } finally {
                    State::release($name['key'] . ':lock');
                }
            }
            foreach ($set['addrs'] as $addr) {
                $out[] = 'http://' . $addr . $name['suffix'];
            }
            if ($set['addrs'] === []) {
                $why[] = "{$name['url']} resolved to no address ({$set['error']})";
            }
        }
        if ($out === []) {
            throw new RpcException(Code::Unavailable, "no endpoint of $service: " . \implode('; ', $why));
        }
        return \array_values(\array_unique($out));
    }

    /**
     * @param array{key: string, url: string, host: string, suffix: string} $name
     * @return array{at: int, addrs: list<string>, error: string}
     */
    private function resolve(array $name, int $now): array
    {
        $last = State::get($name['key']);
        $addrs = ($this->resolver)($name['host']);
        if (\is_array($addrs) && $addrs !== []) {
            \sort($addrs);
            $set = ['at' => $now, 'addrs' => \array_values($addrs), 'error' => ''];
        } else {
            // Keep the last good set; try again after another interval.
            $set = [
                'at' => $now,
                'addrs' => $last['addrs'] ?? [],
                'error' => $addrs === false ? 'the resolver failed' : 'no A record',
            ];
        }
        State::set($name['key'], $set);
        return $set;
    }
}
