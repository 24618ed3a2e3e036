import { describe, expect, it } from 'vitest';
import { buildColumns, columnKey, columnLetters, detectPhoneColumn } from '../../../src/core/columns.js';

describe('columnKey', () => {
  it.each([
    ['Name', 'name'],
    ['  First Name ', 'first_name'],
    ['Número de Cliente', 'numero_de_cliente'],
    ['E-mail Address!', 'e_mail_address'],
    ['__Total (IDR)__', 'total_idr'],
    ['Straße', 'strasse'],
    ['Ｎａｍｅ', 'name'],
    ['İl Adı', 'il_adi'],
    ['2024 Sales', '2024_sales'],
    ['Tgl. Lahir / DOB', 'tgl_lahir_dob'],
  ])('%j → %j', (header, key) => {
    expect(columnKey(header)).toBe(key);
  });

  it('gives a header with nothing usable the letter of its column, when told the position', () => {
    expect(columnKey('', 3)).toBe('column_c');
    expect(columnKey('الاسم', 28)).toBe('column_ab');
    expect(columnKey('***')).toBe('');
    expect(columnKey('Name', 3)).toBe('name');
  });
});

describe('columnLetters', () => {
  it('counts like a spreadsheet', () => {
    expect([1, 2, 26, 27, 52, 53, 702, 703].map(columnLetters)).toEqual(['A', 'B', 'Z', 'AA', 'AZ', 'BA', 'ZZ', 'AAA']);
  });
});

describe('buildColumns', () => {
  it('gives each column a unique key, 0-based index and its header as written', () => {
    expect(buildColumns(['Phone', 'Name', 'Name', '', 'Name 2', 'Kota'])).toEqual([
      { index: 0, header: 'Phone', key: 'phone' },
      { index: 1, header: 'Name', key: 'name' },
      // `name_2` belongs to the real "Name 2" column further right.
      { index: 2, header: 'Name', key: 'name_3' },
      { index: 3, header: '', key: 'column_d' },
      { index: 4, header: 'Name 2', key: 'name_2' },
      { index: 5, header: 'Kota', key: 'kota' },
    ]);
  });

  it('numbers headers that differ only in case, accents or punctuation', () => {
    expect(buildColumns(['Email', 'E-mail', 'EMAIL', 'Émail']).map((column) => column.key)).toEqual(['email', 'e_mail', 'email_2', 'email_3']);
  });

  it('keeps blank-header keys unique even against a real "Column A"', () => {
    expect(buildColumns(['', 'Column A', '   ']).map((column) => column.key)).toEqual(['column_a', 'column_a_2', 'column_c']);
  });

  it('numbers 16,383 identical headers in one pass (a quadratic numbering took 15 s)', () => {
    const headers = Array.from({ length: 16_383 }, () => 'a');
    const started = performance.now();
    const keys = buildColumns(headers).map((column) => column.key);
    const elapsedMs = performance.now() - started;
    expect(keys.slice(0, 3)).toEqual(['a', 'a_2', 'a_3']);
    expect(keys.at(-1)).toBe('a_16383');
    expect(new Set(keys).size).toBe(headers.length);
    // ~15 ms here; the quadratic numbering took ~15 s. Far below a second even on a busy machine.
    expect(elapsedMs).toBeLessThan(500);
  });

  it('still skips the keys of real columns when numbering resumes', () => {
    expect(buildColumns(['a', 'a', 'a_3', 'a', 'a_2_x', 'a']).map((column) => column.key)).toEqual(['a', 'a_2', 'a_3', 'a_4', 'a_2_x', 'a_5']);
    expect(buildColumns(['x', 'x_2', 'x', 'x_2', 'x']).map((column) => column.key)).toEqual(['x', 'x_2', 'x_3', 'x_2_2', 'x_4']);
  });
});

