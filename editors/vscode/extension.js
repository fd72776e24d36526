// The brief extension: starts `brief lsp` for .brief files. Everything else (diagnostics,
// hover, go to definition, completion, formatting, symbols) comes from the server.
"use strict";

const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

/** Starts the server named by the `brief.path` setting. */
function start() {
  const command = vscode.workspace.getConfiguration("brief").get("path") || "brief";
  const server = { command, args: ["lsp"], transport: TransportKind.stdio };
  client = new LanguageClient(
    "brief",
    "brief",
    { run: server, debug: server },
    { documentSelector: [{ language: "brief" }] },
  );
  return client.start();
}

function activate(context) {
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration("brief.path")) {
        await deactivate();
        await start();
      }
    }),
  );
  return start();
}

function deactivate() {
  const running = client;
  client = undefined;
  return running ? running.stop() : undefined;
}

module.exports = { activate, deactivate };
