//! A contract's service as PHP: the descriptor (`<Service>Service`: what the contract says
//! about each rpc), the client, the server interface and the dispatcher that serves it.

use askama::Template;

use super::names;
use super::text::{call, deprecatable, doc_lines, docblock, signature, Arg};
use super::types::{file_header, Head};
use super::Plan;
use crate::gen::names::Namespace;
use crate::gen::{endpoint_env_var, Options};
use crate::model::*;

/// The classes of a contract's service: (class name, file text).
pub(super) fn render(
    model: &Model,
    plan: &Plan,
    file: &File,
    service: &Service,
    options: &Options,
) -> Vec<(String, String)> {
    let fp = plan.file(file.id);
    let classes = &fp.generated;
    let head = || Head {
        header: file_header(file),
        namespace: fp.namespace.clone(),
    };
    let env_var = endpoint_env_var(&service.name);
    let name = names::string_literal(&service.name);
    let mut methods = names::methods();
    let rpcs: Vec<RpcView> = file
        .rpcs
        .iter()
        .map(|r| rpc_view(model, plan, file, service, r, &mut methods))
        .collect();
    let service_doc = doc_lines(&service.doc);
    let with_doc = |mut lines: Vec<String>, class: &str| {
        if !service_doc.is_empty() {
            let mut all = service_doc.clone();
            all.push(String::new());
            all.append(&mut lines);
            lines = all;
        }
        docblock(0, &lines, &[]).expect("not empty") + &class_note(class)
    };

    let mut out = Vec::new();
    let descriptor = DescriptorView {
        head: head(),
        docblock: with_doc(
            vec![format!(
                "What clients and servers know of the {} service from its contract: each rpc's \
             input and output, whether it may be retried, its deadline and its typed errors.",
                service.name
            )],
            &classes.service,
        ),
        name: classes.service.clone(),
        service: name.clone(),
        service_doc: docblock(
            4,
            &[format!(
                "The service's name: its rpcs are at /{}/{{rpc}}; clients find it in {env_var}.",
                service.name
            )],
            &[],
        )
        .expect("not empty"),
        env_var: names::string_literal(&env_var),
        api_level: super::RUNTIME_API_LEVEL,
        rpcs: rpcs.clone(),
    };
    out.push((
        classes.service.clone(),
        descriptor.render().expect("templates render plain data") + "\n",
    ));
    if options.client {
        let view = ClientView {
            head: head(),
            docblock: with_doc(
                vec![format!(
                    "Calls the {} service. Without a base URL it reads {env_var} (one URL, or \
                     several separated by commas). Calls made while serving a request carry that \
                     request's id, trace, baggage and remaining deadline.",
                    service.name
                )],
                &classes.client,
            ),
            name: classes.client.clone(),
            descriptor: classes.service.clone(),
            env_var: env_var.clone(),
            rpcs: rpcs.clone(),
        };
        out.push((
            classes.client.clone(),
            view.render().expect("templates render plain data") + "\n",
        ));
    }
    if options.server {
        let view = ServerView {
            head: head(),
            docblock: with_doc(
                vec![format!(
                    "What a {} server implements; serve it with {}::serve().",
                    service.name, classes.dispatcher
                )],
                &classes.server,
            ),
            name: classes.server.clone(),
            rpcs: rpcs.clone(),
        };
        out.push((
            classes.server.clone(),
            view.render().expect("templates render plain data") + "\n",
        ));
        let view = DispatcherView {
            head: head(),
            docblock: docblock(
                0,
                &[format!(
                    "Serves a {} over the brief protocol (docs/protocol.md), with /healthz, \
                     /readyz and /metrics: call {}::serve(new MyService()) from the front \
                     controller (index.php) that php-fpm or `php -S` runs, or give \
                     `new {}($impl)` to a \\Brief\\Server that serves other services too.",
                    classes.server, classes.dispatcher, classes.dispatcher
                )],
                &[],
            )
            .expect("not empty")
                + &class_note(&classes.dispatcher),
            name: classes.dispatcher.clone(),
            server: classes.server.clone(),
            service: service.name.clone(),
            rpcs,
        };
        out.push((
            classes.dispatcher.clone(),
            view.render().expect("templates render plain data") + "\n",
        ));
    }
    out
}

