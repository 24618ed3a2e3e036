/** The TypeScript types of an OpenAPI document, as web/src/api/schema.d.ts holds them. */
export function renderApiTypes(document: unknown): Promise<string>;
