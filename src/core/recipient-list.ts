/** A recipient list as the product shows it. */
export type ListStatus = 'importing' | 'ready' | 'failed';

export interface ListCounts {
  /** Data rows seen below the header (blank ones included). */
  rows: number;
  valid: number;
  duplicates: number;
  invalid: number;
  blank: number;
}

export interface ListColumn {
  /** As written in the sheet's header row. */
  header: string;
  /** The template variable it becomes: `{key}`. */
  key: string;
  /**
   * The longest value of the column among the list's recipients (UTF-16 units), kept by the
   * import so a message's longest rendering is known without reading the list. Absent for a
   * list still importing, or imported before it was kept.
   */
  maxLength?: number;
}

/** `suppression`: an uploaded opt-out list, whose numbers join the unit's suppressions once imported. */
export type ListPurpose = 'recipients' | 'suppression';

export interface RecipientList {
  id: string;
  name: string;
  purpose: ListPurpose;
  /** The blast whose upload made this list; null for a list uploaded on its own. */
  createdForBlast: string | null;
  businessUnit: string;
  status: ListStatus;
  error: { code: string; message: string; details?: unknown } | null;
  fileName: string;
  fileSize: number;
  fileType: 'xlsx' | 'csv' | null;
  phoneColumn: string | null;
  defaultCountry: string;
  columns: ListColumn[];
  headerRow: number | null;
  counts: ListCounts;
  createdAt: string;
  updatedAt: string;
  completedAt: string | null;
}

export type RejectReason = 'INVALID_PHONE' | 'MISSING_PHONE' | 'DUPLICATE';

export interface ListReject {
  rowNumber: number;
  rawValue: string;
  reason: RejectReason;
  duplicateOfRow: number | null;
  /** The row's other cells by column key, as a recipient's (empty for rows rejected before they were kept). */
  vars: Record<string, string>;
}

/** A reject as an import stores it: its other cells in the order of the list's columns, as NewRecipient.values. */
export interface NewReject extends Omit<ListReject, 'vars'> {
  values: string[];
}

export interface ListRecipient {
  seq: number;
  rowNumber: number;
  phone: string;
  vars: Record<string, string>;
}

/**
 * A recipient as an import stores it: the values of its variables in the order of the list's
 * columns (RecipientList.columns), which name them; stored so, a row does not repeat the names.
 */
export interface NewRecipient {
  seq: number;
  rowNumber: number;
  phone: string;
  values: string[];
}

export const EMPTY_COUNTS: Readonly<ListCounts> = Object.freeze({ rows: 0, valid: 0, duplicates: 0, invalid: 0, blank: 0 });
