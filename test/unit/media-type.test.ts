import { describe, expect, it } from 'vitest';
import { MEDIA_HEAD_BYTES, sniffMedia } from '../../src/core/media-type.js';

/** Bytes written as a latin1 string, padded to a realistic head length with filler. */
function head(start: string | Buffer, fill = 0x00, length = 64): Buffer {
  const bytes = typeof start === 'string' ? Buffer.from(start, 'latin1') : start;
  return Buffer.concat([bytes, Buffer.alloc(Math.max(0, length - bytes.length), fill)]);
}

/** An ISO base media ftyp box with its compatible brands, then the start of an mdat box. */
function ftyp(major: string, ...compatible: string[]): Buffer {
  const size = Buffer.alloc(4);
  size.writeUInt32BE(16 + 4 * compatible.length);
  return head(Buffer.concat([size, Buffer.from(`ftyp${major}\0\0\0\0${compatible.join('')}`, 'latin1'), Buffer.from('\0\0\0\x08mdat', 'latin1')]));
}

/** A zip local file header for `name` followed by `content` stored as is. */
function zipEntry(name: string, content = 'x', flags = 0): Buffer {
  const header = Buffer.alloc(30);
  header.write('PK\x03\x04', 0, 'latin1');
  header.writeUInt16LE(20, 4);
  header.writeUInt16LE(flags, 6);
  // Bit 3: sizes follow the data, as streaming writers do; the header leaves them zero.
  header.writeUInt32LE(flags & 8 ? 0 : content.length, 18);
  header.writeUInt32LE(flags & 8 ? 0 : content.length, 22);
  header.writeUInt16LE(Buffer.byteLength(name), 26);
  return Buffer.concat([header, Buffer.from(name), Buffer.from(content, 'latin1')]);
}

const OLE_MAGIC = '\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1';

/** An OLE2 head whose directory sector, at 512, names `stream`. */
function ole(stream?: string, classId?: Buffer): Buffer {
  const file = Buffer.alloc(1536);
  file.write(OLE_MAGIC, 0, 'latin1');
  file.write('Root Entry', 512, 'utf16le');
  classId?.copy(file, 512 + 0x50);
  if (stream !== undefined) file.write(stream, 640, 'utf16le');
  return file;
}

describe('sniffMedia: images', () => {
  it.each([
    ['JPEG', head('\xFF\xD8\xFF\xE0\0\x10JFIF\0'), { kind: 'image', mimetype: 'image/jpeg', extension: 'jpg' }],
    ['PNG', head('\x89PNG\r\n\x1A\n\0\0\0\rIHDR'), { kind: 'image', mimetype: 'image/png', extension: 'png' }],
    ['GIF89a', head('GIF89a\x01\0\x01\0'), { kind: 'image', mimetype: 'image/gif', extension: 'gif' }],
    ['GIF87a', head('GIF87a\x01\0\x01\0'), { kind: 'image', mimetype: 'image/gif', extension: 'gif' }],
    ['WebP', head('RIFF\x24\0\0\0WEBPVP8 '), { kind: 'image', mimetype: 'image/webp', extension: 'webp' }],
  ])('%s', (_, bytes, expected) => {
    expect(sniffMedia(bytes)).toEqual(expected);
  });

  it('a RIFF that is not WebP (a WAV) is refused', () => {
    expect(sniffMedia(head('RIFF\x24\0\0\0WAVEfmt '))).toBeUndefined();
  });
});

