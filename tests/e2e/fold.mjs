// Case-insensitive regular expressions in the widget answer as the browser's own RegExp
// does. The translation folds each class itself (regex_dialect::fold) by the browser's
// upper and lower case, with the `u` flag and without, so each case here is a rule of a
// real bot, answered by the widget, and held against `new RegExp(source, flags).test`
// in the same page.
import assert from 'node:assert/strict';

/** [source, flags, the visitor's answer]: the letters whose folding differs between the
 * two modes, or from a plain upper or lower case, and a few that are ordinary. */
export const FOLD_CASES = [
  ['^k$', 'iu', '\u212a'], ['^k$', 'i', '\u212a'], ['^\u212a$', 'iu', 'K'],
  ['^s$', 'iu', 'ſ'], ['^ſ$', 'i', 'S'], ['^ß$', 'iu', 'ẞ'], ['^ß$', 'i', 'ẞ'],
  ['^ı$', 'iu', 'I'], ['^i$', 'iu', 'İ'], ['^i$', 'i', 'İ'], ['^θ$', 'iu', 'ϑ'],
  ['^[а-я]+$', 'iu', 'ПРИВЕТ'], ['^[а-я]+$', 'i', 'ПРИВЕТ'], ['^é$', 'i', 'É'],
  ['^Σ+$', 'iu', 'σς'], ['^\u1fd3$', 'iu', '\u0390'], ['^[^k]$', 'iu', '\u212a'],
  ['^ǅ$', 'iu', 'ǆ'], ['^straße$', 'i', 'STRASSE'], ['^[a-z]+$', 'iu', 'ſK'],
];

/** A bot that asks one question per case; its only rule is the case's expression. */
export function foldBot(cases = FOLD_CASES) {
  const flow = cases.flatMap(([regex, flags], i) => {
    const next = i + 1 < cases.length ? `q${i + 1}` : 'stop';
    return [
      { ask: `case ${i}`, name: `q${i}`, rules: [{ regex, flags, then: `y${i}` }, { noMatch: true, then: `n${i}` }] },
      { say: `yes ${i}`, name: `y${i}`, then: next },
      { say: `no ${i}`, name: `n${i}`, then: next },
    ];
  });
  return JSON.stringify({ chatlet: 1, id: 'fold', name: 'Fold', dialogs: [{ name: 'Fold', patterns: ['fold'], flow }] });
}

/** Chats through the fold bot in window `v` (its helpers and page) and lists the cases
 * where the widget's answer differs from the page's own RegExp. */
export async function foldDisagreements(v) {
  await v.say('fold');
  await v.waitBot(1);
  const got = [];
  for (const [i, [, , text]] of FOLD_CASES.entries()) {
    await v.say(text);
    await v.waitBot(2 * i + 2);
    got.push((await v.botTexts())[2 * i + 1] === `yes ${i}`);
  }
  const expected = await v.page.evaluate((cases) => cases.map(([s, f, t]) => new RegExp(s, f).test(t)), FOLD_CASES);
  // Not all one answer: the cases hold both.
  assert.ok(expected.includes(true) && expected.includes(false));
  return FOLD_CASES.flatMap(([s, f, t], i) => (got[i] === expected[i] ? [] : [`/${s}/${f} on ${t}: ${got[i]}`]));
}

export async function foldChecks({ open, check }) {
  await check('case-insensitive regex rules (i, iu) answer in the widget as the browser\'s RegExp does', async () => {
    const v = await open('/fold.html');
    assert.deepEqual(await foldDisagreements(v), [], 'the widget and the browser disagree');
    assert.deepEqual(v.log.errors, []);
    await v.page.close();
  });
}
