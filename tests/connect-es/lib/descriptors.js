// Service descriptors for connect-es without protoc-gen-es: protoc writes a binary
// FileDescriptorSet of proto/*.proto at test time, and @bufbuild/protobuf v2 turns it
// into a registry from which the service descriptors are taken.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { createFileRegistry, fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";

const protoDir = join(dirname(fileURLToPath(import.meta.url)), "..", "proto");

/** Compiles proto/*.proto with protoc and returns a registry of every type in them. */
export function loadRegistry() {
  const dir = mkdtempSync(join(tmpdir(), "brief-connect-es-"));
  const out = join(dir, "descriptors.binpb");
  try {
    execFileSync(
      process.env.PROTOC ?? "protoc",
      [
        `--proto_path=${protoDir}`,
        "--include_imports",
        `--descriptor_set_out=${out}`,
        "summer.proto",
        "probe.proto",
      ],
      { stdio: ["ignore", "inherit", "inherit"] },
    );
    const set = fromBinary(FileDescriptorSetSchema, readFileSync(out));
    return createFileRegistry(set);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The service descriptor of `name`, failing loudly if protoc did not produce it. */
export function service(registry, name) {
  const s = registry.getService(name);
  if (!s) throw new Error(`no service ${name} in the descriptor set`);
  return s;
}
