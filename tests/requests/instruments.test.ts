// Tests: the instrument catalogue's own consistency (shared/domain/requests/instruments.ts): what a note's text
// says about an article is what its citation cites.
import { describe, expect, it } from 'vitest';
import { KINDS, PROVISIONS } from '../../shared/domain/requests/instruments.ts';

describe('instrument catalogue', () => {
  it('a kind note that names an article cites that article, and no other text and citation disagree', () => {
    for (const kind of Object.values(KINDS)) {
      for (const note of kind.notes) {
        const named = [...note.text.matchAll(/art\.\s*(\d+(?:\(\d+\))*(?:\([a-z]\))?)/g)].map((m) => m[1]);
        const cited = note.cite.map((id) => PROVISIONS[id].article.replace(/^art\.\s*/, ''));
        for (const article of named) {
          expect(cited, `${kind.id}: "${note.text}"`).toContain(article);
        }
      }
    }
  });

  it('the MLA note on additional information cites UNTOC art. 18(16)', () => {
    const note = KINDS.mla.notes.find((candidate) => /additional information/.test(candidate.text));
    expect(note?.cite).toEqual(['untoc-18-16']);
  });
});