describe('detectPhoneColumn by name', () => {
  const NAMES = [
    'phone', 'phone number', 'phone no', 'telephone', 'tel', 'number', 'mobile', 'mobile number', 'mobile phone',
    'cell', 'cellphone', 'whatsapp', 'whatsapp number', 'wa', 'no wa', 'nomor wa', 'msisdn', 'no hp', 'nomor hp',
    'no. hp', 'hp', 'telepon', 'telp', 'no telp', 'nomor telepon', 'handphone', 'contact', 'contact number', 'kontak',
    'numero', 'número', 'telefono', 'teléfono', 'celular', 'movil', 'móvil', 'telefone', 'رقم الهاتف', 'جوال', 'هاتف',
  ];

  it.each(NAMES)('finds a column called %j', (name) => {
    expect(detectPhoneColumn(['Nama', 'Alamat', name, 'Kota'])).toEqual({ index: 2 });
  });

  it('ignores case, spaces and punctuation', () => {
    expect(detectPhoneColumn(['NAMA', ' No. HP '])).toEqual({ index: 1 });
    expect(detectPhoneColumn(['Name', 'WhatsApp_Number'])).toEqual({ index: 1 });
    expect(detectPhoneColumn(['Name', 'Phone #'])).toEqual({ index: 1 });
    expect(detectPhoneColumn(['Name', 'whats-app'])).toEqual({ index: 1 });
    expect(detectPhoneColumn(['Name', 'MOBILE-PHONE'])).toEqual({ index: 1 });
  });

  it('falls back to a header that contains a phone word', () => {
    expect(detectPhoneColumn(['Name', 'Customer Phone'])).toEqual({ index: 1 });
    expect(detectPhoneColumn(['Nama', 'No. HP Pasien'])).toEqual({ index: 1 });
    expect(detectPhoneColumn(['Nama', 'Telp Rumah'])).toEqual({ index: 1 });
    expect(detectPhoneColumn(['Nama', 'Nº Telefone'])).toEqual({ index: 1 });
    expect(detectPhoneColumn(['الاسم', 'رقم الجوال'])).toEqual({ index: 1 });
  });

  it('prefers a whole-header name to a header that merely contains one', () => {
    expect(detectPhoneColumn(['Phone Verified', 'Phone'])).toEqual({ index: 1 });
    expect(detectPhoneColumn(['Customer Phone', 'Number'])).toEqual({ index: 1 });
  });

  it('prefers WhatsApp to mobile to phone to the vaguer "number" or "contact"', () => {
    expect(detectPhoneColumn(['Phone', 'WhatsApp'])).toEqual({ index: 1 });
    expect(detectPhoneColumn(['Telepon', 'No HP', 'No WA'])).toEqual({ index: 2 });
    expect(detectPhoneColumn(['Number', 'Contact', 'Telephone'])).toEqual({ index: 2 });
    expect(detectPhoneColumn(['Home Phone', 'WhatsApp Pasien'])).toEqual({ index: 1 });
  });

  it('takes the leftmost of equally good columns', () => {
    expect(detectPhoneColumn(['Phone', 'Telephone'])).toEqual({ index: 0 });
    expect(detectPhoneColumn(['Home Phone', 'Office Phone'])).toEqual({ index: 0 });
  });

  it('does not mistake words that merely contain a short name', () => {
    const headers = ['Name', 'Shipping Address', 'Hotel', 'Cellar', 'Wax Type', '', 'Nomor Urut'];
    expect(detectPhoneColumn(headers)).toEqual({
      error: 'NO_PHONE_COLUMN',
      seen: ['Name', 'Shipping Address', 'Hotel', 'Cellar', 'Wax Type', 'Nomor Urut'],
    });
  });
});

describe('detectPhoneColumn with a requested column', () => {
  it('takes the requested column over a better-named one', () => {
    expect(detectPhoneColumn(['Name', 'Contact', 'HP'], 'contact')).toEqual({ index: 1 });
  });

  it('matches the header or the key loosely', () => {
    const headers = ['Name', 'No. HP', 'Phone', 'Phone', ''];
    expect(detectPhoneColumn(headers, ' no hp ')).toEqual({ index: 1 });
    expect(detectPhoneColumn(headers, 'no_hp')).toEqual({ index: 1 });
    expect(detectPhoneColumn(headers, 'NO.HP')).toEqual({ index: 1 });
    expect(detectPhoneColumn(headers, 'phone_2')).toEqual({ index: 3 });
    expect(detectPhoneColumn(headers, 'column_e')).toEqual({ index: 4 });
  });

  it('reports a requested column that is not there, with the headers seen', () => {
    expect(detectPhoneColumn(['Name', 'HP'], 'WhatsApp')).toEqual({ error: 'PHONE_COLUMN_NOT_FOUND', seen: ['Name', 'HP'] });
  });

  it('treats a blank request as none', () => {
    expect(detectPhoneColumn(['Name', 'HP'], '  ')).toEqual({ index: 1 });
  });
});
