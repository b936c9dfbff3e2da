// Encodes and decodes texts with the Hugging Face tokenizers library, for
// TestHuggingFaceParity. Usage: node hf_parity.js DIR, where DIR holds
// tokenizer.json and cases.json ({"texts": [...]}); prints
// {"ids": [[...], ...], "decoded": [...]} as JSON.
const { Tokenizer } = require("tokenizers");
const fs = require("fs");
const dir = process.argv[2];
const tok = Tokenizer.fromFile(dir + "/tokenizer.json");
const cases = JSON.parse(fs.readFileSync(dir + "/cases.json", "utf8"));
(async () => {
  const out = { ids: [], decoded: [] };
  for (const text of cases.texts) {
    const enc = await tok.encode(text);
    const ids = Array.from(enc.getIds());
    out.ids.push(ids);
    out.decoded.push(await tok.decode(ids, false));
  }
  process.stdout.write(JSON.stringify(out));
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
