// JavaScript's answer for each case of the differential regex test (tests/regex_js.rs):
// reads [[source, flags, input], ...] as JSON on stdin, writes one answer per case:
// "match", "no match", "refused" (new RegExp throws a SyntaxError) or "timeout" (the
// test ran past the time limit: catastrophic backtracking in node's own engine).
import vm from 'node:vm';

const LIMIT_MS = Number(process.env.REGEX_JS_LIMIT_MS || 250);
let input = '';
for await (const chunk of process.stdin) input += chunk;
const cases = JSON.parse(input);
const context = vm.createContext({});
const test = new vm.Script('re.test(text)');
const answers = cases.map(([source, flags, text]) => {
  let re;
  try {
    re = new RegExp(source, flags);
  } catch (e) {
    if (e instanceof SyntaxError) return 'refused';
    throw e;
  }
  context.re = re;
  context.text = text;
  try {
    return test.runInContext(context, { timeout: LIMIT_MS }) ? 'match' : 'no match';
  } catch (e) {
    if (String(e.message).includes('timed out')) return 'timeout';
    throw e;
  }
});
process.stdout.write(JSON.stringify(answers));