#[derive(Clone)]
struct RpcView {
    /// The rpc's name as a PHP literal.
    wire: String,
    /// The rpc's method: the descriptor's static method, the client's and the server
    /// interface's.
    method: String,
    input: String,
    output: String,
    idempotent: bool,
    readonly: bool,
    timeout_ms: u128,
    /// (wire type literal, class)
    throws: Vec<(String, String)>,
    /// Docblocks at 4 spaces for the descriptor, the client and the server interface.
    descriptor_doc: String,
    client_doc: String,
    server_doc: String,
    /// The client method's signature, up to its opening brace (which is on its own line
    /// unless the signature is broken).
    client_signature: String,
    server_signature: String,
    /// The dispatcher's `'/service/rpc' => new \Brief\Procedure(...)` match arm.
    procedure: String,
}

fn rpc_view(
    model: &Model,
    plan: &Plan,
    file: &File,
    service: &Service,
    r: &Rpc,
    methods: &mut Namespace,
) -> RpcView {
    let method = names::method_name(methods, &r.name);
    let throws: Vec<(String, String, String)> = r
        .modifiers
        .throws
        .iter()
        .map(|id| {
            let e = model.error(*id);
            (
                names::string_literal(&model.error_wire_name(*id, Some(service))),
                plan.error(file.id, model, *id),
                e.doc.clone().unwrap_or_else(|| e.name.clone()),
            )
        })
        .collect();
    let (description, mut tags) = deprecatable(&r.doc, r.modifiers.deprecated);
    let mut client_tags = tags.clone();
    let mut server_tags = std::mem::take(&mut tags);
    for (_, class, doc) in &throws {
        client_tags.push(format!("@throws {class} {doc}"));
        server_tags.push(format!("@throws {class} {doc}"));
    }
    client_tags.push("@throws \\Brief\\RpcException any other failure, with its code".into());
    server_tags.push("@throws \\Brief\\RpcException to fail with any code and message".into());
    let mut descriptor_description = description.clone();
    if descriptor_description.is_empty() {
        descriptor_description.push(format!("The rpc {}.", r.name));
    }
    let method_note = names::sniff_note(4, &method, names::METHOD_SNIFF);
    let input = plan.message(file.id, model, r.input);
    let output = plan.message(file.id, model, r.output);
    let client_signature = signature(
        &method,
        &[
            format!("{input} $in"),
            "?\\Brief\\CallOptions $options = null".into(),
        ],
        &output,
        true,
    );
    let server_signature = signature(
        &method,
        &[format!("{input} $in"), "\\Brief\\Context $ctx".into()],
        &output,
        false,
    );
    let procedure = call(
        12,
        &format!(
            "{} => new \\Brief\\Procedure",
            names::string_literal(&format!("/{}/{}", service.name, r.name))
        ),
        &[
            Arg::Text(format!(
                "{}::{method}()",
                plan.file(file.id).generated.service
            )),
            Arg::Text(format!("$this->impl->{method}(...)")),
        ],
        ",",
    );
    RpcView {
        wire: names::string_literal(&r.name),
        client_signature: if client_signature.ends_with('{') {
            client_signature
        } else {
            format!("{client_signature}\n    {{")
        },
        server_signature,
        procedure,
        method,
        input,
        output,
        idempotent: r.modifiers.is_idempotent(),
        readonly: r.modifiers.readonly,
        timeout_ms: r.modifiers.deadline().as_millis(),
        throws: throws.into_iter().map(|(w, c, _)| (w, c)).collect(),
        descriptor_doc: docblock(4, &descriptor_description, &[]).expect("not empty")
            + &method_note,
        client_doc: docblock(4, &description, &client_tags).expect("has tags") + &method_note,
        server_doc: docblock(4, &description, &server_tags).expect("has tags") + &method_note,
    }
}

#[derive(Template)]
#[template(path = "php/service.php.txt", escape = "none")]
struct DescriptorView {
    head: Head,
    docblock: String,
    name: String,
    service: String,
    service_doc: String,
    env_var: String,
    api_level: u32,
    rpcs: Vec<RpcView>,
}

#[derive(Template)]
#[template(path = "php/client.php.txt", escape = "none")]
struct ClientView {
    head: Head,
    docblock: String,
    name: String,
    descriptor: String,
    env_var: String,
    rpcs: Vec<RpcView>,
}

#[derive(Template)]
#[template(path = "php/server.php.txt", escape = "none")]
struct ServerView {
    head: Head,
    docblock: String,
    name: String,
    rpcs: Vec<RpcView>,
}

#[derive(Template)]
#[template(path = "php/dispatcher.php.txt", escape = "none")]
struct DispatcherView {
    head: Head,
    docblock: String,
    name: String,
    server: String,
    service: String,
    rpcs: Vec<RpcView>,
}

/// What follows a class's docblock: see [`names::sniff_note`].
fn class_note(class: &str) -> String {
    names::sniff_note(0, class, names::CLASS_SNIFF)
}
