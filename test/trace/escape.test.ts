import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { escapeXml, truncate } from '../../src/trace/escape.ts';

describe('escapeXml', () => {
  it('escapes the five markup characters', () => {
    assert.equal(
      escapeXml(`<a href="x">'&'</a>`),
      '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;',
    );
  });

  it('drops control characters that XML forbids, keeps tab and newline', () => {
    assert.equal(escapeXml('a\u0000b\u001bc\td\ne'), 'abc\td\ne');
  });

  it('never leaves a markup character in its output', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        assert.doesNotMatch(escapeXml(s), /[<>"']|&(?!amp;|lt;|gt;|quot;|#39;)/);
      }),
    );
  });
});

describe('truncate', () => {
  it('keeps short text and marks a cut', () => {
    assert.equal(truncate('abc', 3), 'abc');
    assert.equal(truncate('abcdef', 4), 'abc…');
    assert.equal(truncate('abcdef', 4).length, 4);
  });
});
