<?php

declare(strict_types=1);

namespace Brief\Tests;

use Brief\Context;
use Brief\Http\Request;
use Brief\Server;
use Brief\ServerOptions;
use List\Gone;
use List\Item;
use Names\Class_;
use Names\Default_;
use Names\Empty_;
use Names\Exception;
use Names\List_;
use Names\NamesClient;
use Names\NamesDispatcher_;
use Names\NamesServer;
use Names\Static_;
use PHPUnit\Framework\TestCase;

/**
 * contracts/names.brief: names PHP reserves become the documented PHP names, and the wire
 * keeps the contract's names.
 */
final class NamesTest extends TestCase
{
    public function testRenamedClassesAndPropertiesKeepTheirWireNames(): void
    {
        $list = new List_(this_: 't', class: 1, item: new Item(id: 2), list: [3]);
        $this->assertSame('{"items":[],"this":"t","class":1,"list":[3],"item":{"id":2}}', $list->toJson());
        $this->assertSame($list->toJson(), List_::fromJson($list->toJson())->toJson());
        $this->assertSame('class', Static_::Class_->value);
        $this->assertSame(Static_::List, Class_::fromJson('{"function":"list","self":"s"}')->function);
        $e = new Exception(message_: 'm', code_: 1, file_: 'f', line_: 2, previous: 'p');
        $this->assertSame(
            '{"message":"m","code":1,"file":"f","line":2,"previous":"p"}',
            \Brief\Json::encode($e->jsonSerialize()),
        );
        $this->assertStringContainsString('*/ and a doc', $e->getMessage());
        $default = new Default_(default: true, new: false, globals: 3);
        $this->assertSame('{"default":true,"new":false,"GLOBALS":3}', $default->toJson());
    }

    public function testTheServiceServesUnderItsRenamedClasses(): void
    {
        $impl = new class implements NamesServer {
            public function list(List_ $in, Context $ctx): Default_
            {
                return new Default_(default: $in->class === 1, new: false);
            }
            public function new(Empty_ $in, Context $ctx): Empty_
            {
                return $in;
            }
            // phpcs:ignore PSR1.Methods.CamelCapsMethodName -- the interface's name for rpc `rpcs`
            public function rpcs_(Empty_ $in, Context $ctx): Empty_
            {
                return $in;
            }
            public function construct(Empty_ $in, Context $ctx): Empty_
            {
                return $in;
            }
            public function class(Class_ $in, Context $ctx): Empty_
            {
                throw new Gone();
            }
            public function namesClient(Empty_ $in, Context $ctx): NamesClient
            {
                return new NamesClient(ok: true);
            }
        };
        $server = new Server([new NamesDispatcher_($impl)], new ServerOptions());
        $call = static fn (string $path, string $body) => $server->handle(
            new Request('POST', $path, '', ['content-type' => 'application/json'], $body, microtime(true)),
        );
        $r = $call('/names/list', '{"this":"t","class":1,"item":{"id":2}}');
        $this->assertSame('{"default":true,"new":false}', $r->body);
        $r = $call('/names/class', '{"function":"fn","self":"s"}');
        $this->assertSame(404, $r->status);
        $this->assertSame('names.Gone', json_decode($r->body, true)['details'][0]['type']);
        $this->assertSame('{"ok":true}', $call('/names/namesClient', '{}')->body);
        $this->assertSame(200, $call('/names/rpcs', '{}')->status);
        // The descriptor steps aside for the message NamesService, its method `rpcs_` for
        // its list of every rpc.
        $this->assertSame('/names/rpcs', \Names\NamesService_::rpcs_()->path);
        $this->assertCount(6, \Names\NamesService_::rpcs());
    }
}
