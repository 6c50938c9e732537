// Node row of the SDK benchmark (started by benches/sdk.rs; not a test): the official
// @trigger.dev/sdk's runs.retrieve, installed by benches/run.sh into bench-scratch/node.
//
// Usage: node node_sdk.cjs PORT SECS WARMUP SDK_DIR
// Prints one line: RESULT {json} with calls, secs, p50_us, p99_us, cpu_us_per_call (process CPU
// from process.cpuUsage(), all of Node's threads), rss_kb (peak, from /proc/self/status),
// errors, first_error, note.
"use strict";
const { createRequire } = require("node:module");
const fs = require("node:fs");
const path = require("node:path");

const RUN_ID = "run_cm9bench0001x7k2q4r8s5t6";
const TOKEN = "tr_dev_bench0000000000000000";

function peakRssKb() {
  const m = /VmHWM:\s+(\d+)/.exec(fs.readFileSync("/proc/self/status", "utf8"));
  return m ? Number(m[1]) : 0;
}

async function main() {
  const [port, secs, warmup, sdkDir] = process.argv.slice(2);
  const requireSdk = createRequire(path.join(path.resolve(sdkDir), "package.json"));
  const sdk = requireSdk("@trigger.dev/sdk");
  const version = requireSdk("@trigger.dev/sdk/package.json").version;
  sdk.configure({ secretKey: TOKEN, baseURL: `http://127.0.0.1:${port}` });

  let errors = 0;
  let firstError = null;
  const call = async () => {
    const run = await sdk.runs.retrieve(RUN_ID);
    if (run.id !== RUN_ID) throw new Error(`unexpected run ${run.id}`);
  };
  const warmEnd = process.hrtime.bigint() + BigInt(Math.round(Number(warmup) * 1e9));
  while (process.hrtime.bigint() < warmEnd && errors < 20) {
    try {
      await call();
    } catch (e) {
      errors++;
      firstError = firstError || String(e && e.stack ? e.stack.split("\n")[0] : e);
    }
  }
  const latencies = [];
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  const stop = start + BigInt(Math.round(Number(secs) * 1e9));
  let t = start;
  while (errors < 20) {
    let now;
    try {
      await call();
      now = process.hrtime.bigint();
      latencies.push(Number(now - t));
    } catch (e) {
      now = process.hrtime.bigint();
      errors++;
      firstError = firstError || String(e && e.stack ? e.stack.split("\n")[0] : e);
    }
    t = now;
    if (now >= stop) break;
  }
  const cpu = process.cpuUsage(cpu0);
  latencies.sort((a, b) => a - b);
  const n = latencies.length;
  const q = (p) => (n ? latencies[Math.min(n - 1, Math.max(0, Math.ceil(n * p) - 1))] / 1000 : 0);
  const result = {
    calls: n,
    secs: Number(t - start) / 1e9,
    p50_us: q(0.5),
    p99_us: q(0.99),
    cpu_us_per_call: (cpu.user + cpu.system) / Math.max(n, 1),
    rss_kb: peakRssKb(),
    errors,
    first_error: firstError,
    note: `@trigger.dev/sdk ${version} on Node ${process.version}; CPU is the whole process`,
  };
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
  process.exit(0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
