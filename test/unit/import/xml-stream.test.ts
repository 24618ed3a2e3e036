import { describe, expect, it } from 'vitest';
import { ImportError } from '../../../src/import/import-errors.js';
import { XmlFeed, type XmlHandlers } from '../../../src/import/xml-stream.js';

/** Every event as text, with the attributes asked for by name and listed whole. */
function events(xml: string | Buffer, chunkBytes: number): string[] {
  const seen: string[] = [];
  let text = '';
  const flush = (): void => {
    if (text !== '') seen.push(`text ${text}`);
    text = '';
  };
  const handlers: XmlHandlers = {
    open(name, attributes) {
      flush();
      seen.push(`open ${name} r=${attributes.get('r') ?? '-'} ${JSON.stringify(attributes.all())}`);
    },
    close(name) {
      flush();
      seen.push(`close ${name}`);
    },
    text(piece) {
      text += piece;
    },
  };
  const feed = new XmlFeed('part.xml', handlers, 1024 * 1024);
  const bytes = Buffer.from(xml);
  for (let at = 0; at < bytes.length; at += chunkBytes) feed.write(bytes.subarray(at, at + chunkBytes));
  feed.end();
  flush();
  return seen;
}

function failure(xml: string): unknown {
  try {
    events(xml, 7);
  } catch (error) {
    return error;
  }
  return undefined;
}

const SAMPLE =
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<x:worksheet xmlns:x="urn:x"><!-- a comment -->' +
  '<x:row r="1" spans=\'1:2\'><x:c r="A1" t="inlineStr"><x:is><x:t>Ana &amp; Budi &lt;3 &#x1F600; &#233;</x:t></x:is></x:c>' +
  '<x:c r="B1" t="str" note="a &gt; b\tc" other = "x>y"><x:v><![CDATA[1 < 2 & 3]]></x:v ></x:c><x:c r="C1"/></x:row></x:worksheet>';

describe('XmlFeed, the tokenizer under the workbook readers', () => {
  it('gives the same events however the bytes are cut, UTF-8 sequences and entities included', () => {
    const whole = events(SAMPLE, SAMPLE.length * 4);
    expect(whole).toEqual([
      'open worksheet r=- {"xmlns:x":"urn:x"}',
      'open row r=1 {"r":"1","spans":"1:2"}',
      'open c r=A1 {"r":"A1","t":"inlineStr"}',
      'open is r=- {}',
      'open t r=- {}',
      'text Ana & Budi <3 😀 é',
      'close t',
      'close is',
      'close c',
      'open c r=B1 {"r":"B1","t":"str","note":"a > b c","other":"x>y"}',
      'open v r=- {}',
      'text 1 < 2 & 3',
      'close v',
      'close c',
      'open c r=C1 {"r":"C1"}',
      'close c',
      'close row',
      'close worksheet',
    ]);
    for (const size of [1, 2, 3, 5, 13]) expect(events(SAMPLE, size)).toEqual(whole);
  });

  it('drops a byte order mark only at the start of the part, and refuses a UTF-8 sequence cut off by plain ASCII', () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const body = Buffer.from('<x>a\ufeffb</x>');
    for (const size of [1, 2, 3, 4, 64]) expect(events(Buffer.concat([bom, body]), size)).toEqual(['open x r=- {}', 'text a\ufeffb', 'close x']);
    const cut = Buffer.concat([Buffer.from('<x>a'), Buffer.from([0xc3]), Buffer.from('b</x>')]);
    for (const size of [1, 4, 5]) expect(() => events(cut, size)).toThrow(expect.objectContaining({ code: 'CORRUPT_FILE' }) as Error);
  });

  it.each([
    ['a DOCTYPE', '<!DOCTYPE x [<!ENTITY a "b">]><x/>'],
    ['an unknown entity', '<x>&nbsp;</x>'],
    ['a bare ampersand', '<x>a & b</x>'],
    ['a character XML forbids', '<x>&#0;</x>'],
    ['an unquoted attribute', '<x a=1/>'],
    ['< in an attribute', '<x a="<"/>'],
    ['mismatched tags', '<x><y></x></y>'],
    ['a closing tag that only starts like the open one', '<x><yy></y></yy></x>'],
    ['a closing tag with nothing open', '<x/></x>'],
    ['an unclosed root', '<x><y/>'],
    ['two roots', '<x/><y/>'],
    ['text outside the root', 'hello <x/>'],
    ['nothing at all', '   '],
    ['a tag cut short', '<x><y a="1"'],
  ])('refuses %s as a damaged part', (_, xml) => {
    expect(failure(xml)).toMatchObject({ code: 'CORRUPT_FILE' });
    expect(failure(xml)).toBeInstanceOf(ImportError);
  });

  it('refuses a token longer than the limit without holding it whole', () => {
    const feed = new XmlFeed('part.xml', { open: () => undefined, close: () => undefined, text: () => undefined }, 1000);
    feed.write(Buffer.from('<x>'));
    expect(() => {
      for (let i = 0; i < 10; i += 1) feed.write(Buffer.from('y'.repeat(200)));
    }).toThrow(expect.objectContaining({ code: 'CELL_TOO_LARGE' }) as Error);
    const attribute = new XmlFeed('part.xml', { open: () => undefined, close: () => undefined, text: () => undefined }, 1000);
    expect(() => {
      attribute.write(Buffer.from('<x a="'));
      for (let i = 0; i < 10; i += 1) attribute.write(Buffer.from('y'.repeat(200)));
    }).toThrow(expect.objectContaining({ code: 'CELL_TOO_LARGE' }) as Error);
  });
});

describe('XmlFeed: end-of-line handling (XML 1.0 §2.11)', () => {
  it('a CRLF or a lone CR in text and CDATA reads as LF, at every chunk boundary; &#13; stays a CR', () => {
    const xml = '<t>a\r\nb\rc\r\n<![CDATA[d\r\ne]]>f&#13;&#10;g\r</t>';
    for (let chunk = 1; chunk <= xml.length; chunk += 1) {
      expect(events(xml, chunk)).toEqual(['open t r=- {}', 'text a\nb\nc\nd\nef\r\ng\n', 'close t']);
    }
  });
});
