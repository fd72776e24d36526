<?php

declare(strict_types=1);

namespace Brief\Tests;

use Brief\Code;
use Brief\DecodeException;
use Brief\Json;
use PHPUnit\Framework\TestCase;
use Probe\Empty_;
use Probe\Everything;
use Probe\Item;
use Probe\Seen;

/**
 * The JSON rules of docs/language.md that the shared vectors do not cover (yet): only
 * objects are messages, no empty bodies, duplicate keys, nesting, map paths, and the
 * numbers json_decode alone would get wrong.
 */
final class CodecTest extends TestCase
{
    /**
     * A valid Everything as JSON with `extra` members: they replace the required members
     * of the same names, unless `replace` is false (then a key may be repeated).
     */
    private static function json(string $extra = '', bool $replace = true): string
    {
        $base = [
            'flag' => 'false', 'count' => '0', 'ratio' => '0', 'name' => '""', 'blob' => '""',
            'at' => '"1970-01-01T00:00:00Z"', 'color' => '"red"', 'item' => '{"id":0}',
        ];
        if ($replace) {
            preg_match_all('/"(\w+)":/', $extra, $m);
            $base = array_diff_key($base, array_flip($m[1]));
        }
        $members = [];
        foreach ($base as $k => $v) {
            $members[] = "\"$k\":$v";
        }
        if ($extra !== '') {
            $members[] = $extra;
        }
        return '{' . implode(',', $members) . '}';
    }

    private static function error(string $class, string $json): DecodeException
    {
        try {
            $class::fromJson($json);
        } catch (DecodeException $e) {
            self::assertSame(Code::InvalidArgument, $e->code());
            return $e;
        }
        self::fail("decoded $json");
    }

    public function testEveryTypeRoundTrips(): void
    {
        foreach ([Probe::everything(), Probe::minimal()] as $value) {
            $back = Everything::fromJson($value->toJson());
            $this->assertEquals($value->toJson(), $back->toJson());
            $this->assertEquals($value->toJson(), Everything::fromArray($value->toArray())->toJson());
        }
        $back = Everything::fromJson(Probe::everything()->toJson());
        $this->assertSame('2026-11-22T08:11:12.123456Z', \Brief\Time::format($back->at));
        $this->assertSame(PHP_INT_MIN, $back->count);
        $this->assertSame(PHP_INT_MAX, $back->scores['y']);
        $this->assertSame("\x00\x01\x02\xfa\xff", $back->blob);
        $this->assertSame([], $back->next->maybeList);
        $this->assertNull(Everything::fromJson(Probe::minimal()->toJson())->maybeList);
    }

    public function testOnlyObjectsAreMessages(): void
    {
        foreach (['', '   ', '[]', '[1,2]', '"x"', '1', 'null', 'true'] as $body) {
            $e = self::error(Everything::class, $body);
            $this->assertSame('', $e->path(), $body);
            $this->assertStringContainsString('expected a JSON object', $e->getMessage(), $body);
        }
        $this->assertSame('item', self::error(Everything::class, self::json('"item":[]'))->path());
        $this->assertSame('item', self::error(Everything::class, self::json('"item":[{"id":1}]'))->path());
        $this->assertSame('scores', self::error(Everything::class, self::json('"scores":[]'))->path());
        $this->assertSame('tags', self::error(Everything::class, self::json('"tags":{}'))->path());
        $this->assertSame('tags', self::error(Everything::class, self::json('"tags":{"0":"a"}'))->path());
        self::error(Empty_::class, '[]');
        $this->assertInstanceOf(Empty_::class, Empty_::fromJson(' {"anything": [1, {"a": null}]} '));
    }

    public function testDuplicateKeysAreRejectedWithTheirPath(): void
    {
        $cases = [
            self::json('"count":2', false) => 'count: duplicate key',
            self::json('"item":{"id":1,"id":2}') => 'item.id: duplicate key',
            self::json('"scores":{"a":1,"a":2}') => 'scores["a"]: duplicate key',
            self::json('"nested":{"k":[{"id":1},{"id":1,"label":"a","label":"b"}]}')
                => 'nested["k"][1].label: duplicate key',
            self::json('"x":1,"y":2,"x":3') => 'x: duplicate key',
            self::json('"a.b":1,"a.b":1') => '["a.b"]: duplicate key',
            self::json('"x":[{"k":1,"k":2}]') => 'duplicate key "k" inside the value of an unknown field',
            // With a number json_decode cannot hold, the exact parser reads it all.
            self::json('"big":12345678901234567890,"count":1', false) => 'count: duplicate key',
        ];
        foreach ($cases as $json => $want) {
            $this->assertSame($want, self::error(Everything::class, $json)->getMessage(), $json);
        }
        $many = '';
        for ($i = 0; $i < 5000; $i++) {
            $many .= ",\"k$i\":0";
        }
        $this->assertSame(
            'k4999: duplicate key',
            self::error(Everything::class, self::json(substr($many, 1) . ',"k4999":1'))->getMessage(),
        );
    }

    public function testNestingOf512LevelsAndMoreIsFine(): void
    {
        $depth = 600;
        $json = str_repeat('{"name":"n","count":1,"ratio":1,"flag":true,"blob":"","at":"2024-01-01T00:00:00Z",'
            . '"color":"red","item":{"id":1},"next":', $depth) . self::json() . str_repeat('}', $depth);
        $v = Everything::fromJson($json);
        $n = 0;
        for ($e = $v; $e !== null; $e = $e->next) {
            $n++;
        }
        $this->assertSame($depth + 1, $n);
        $this->assertSame($v->toJson(), Everything::fromJson($v->toJson())->toJson());
    }

