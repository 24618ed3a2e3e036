/** An error kept in three columns (code, message, JSON details), as lists and blasts store theirs. */
export function storedError(row: { error_code: string | null; error_message: string | null; error_details: string | null }): {
  code: string;
  message: string;
  details?: unknown;
} | null {
  if (row.error_code === null) return null;
  return {
    code: row.error_code,
    message: row.error_message ?? '',
    ...(row.error_details === null ? {} : { details: JSON.parse(row.error_details) as unknown }),
  };
}
