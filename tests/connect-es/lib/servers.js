// Starts brief servers as child processes on free ports and stops them again.
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, "..", "..", "..");

/** The server binaries, overridable by environment variables. */
export const binaries = {
  summerRust:
    process.env.SUMMER_RUST_BIN ?? join(repoRoot, "target", "debug", "summer-server"),
  summerGo: process.env.SUMMER_GO_BIN ?? join(here, "..", ".bin", "summer-server-go"),
  probeRust:
    process.env.PROBE_RUST_BIN ?? join(repoRoot, "target", "debug", "probe-server"),
  // php-fpm behind nginx (tests/steps/70-php.sh generates the PHP code first).
  summerPhp: process.env.SUMMER_PHP_BIN ?? join(repoRoot, "examples", "summer", "php", "serve"),
  probePhp: process.env.PROBE_PHP_BIN ?? join(repoRoot, "tests", "php", "probe-server"),
};

/**
 * Whether the servers of a language are tested in this run: CONNECT_ES_SERVERS lists the
 * languages (default "rust,go"; tests/steps/70-php.sh runs "php").
 */
export function selected(language) {
  return (process.env.CONNECT_ES_SERVERS ?? "rust,go").split(",").includes(language);
}

/**
 * The HTTP versions connect-es speaks to a server: nginx before 1.25 serves h2c only on a
 * port of its own, so the PHP servers (php-fpm behind nginx) are called over HTTP/1.1.
 */
export function httpVersions(language) {
  return language === "php" ? ["1.1"] : ["1.1", "2"];
}

/** A TCP port that was free a moment ago. */
export function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", fail);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

const running = new Set();
// Last resort: never leave a server behind, even if the test process dies on an error.
process.on("exit", () => {
  for (const child of running) killGroup(child, "SIGKILL");
});

function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/**
 * Starts `bin` with LISTEN set to a free port and waits until GET /readyz answers 200.
 * Returns { url, stop, output }.
 */
export async function startServer(bin, { env = {}, readyTimeoutMs = 20000 } = {}) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // The server runs under a small shell that reads our stdin pipe: when this process
  // goes away in any manner (even SIGKILL), the pipe closes and the shell stops the
  // server. stop() closes the pipe too. The shell leads its own process group, so that
  // the SIGKILL fallback reaches the server as well.
  const child = spawn(
    "/bin/sh",
    [
      "-c",
      // (fd 3: sh gives background jobs /dev/null as stdin unless redirected.)
      'exec 3<&0; "$0" </dev/null 3<&- & pid=$!; (cat <&3 >/dev/null; kill -TERM "$pid" 2>/dev/null) & exec 3<&-; wait "$pid"',
      bin,
    ],
    {
      env: { ...process.env, LISTEN: `127.0.0.1:${port}`, ...env },
      stdio: ["pipe", "pipe", "pipe"],
      detached: true,
    },
  );
  running.add(child);
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  let exited = null;
  const exit = new Promise((ok) =>
    child.on("exit", (code, signal) => {
      exited = { code, signal };
      running.delete(child);
      ok(exited);
    }),
  );
  child.on("error", (err) => {
    exited = { error: err };
  });

  const stop = async () => {
    if (exited) return exited;
    child.stdin.end();
    const timer = setTimeout(() => killGroup(child, "SIGKILL"), 5000);
    const result = await exit;
    clearTimeout(timer);
    return result;
  };

  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (exited) {
      throw new Error(`${bin} exited before it was ready: ${JSON.stringify(exited)}\n${output}`);
    }
    try {
      const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${bin} was not ready after ${readyTimeoutMs} ms\n${output}`);
    }
    await sleep(50);
  }
  return { url, stop, output: () => output };
}
