<?php

declare(strict_types=1);

namespace Brief\Tests;

use Brief\Context;
use Brief\Decoder;
use Brief\Encoder;
use Brief\Http\Request;
use Brief\Rpc;
use Brief\Server;
use Brief\Service;
use Brief\TypedError;

/**
 * Exercises every class of a generated package, whatever the contract calls things: each
 * message is built from its constructor's types and round-trips through toArray() and
 * fromArray() and through JSON; each typed error through its detail; each enum case
 * through its value; each rpc of each descriptor is served by its dispatcher, with an
 * implementation built from the server interface, and answers 200 with the output it
 * returned. Errors PHP finds only when code runs (a method the dispatcher calls under
 * another name, a property that does not exist) fail here.
 */
final class GeneratedPackage
{
    /** @var array<string, true> the messages being built, to stop at a cycle */
    private array $building = [];

    /** @var list<string> */
    private array $problems = [];

    /** @var array<string, int> what was exercised, by kind */
    public array $counts = ['messages' => 0, 'errors' => 0, 'enums' => 0, 'rpcs' => 0];

    /** @param list<class-string> $classes every class, interface and enum of the package */
    public function __construct(private readonly array $classes)
    {
    }

    /** @return list<string> what went wrong, one line each */
    public function exercise(): array
    {
        $dispatchers = [];
        $descriptors = [];
        foreach ($this->classes as $class) {
            $this->check($class, function () use ($class, &$dispatchers, &$descriptors): void {
                $this->exerciseClass($class, $dispatchers, $descriptors);
            });
        }
        foreach ($descriptors as $descriptor) {
            foreach ($descriptor::rpcs() as $rpc) {
                $this->check($rpc->path, fn () => $this->serve($rpc, $dispatchers));
            }
        }
        return $this->problems;
    }

    /**
     * @param list<Service> $dispatchers
     * @param list<class-string> $descriptors
     */
    private function exerciseClass(string $class, array &$dispatchers, array &$descriptors): void
    {
        if (enum_exists($class, false)) {
            foreach ($class::cases() as $case) {
                $this->same($case, $class::from($case->value), "$class::{$case->name}");
            }
            $this->counts['enums']++;
            return;
        }
        if (!class_exists($class, false)) {
            return;
        }
        $reflection = new \ReflectionClass($class);
        if ($reflection->isSubclassOf(TypedError::class)) {
            $error = $this->build($class);
            $json = Encoder::toArrays($error->jsonSerialize());
            $back = $class::fromDetail(Decoder::arrays(), $json, $error->getMessage());
            $this->same($json, Encoder::toArrays($back->jsonSerialize()), "$class detail");
            $this->same($error->getMessage(), $back->getMessage(), "$class message");
            $this->counts['errors']++;
        } elseif ($reflection->implementsInterface(\JsonSerializable::class)) {
            $message = $this->build($class);
            $array = $message->toArray();
            $this->same($array, $class::fromArray($array)->toArray(), "$class toArray/fromArray");
            $this->same($message->toJson(), $class::fromJson($message->toJson())->toJson(), "$class JSON");
            $this->counts['messages']++;
        } elseif ($reflection->implementsInterface(Service::class)) {
            $server = $reflection->getConstructor()?->getParameters()[0]?->getType();
            if ($server instanceof \ReflectionNamedType) {
                $dispatchers[] = new $class($this->implement($server->getName()));
            }
        } elseif ($reflection->hasMethod('rpcs') && $reflection->getMethod('rpcs')->isStatic()) {
            $descriptors[] = $class;
        }
    }

    /** @param list<Service> $dispatchers */
    private function serve(Rpc $rpc, array $dispatchers): void
    {
        $served = array_filter($dispatchers, static fn (Service $d) => $d->procedure($rpc->path) !== null);
        if ($served === []) {
            $this->problems[] = "$rpc->path: no dispatcher serves it";
            return;
        }
        $body = $this->build($rpc->input)->toJson();
        $server = new Server(array_values($served));
        $response = $server->handle(
            new Request('POST', $rpc->path, '', ['content-type' => 'application/json'], $body, microtime(true)),
        );
        $this->same(200, $response->status, "$rpc->path status ($response->body)");
        $this->same($this->build($rpc->output)->toJson(), $response->body, "$rpc->path output");
        $this->counts['rpcs']++;
    }

    /** An implementation of a server interface whose every method returns a built output. */
    private function implement(string $interface): object
    {
        $methods = '';
        foreach ((new \ReflectionClass($interface))->getMethods() as $m) {
            [$in, $ctx] = $m->getParameters();
            $out = (string) $m->getReturnType();
            $methods .= sprintf(
                'public function %s(\\%s $in, \\%s $ctx): \\%s { return $this->package->build(%s); }' . "\n",
                $m->getName(),
                (string) $in->getType(),
                Context::class,
                $out,
                var_export($out, true),
            );
        }
        $code = sprintf(
            'return new class ($package) implements \\%s { public function __construct(public %s $package) {} %s };',
            $interface,
            '\\' . self::class,
            $methods,
        );
        $package = $this;
        return eval($code);
    }

    /** A value of `$class` with every field set from its type. */
    public function build(string $class): object
    {
        if (isset($this->building[$class])) {
            throw new \LogicException("$class contains itself through required fields");
        }
        $this->building[$class] = true;
        try {
            $args = [];
            foreach ((new \ReflectionClass($class))->getConstructor()?->getParameters() ?? [] as $p) {
                $args[$p->getName()] = $this->value($p->getType());
            }
            return new $class(...$args);
        } finally {
            unset($this->building[$class]);
        }
    }

    private function value(?\ReflectionType $type): mixed
    {
        if (!$type instanceof \ReflectionNamedType) {
            return null;
        }
        $name = $type->getName();
        if ($type->allowsNull() && !$type->isBuiltin()) {
            // Optional messages and enums stay unset, so that a message may hold itself.
            return null;
        }
        return match ($name) {
            'int' => 7,
            'float' => 1.5,
            'string' => 'x',
            'bool' => true,
            'array' => [],
            \DateTimeImmutable::class => new \DateTimeImmutable('2024-01-02T03:04:05Z'),
            default => enum_exists($name) ? $name::cases()[0] : $this->build($name),
        };
    }

    private function same(mixed $want, mixed $got, string $what): void
    {
        if ($want !== $got) {
            $this->problems[] = sprintf('%s: want %s, got %s', $what, var_export($want, true), var_export($got, true));
        }
    }

    private function check(string $what, \Closure $f): void
    {
        try {
            $f();
        } catch (\Throwable $e) {
            $this->problems[] = sprintf('%s: %s: %s', $what, $e::class, $e->getMessage());
        }
    }
}