describe('sniffMedia: video', () => {
  it.each([
    ['MP4 (isom)', ftyp('isom', 'isom', 'iso2', 'avc1', 'mp41'), 'video/mp4', 'mp4'],
    ['MP4 (mp42)', ftyp('mp42', 'mp42', 'isom'), 'video/mp4', 'mp4'],
    ['M4V', ftyp('M4V ', 'M4V ', 'M4A ', 'mp42', 'isom'), 'video/x-m4v', 'm4v'],
    ['QuickTime', ftyp('qt  ', 'qt  '), 'video/quicktime', 'mov'],
    ['3GP', ftyp('3gp4', '3gp4', '3gp5', 'isom'), 'video/3gpp', '3gp'],
    ['3G2', ftyp('3g2a', '3g2a'), 'video/3gpp2', '3g2'],
    ['an unknown major brand with MP4 compatible brands', ftyp('XAVC', 'XAVC', 'mp42', 'iso2'), 'video/mp4', 'mp4'],
  ])('%s', (_, bytes, mimetype, extension) => {
    expect(sniffMedia(bytes)).toEqual({ kind: 'video', mimetype, extension });
  });

  it('WebM by the EBML DocType', () => {
    const ebml = '\x1A\x45\xDF\xA3\x9F\x42\x86\x81\x01\x42\xF7\x81\x01\x42\xF2\x81\x04\x42\xF3\x81\x08\x42\x82\x84webm\x42\x87\x81\x04';
    expect(sniffMedia(head(ebml))).toEqual({ kind: 'video', mimetype: 'video/webm', extension: 'webm' });
    // ffmpeg writes the header size as an 8-byte integer.
    const wide = '\x1A\x45\xDF\xA3\x01\0\0\0\0\0\0\x23\x42\x86\x81\x01\x42\x82\x88webm\0\0\0\0';
    expect(sniffMedia(head(wide))).toEqual({ kind: 'video', mimetype: 'video/webm', extension: 'webm' });
  });

  it.each([
    ['Matroska', head('\x1A\x45\xDF\xA3\x9F\x42\x86\x81\x01\x42\x82\x88matroska')],
    ['HEIC still', ftyp('heic', 'mif1', 'heic')],
    ['AVIF still', ftyp('avif', 'avif', 'mif1', 'miaf')],
    ['M4A audio', ftyp('M4A ', 'M4A ', 'mp42', 'isom')],
    ['unknown brand, HEIF among the compatible', ftyp('abcd', 'mif1', 'isom')],
    ['unknown brands only', ftyp('abcd', 'efgh')],
  ])('%s is refused', (_, bytes) => {
    expect(sniffMedia(bytes)).toBeUndefined();
  });
});

describe('sniffMedia: documents', () => {
  const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
  const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
  const PPTX = 'application/vnd.openxmlformats-officedocument.presentationml.presentation';

  it('PDF', () => {
    expect(sniffMedia(head('%PDF-1.7\n%\xE2\xE3\xCF\xD3\n'))).toEqual({ kind: 'document', mimetype: 'application/pdf', extension: 'pdf' });
  });

  it.each([
    ['docx', [zipEntry('[Content_Types].xml', '\x78\x9C compressed'), zipEntry('_rels/.rels'), zipEntry('word/document.xml')], DOCX, 'docx'],
    ['xlsx', [zipEntry('[Content_Types].xml'), zipEntry('_rels/.rels'), zipEntry('xl/workbook.xml')], XLSX, 'xlsx'],
    ['pptx', [zipEntry('[Content_Types].xml'), zipEntry('ppt/presentation.xml')], PPTX, 'pptx'],
    ['xlsx streamed (sizes after the data)', [zipEntry('[Content_Types].xml', '\x01\x02\x03', 8), zipEntry('xl/workbook.xml', '', 8)], XLSX, 'xlsx'],
    ['docx with only an uncompressed [Content_Types].xml in the head',
      [zipEntry('[Content_Types].xml', `<Override PartName="/word/document.xml" ContentType="${DOCX}.main+xml"/>`)], DOCX, 'docx'],
    ['a plain zip', [zipEntry('photos/a.jpg'), zipEntry('readme.txt')], 'application/zip', 'zip'],
    ['a zip holding only a compressed [Content_Types].xml', [zipEntry('[Content_Types].xml', '\x78\x9C')], 'application/zip', 'zip'],
  ])('%s', (_, entries, mimetype, extension) => {
    expect(sniffMedia(Buffer.concat(entries))).toEqual({ kind: 'document', mimetype, extension });
  });

  it.each([
    ['doc', ole('WordDocument'), 'application/msword', 'doc'],
    ['xls', ole('Workbook'), 'application/vnd.ms-excel', 'xls'],
    ['ppt', ole('PowerPoint Document'), 'application/vnd.ms-powerpoint', 'ppt'],
    ['OLE2 with its directory past the head', head(OLE_MAGIC), 'application/x-ole-storage', 'cfb'],
  ])('legacy Office: %s', (_, bytes, mimetype, extension) => {
    expect(sniffMedia(bytes)).toEqual({ kind: 'document', mimetype, extension });
  });

  it('an OLE2 Windows Installer package is refused', () => {
    const msi = Buffer.from([0x84, 0x10, 0x0c, 0, 0, 0, 0, 0, 0xc0, 0, 0, 0, 0, 0, 0, 0x46]);
    expect(sniffMedia(ole(undefined, msi))).toBeUndefined();
  });
});

