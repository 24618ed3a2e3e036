import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderApiTypes } from '../../scripts/api-types-render.mjs';
import { e2eHarness } from '../support/e2e.js';
import { startApiProduct } from '../support/product.js';

const ADMIN = 'e2e-api-types-admin-key-0123456789abcdef';
const { environment, track } = e2eHarness(ADMIN, 'api-types');

describe('the console is typed against the API it is served with', () => {
  it('web/src/api/schema.d.ts matches the running api\'s OpenAPI document (else: npm run web:api-types)', async () => {
    const { product, url } = await startApiProduct('api', await environment());
    track(product);
    const document: unknown = await (await fetch(`${url}/api/docs/json`)).json();
    const committed = fs.readFileSync(path.resolve('web', 'src', 'api', 'schema.d.ts'), 'utf8');
    expect(committed).toBe(await renderApiTypes(document));
  });
});
