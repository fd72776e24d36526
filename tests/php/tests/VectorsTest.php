<?php

declare(strict_types=1);

namespace Brief\Tests;

use Brief\Code;
use Brief\DecodeException;
use Brief\ErrorDetail;
use Brief\RpcException;
use PHPUnit\Framework\TestCase;

/**
 * The shared vectors of tests/vectors, as the Rust and Go runtimes run them: values.json
 * through generated classes (contracts/vectors.brief: `message V<Type> { v <type> }`),
 * errors.json through RpcException.
 */
final class VectorsTest extends TestCase
{
    private const DIR = __DIR__ . '/../../vectors';

    /** The generated class of `message M { v <type> }`: VInt, VListItem, VOptListInt, ... */
    private static function classFor(string $type): string
    {
        $name = static function (string $t) use (&$name): string {
            return match (true) {
                str_ends_with($t, '?') => 'Opt' . $name(substr($t, 0, -1)),
                str_starts_with($t, '[]') => 'List' . $name(substr($t, 2)),
                str_starts_with($t, 'map[string]') => 'Map' . $name(substr($t, 11)),
                default => ucfirst($t),
            };
        };
        return '\\Vectors\\V' . $name($type);
    }

    /** @return iterable<string, array{array<string, string>}> */
    public static function valueCases(): iterable
    {
        $text = (string) file_get_contents(self::DIR . '/values.json');
        foreach (RawJson::objectsAt($text, 'cases') as $i => $case) {
            $input = $case['input'] ?? $case['input_parts'] ?? $case['body_parts'] ?? '(absent)';
            $label = strlen($input) > 80 ? substr($input, 0, 80) . '...' : $input;
            yield sprintf('#%d %s %s', $i, json_decode($case['type']), $label) => [$case];
        }
    }

    /** The text a vector builds from parts: `{"text": ..., "times": n}` or `{"hex": ...}`. */
    private static function fromParts(string $parts): string
    {
        $out = '';
        foreach (JsonValues::decode($parts) as $part) {
            $out .= isset($part->hex) ? (string) hex2bin($part->hex) : str_repeat($part->text, $part->times ?? 1);
        }
        return $out;
    }

    /**
     * The request body of a case: `{}` when the field is absent, else `{"v":<input>}`, or
     * the whole body as its parts give it.
     *
     * @param array<string, string> $case
     */
    private static function body(array $case): string
    {
        return match (true) {
            isset($case['body_parts']) => self::fromParts($case['body_parts']),
            isset($case['input_parts']) => '{"v":' . self::fromParts($case['input_parts']) . '}',
            isset($case['input']) => '{"v":' . $case['input'] . '}',
            default => '{}',
        };
    }

    /**
     * @dataProvider valueCases
     * @param array<string, string> $case raw JSON text by member
     */
    public function testValue(array $case): void
    {
        $type = json_decode($case['type']);
        $class = self::classFor($type);
        $this->assertTrue(class_exists($class), "no class $class for $type: add it to contracts/vectors.brief");
        $body = self::body($case);
        $shown = strlen($body) > 200 ? substr($body, 0, 200) . '...' : $body;
        if (isset($case['error']) && json_decode($case['error']) === true) {
            try {
                $class::fromJson($body);
                $this->fail("decoded $shown as $type, want an error");
            } catch (DecodeException $e) {
                $this->assertSame(Code::InvalidArgument, $e->code());
                $message = $e->getMessage();
                if (isset($case['path'])) {
                    $this->assertStringStartsWith(json_decode($case['path']) . ': ', $message, "$shown as $type");
                }
                if (isset($case['message_contains'])) {
                    $this->assertStringContainsString(json_decode($case['message_contains']), $message, $shown);
                }
                if (isset($case['message_max_len'])) {
                    $chars = (int) preg_match_all('/./su', $message);
                    $this->assertLessThanOrEqual((int) $case['message_max_len'], $chars, $message);
                }
            }
            return;
        }
        $message = $class::fromJson($body);
        $out = JsonValues::decode($message->toJson());
        if (isset($case['omitted']) && json_decode($case['omitted']) === true) {
            $this->assertFalse(property_exists($out, 'v'), "$shown as $type: wrote " . $message->toJson());
            return;
        }
        $this->assertTrue(property_exists($out, 'v'), "$shown as $type: v missing in " . $message->toJson());
        $canonical = isset($case['canonical_parts'])
            ? self::fromParts($case['canonical_parts'])
            : $case['canonical'];
        $want = JsonValues::decode($canonical);
        $this->assertTrue(
            JsonValues::equal($want, $out->v),
            "$shown as $type: wrote " . substr($message->toJson(), 0, 200) . ', want ' . substr($canonical, 0, 200),
        );
        // The PHP array form reads back to the same message.
        $this->assertSame($message->toJson(), $class::fromArray($message->toArray())->toJson());
    }