describe('sniffMedia: plain text', () => {
  const TEXT = { kind: 'document', mimetype: 'text/plain', extension: 'txt' };

  it.each([
    ['ASCII', 'phone,name\r\n628123,Budi\r\n'],
    ['Arabic and emoji', 'مرحبا 👋 Promo 🎉🔥\n'],
    ['with a UTF-8 BOM', '\uFEFFnama,nomor\n'],
    ['an email-style text with < further in', 'Dear a <b@example.com>\n'],
  ])('%s', (_, text) => {
    expect(sniffMedia(Buffer.from(text, 'utf8'))).toEqual(TEXT);
  });

  it('a head cut inside a multi-byte character, from a longer file, is still text', () => {
    const long = Buffer.from('😀'.repeat(MEDIA_HEAD_BYTES), 'utf8').subarray(0, MEDIA_HEAD_BYTES + 1);
    expect(long.length % 4).not.toBe(0);
    expect(sniffMedia(long)).toEqual(TEXT);
  });

  it.each([
    ['a NUL byte', Buffer.from('abc\0def')],
    ['invalid UTF-8', Buffer.from('caf\xE9 latin1', 'latin1')],
    ['a whole short file ending inside a character', Buffer.from('ok \xF0\x9F\x98', 'latin1')],
    ['UTF-16 text', Buffer.from('\uFEFFhello', 'utf16le')],
    ['an empty file', Buffer.alloc(0)],
    ['a lone BOM', Buffer.from('\uFEFF', 'utf8')],
  ])('%s is refused', (_, bytes) => {
    expect(sniffMedia(bytes)).toBeUndefined();
  });
});

describe('sniffMedia: programs and markup are refused', () => {
  it.each([
    ['a Windows executable (MZ)', head('MZ\x90\0\x03\0\0\0\x04\0\0\0\xFF\xFF')],
    ['an ELF binary', head('\x7FELF\x02\x01\x01\0')],
    ['a shell script', Buffer.from('#!/bin/sh\ncurl http://x | sh\n')],
    ['a script behind a BOM', Buffer.from('\uFEFF#!/usr/bin/env python3\nprint(1)\n')],
    ['a text file that starts with MZ', Buffer.from('MZ text that would pass as UTF-8\n')],
    ['HTML', Buffer.from('<!DOCTYPE html><html><script>alert(1)</script></html>')],
    ['HTML after whitespace', Buffer.from('\r\n\t  <html><body>hi</body></html>')],
    ['HTML after a BOM', Buffer.from('\uFEFF<html></html>')],
    ['SVG', Buffer.from('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>x()</script></svg>')],
    ['a Mach-O binary', head('\xCF\xFA\xED\xFE\x07\0\0\x01')],
    ['unknown binary', head('\x00\x01\x02\x03', 0xff)],
  ])('%s', (_, bytes) => {
    expect(sniffMedia(bytes)).toBeUndefined();
  });
});
