import { Type } from 'typebox';
import { BusinessUnit, DisplayName, Offset, StringEnum } from './common.schema.js';

/** A WHATWG encoding label: short, and only the characters labels are made of (checked against the standard's list by the service). */
export const EncodingLabel = Type.String({
  minLength: 1,
  maxLength: 40,
  pattern: '^[A-Za-z0-9._:-]+$',
  description: 'The text encoding of a CSV that is not UTF-8, as a WHATWG label (windows-1252, iso-8859-15, shift_jis…); the file is read in it. Ignored for .xlsx and for text with a byte order mark.',
});

export const ListFields = Type.Object(
  {
    name: Type.Optional(DisplayName()),
    phoneColumn: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'Header of the phone column; found by its name when omitted.' })),
    defaultCountry: Type.Optional(Type.String({ pattern: '^[A-Za-z]{2}$', description: 'ISO country for numbers without a country code; DEFAULT_COUNTRY when omitted.' })),
    businessUnit: Type.Optional(BusinessUnit),
    encoding: Type.Optional(EncodingLabel),
  },
  { additionalProperties: false },
);

/** For the OpenAPI document only: multipart bodies are streamed, not validated as a whole. */
export const ListUploadBody = Type.Object({
  file: Type.String({ format: 'binary', description: '.xlsx or .csv (type by content); first sheet, header row, one recipient per row.' }),
  name: Type.Optional(Type.String()),
  phoneColumn: Type.Optional(Type.String()),
  defaultCountry: Type.Optional(Type.String()),
  businessUnit: Type.Optional(Type.String()),
  encoding: Type.Optional(Type.String({ description: 'The text encoding of a CSV that is not UTF-8, as a WHATWG label (windows-1252, iso-8859-15, shift_jis…); the file is read in it. Ignored for .xlsx and for text with a byte order mark.' })),
});

const Counts = Type.Object({
  rows: Type.Integer({ description: 'Data rows read so far below the header, blank ones included.' }),
  valid: Type.Integer(),
  duplicates: Type.Integer(),
  invalid: Type.Integer(),
  blank: Type.Integer(),
});

export const ListResponse = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    purpose: StringEnum(['recipients', 'suppression'] as const, { description: 'suppression: an opt-out list, added to the unit\'s suppressions when imported.' }),
    createdForBlast: Type.Union([Type.String(), Type.Null()], {
      description: 'The blast whose recipientsFile this list was made from; null for a list uploaded on its own (POST /api/lists).',
    }),
    businessUnit: Type.String(),
    status: StringEnum(['importing', 'ready', 'failed'] as const),
    error: Type.Union([
      Type.Object({ code: Type.String(), message: Type.String(), details: Type.Optional(Type.Unknown()) }),
      Type.Null(),
    ]),
    fileName: Type.String(),
    fileSize: Type.Integer(),
    fileType: Type.Union([Type.String(), Type.Null()]),
    phoneColumn: Type.Union([Type.String(), Type.Null()]),
    defaultCountry: Type.String(),
    columns: Type.Array(
      Type.Object({ header: Type.String(), key: Type.String({ description: 'Use as {key} in a message template.' }) }),
      { description: 'The columns available as template variables (the phone column is {phone}).' },
    ),
    headerRow: Type.Union([Type.Integer(), Type.Null()]),
    counts: Counts,
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
    completedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  { $id: 'List' },
);

export const Page = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 1_000, default: 100 }),
    offset: Offset,
  },
  { additionalProperties: false },
);

export const RecipientItem = Type.Object({
  seq: Type.Integer({ description: "The recipient's place in the list (and in its blasts); increasing, not always consecutive." }),
  rowNumber: Type.Integer({ description: 'The row as the sheet shows it.' }),
  phone: Type.String({ description: 'E.164' }),
  vars: Type.Record(Type.String(), Type.String()),
});

export const RejectItem = Type.Object({
  rowNumber: Type.Integer({ description: 'The row as the sheet shows it.' }),
  rawValue: Type.String(),
  reason: StringEnum(['INVALID_PHONE', 'MISSING_PHONE', 'DUPLICATE'] as const),
  duplicateOfRow: Type.Union([Type.Integer(), Type.Null()], { description: 'For DUPLICATE: the row that was kept.' }),
  vars: Type.Record(Type.String(), Type.String(), { description: "The row's other cells by column key, as a recipient's (empty for rows rejected before they were kept)." }),
});