    public function testDeeperThanTheLimitIsAnErrorNotACrash(): void
    {
        foreach ([Json::MAX_DEPTH + 1, 100_000] as $depth) {
            $e = self::error(Everything::class, str_repeat('{"next":', $depth) . '{}' . str_repeat('}', $depth));
            $this->assertStringContainsString('nested deeper than ' . Json::MAX_DEPTH, $e->getMessage());
            $e = self::error(Everything::class, self::json('"x":' . str_repeat('[', $depth) . str_repeat(']', $depth)));
            $this->assertStringContainsString('nested deeper than ' . Json::MAX_DEPTH, $e->getMessage());
        }
    }

    public function testMapKeysInPathsAreJsonStrings(): void
    {
        $this->assertSame(
            'nested["a.b \"c\""][0].id: expected an integer, got the string "x"',
            self::error(Everything::class, self::json('"nested":{"a.b \"c\"":[{"id":"x"}]}'))->getMessage(),
        );
        $this->assertSame('scores["1"]', self::error(Everything::class, self::json('"scores":{"1":"x"}'))->path());
    }

    public function testNumbersJsonDecodeWouldRound(): void
    {
        // A string field is not a number, however long.
        $this->assertSame('name', self::error(Everything::class, self::json('"name":12345678901234567890'))->path());
        $this->assertSame('count', self::error(Everything::class, self::json('"count":-9223372036854775809'))->path());
        // Out of a double's range is an error about the JSON text, wherever it is.
        foreach (['"ratio":1e400', '"ratio":-1' . str_repeat('0', 400), '"unknown":[1e999]'] as $member) {
            $e = self::error(Everything::class, self::json($member));
            $this->assertSame('', $e->path(), $member);
            $this->assertStringContainsString('out of range', $e->getMessage(), $member);
        }
        $v = Everything::fromJson(self::json('"count":-9223372036854775808,"ratio":123456789012345678901234567890'));
        $this->assertSame(PHP_INT_MIN, $v->count);
        $this->assertSame(1.2345678901234568E+29, $v->ratio);
        $v = Everything::fromJson(self::json('"count":"9007199254740993","unknown":1e-999'));
        $this->assertSame(9007199254740993, $v->count);
        $this->assertSame('{"id":9007199254740993}', (new Item(id: 9007199254740993))->toJson());
    }

    public function testEchoedValuesAreCut(): void
    {
        $e = self::error(Everything::class, self::json('"count":"' . str_repeat('1a', 500_000) . '"'));
        $this->assertLessThan(200, strlen($e->getMessage()));
        $e = self::error(Everything::class, self::json('"scores":{"' . str_repeat('k', 100_000) . '":"x"}'));
        $this->assertLessThan(200, strlen($e->getMessage()));
        // 64 characters (not bytes) as a JSON string, then `...`.
        $e = self::error(Everything::class, self::json('"count":"' . str_repeat('é', 65) . '"'));
        $this->assertStringEndsWith('"' . str_repeat('é', 64) . '"...', $e->getMessage());
        $e = self::error(Everything::class, self::json('"count":"' . str_repeat('é', 64) . '"'));
        $this->assertStringEndsWith('"' . str_repeat('é', 64) . '"', $e->getMessage());
    }

    public function testDeepPathsKeepTheirEnds(): void
    {
        $e = new DecodeException('id', 'required field missing');
        for ($i = 99; $i >= 0; $i--) {
            $e->under('[' . $i . ']');
        }
        $e->under('items');
        $first = 'items' . implode('', array_map(static fn (int $i) => "[$i]", range(0, 30)));
        $last = implode('', array_map(static fn (int $i) => "[$i]", range(69, 99))) . '.id';
        $this->assertSame("$first ... $last", $e->path());
        $this->assertSame("$first ... $last: required field missing", $e->getMessage());
    }

    public function testMalformedJsonSaysWhere(): void
    {
        $e = self::error(Everything::class, '{"flag": tru');
        $this->assertStringContainsString('malformed JSON at offset 9', $e->getMessage());
        self::error(Everything::class, "{\"name\":\"\xff\"}");
        self::error(Everything::class, '{"name":"\ud800"}');
        self::error(Everything::class, '{"count":1} {}');
    }

    public function testKeysPhpObjectsCannotHold(): void
    {
        $v = Everything::fromJson(self::json('"scores":{"\u0000k":1,"":2}'));
        $this->assertSame(["\0k" => 1, '' => 2], $v->scores);
        $scores = Everything::fromJson($v->toJson())->jsonSerialize()['scores'];
        $this->assertSame('{"":2,"\u0000k":1}', json_encode($scores));
    }

    public function testArraysAcceptWhatToArrayGives(): void
    {
        $seen = Seen::fromArray(['requestId' => 'r', 'traceId' => 't', 'spanId' => 's', 'remainingMs' => '5']);
        $this->assertSame(5, $seen->remainingMs);
        $this->assertNull($seen->caller);
        $e = Everything::fromArray(['item' => new Item(id: 3)] + Probe::minimal()->toArray());
        $this->assertSame(3, $e->item->id);
        $this->expectException(DecodeException::class);
        Everything::fromArray(['item' => [1, 2]] + Probe::minimal()->toArray());
    }
}