    private static function errors(): \stdClass
    {
        return JsonValues::decode((string) file_get_contents(self::DIR . '/errors.json'));
    }

    public function testCodesAndStatuses(): void
    {
        $codes = self::errors()->codes;
        $this->assertSame(array_column($codes, 'code'), array_map(static fn (Code $c) => $c->value, Code::cases()));
        foreach ($codes as $c) {
            $this->assertSame($c->status, Code::from($c->code)->httpStatus(), $c->code);
        }
        foreach (self::errors()->http_status as $c) {
            $this->assertSame($c->code, Code::fromHttpStatus($c->status)->value, (string) $c->status);
        }
    }

    public function testErrorBodies(): void
    {
        foreach (self::errors()->bodies as $b) {
            $e = RpcException::fromHttpResponse($b->status, $b->body);
            $this->assertSame($b->code, $e->code()->value, $b->name);
            if (isset($b->message)) {
                $this->assertSame($b->message, $e->getMessage(), $b->name);
            }
            if (isset($b->message_contains)) {
                $this->assertStringContainsString($b->message_contains, $e->getMessage(), $b->name);
            }
            if (!isset($b->details)) {
                continue;
            }
            $this->assertCount(count($b->details), $e->details(), $b->name);
            foreach ($b->details as $i => $want) {
                $got = $e->details()[$i];
                $this->assertSame($want->type, $got->type, $b->name);
                $this->assertSame($want->value, base64_encode($got->value), $b->name);
                if (isset($want->value_json)) {
                    $this->assertTrue(JsonValues::equal(
                        $want->value_json,
                        JsonValues::decode($got->value),
                    ), $b->name);
                }
                if (isset($want->debug)) {
                    $this->assertNotNull($got->debug, $b->name);
                    $this->assertTrue(JsonValues::equal(
                        $want->debug,
                        JsonValues::decode($got->debug),
                    ), $b->name);
                } else {
                    $this->assertNull($got->debug, $b->name);
                }
            }
            if (($b->encode ?? false) === true) {
                $again = new RpcException(
                    Code::from($b->code),
                    $b->message ?? '',
                    array_map(
                        static fn (ErrorDetail $d) => $d,
                        $e->details(),
                    ),
                );
                $this->assertTrue(
                    JsonValues::equal(JsonValues::decode($b->body), JsonValues::decode($again->toJson())),
                    $b->name . ': wrote ' . $again->toJson(),
                );
            }
        }
    }

    /** discovery.json: the variable's name, and the endpoints a value lists (or the error). */
    public function testDiscovery(): void
    {
        $vectors = JsonValues::decode((string) file_get_contents(self::DIR . '/discovery.json'));
        foreach ($vectors->env_var as $v) {
            $this->assertSame($v->variable, \Brief\Discovery::envVarName($v->service));
        }
        foreach ($vectors->lists as $v) {
            try {
                $got = \Brief\Discovery::endpoints($v->value, 'SERVICE_X_URL');
                $this->assertFalse(isset($v->error), "$v->name: read as " . implode(',', $got));
                $this->assertSame($v->endpoints, $got, $v->name);
            } catch (RpcException $e) {
                $this->assertTrue(isset($v->error), "$v->name: " . $e->getMessage());
                $this->assertSame(Code::FailedPrecondition, $e->code());
                $this->assertStringContainsString($v->error, $e->getMessage(), $v->name);
                $this->assertStringContainsString('SERVICE_X_URL', $e->getMessage(), $v->name);
            }
        }
    }
}
