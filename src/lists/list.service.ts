import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { assertCanWriteUnit, canSee, scopedUnit, type Principal } from '../auth/principal.js';
import { isValidCountry } from '../core/phone.js';
import type { ListPurpose, ListStatus, RecipientList } from '../core/recipient-list.js';
import { Conflict, NotFound, ValidationFailed } from '../errors/app-error.js';
import type { Clock } from '../infra/clock.js';
import { BlobTooLarge, type StagedBlob } from '../store/blob.repository.js';
import type { ListOrigin } from '../store/list.repository.js';
import type { Store } from '../store/store.js';
import type { ImportQueue } from './import-queue.js';
import { UploadRejected, assertSpreadsheetHead } from './upload-check.js';
import { encodingOf, transcodeUpload } from './upload-encoding.js';

export interface ListUpload {
  stream: Readable;
  fileName: string;
}

export interface CreateListInput {
  purpose?: ListPurpose;
  /** The blast whose upload this is (set by the blast service, never by a client). */
  createdForBlast?: string;
  name?: string | undefined;
  phoneColumn?: string | undefined;
  defaultCountry?: string | undefined;
  businessUnit?: string | undefined;
  /** The text encoding of a CSV that is not UTF-8 (a WHATWG label, e.g. windows-1252). */
  encoding?: string | undefined;
}

export class ListNotFound extends NotFound {
  constructor(id: string) {
    super('LIST_NOT_FOUND', `List "${id}" does not exist.`);
  }
}

/**
 * Recipient lists. The api only stores the upload (by content hash) and queues the import; the
 * worker parses it. A list is visible to keys of its business unit.
 */
export function createListService(deps: { store: Store; imports: ImportQueue; clock: Clock; defaultCountry: string; maxUploadBytes: number }) {
  const { store, clock } = deps;

  async function visible(principal: Principal, id: string): Promise<RecipientList & { blobSha256: string }> {
    const list = await store.lists.get(id);
    if (!list || !canSee(principal, list.businessUnit)) throw new ListNotFound(id);
    return list;
  }

  return {
    /** Checks what can be checked without the file. */
    validate(principal: Principal, input: CreateListInput): { businessUnit: string; defaultCountry: string; encoding: string | undefined } {
      const businessUnit = input.businessUnit ?? scopedUnit(principal);
      const problems: { field: string; message: string }[] = [];
      if (businessUnit === undefined) problems.push({ field: 'businessUnit', message: 'is required for a key of every unit' });
      const defaultCountry = (input.defaultCountry ?? deps.defaultCountry).toUpperCase();
      if (!isValidCountry(defaultCountry)) problems.push({ field: 'defaultCountry', message: `"${defaultCountry}" is not a supported ISO country code` });
      const encoding = input.encoding === undefined ? undefined : encodingOf(input.encoding);
      if (input.encoding !== undefined && encoding === undefined) {
        problems.push({ field: 'encoding', message: 'is not an encoding label of the WHATWG Encoding Standard (e.g. windows-1252, iso-8859-15, shift_jis)' });
      }
      if (problems.length > 0 || businessUnit === undefined) throw new ValidationFailed('The list request is invalid.', problems);
      assertCanWriteUnit(principal, businessUnit);
      return { businessUnit, defaultCountry, encoding };
    },

    /**
     * Makes the list of a staged upload and queues its import: answers at once, the worker does
     * the reading. The upload becomes a blob only once the list refers to it; a refused one is the
     * caller's to discard.
     */
    async create(principal: Principal, input: CreateListInput, blob: StagedBlob, fileName: string, requestId?: string): Promise<RecipientList> {
      const { businessUnit, defaultCountry, encoding } = this.validate(principal, input);
      assertSpreadsheetHead(blob.head, blob.size, encoding);
      // A named encoding: the text is stored as UTF-8 (transcodeUpload), which the importer reads.
      const upload = encoding === undefined ? blob : await transcodeUpload(store.blobs, blob, encoding, { maxBytes: deps.maxUploadBytes, now: clock.now().toISOString() });
      try {
        return await this.store(principal, { ...input, businessUnit, defaultCountry }, upload, fileName, requestId);
      } catch (error) {
        // The caller discards the upload it staged; the UTF-8 copy made here is this one's to discard (a no-op once committed).
        if (upload !== blob) await store.blobs.discard(upload);
        throw error;
      }
    },

    /** create, once the request is checked and the upload is what the importer will read. */
    async store(principal: Principal, input: CreateListInput & { businessUnit: string; defaultCountry: string }, blob: StagedBlob, fileName: string, requestId?: string): Promise<RecipientList> {
      const { businessUnit, defaultCountry } = input;
      assertSpreadsheetHead(blob.head, blob.size);
      const id = randomUUID();
      await store.lists.create({
        id,
        name: input.name ?? fileName,
        purpose: input.purpose ?? 'recipients',
        businessUnit,
        fileName,
        fileSize: blob.size,
        blobSha256: blob.sha256,
        phoneColumn: input.phoneColumn ?? null,
        defaultCountry,
        createdAt: clock.now().toISOString(),
        createdForBlast: input.createdForBlast ?? null,
      });
      try {
        await store.blobs.commit(blob, clock.now().toISOString());
      } catch (error) {
        await store.lists.delete(id);
        throw error;
      }
      // Queued now if it is the unit's next import; else when the unit's imports before it have ended.
      await deps.imports.admit(businessUnit, requestId);
      const created = await store.lists.get(id);
      if (!created) throw new ListNotFound(id);
      return created;
    },

    /**
     * validate, with the fields sent before the file: the unit may still come after it (a
     * multipart's fields may follow its file), so without one only the rest is checked.
     */
    precheck(principal: Principal, input: CreateListInput): void {
      if ((input.businessUnit ?? scopedUnit(principal)) !== undefined) this.validate(principal, input);
    },

    /** Reads an upload in, staged: it is no blob until a list is made of it (create). */
    async stageUpload(upload: ListUpload): Promise<StagedBlob> {
      try {
        return await store.blobs.stage(upload.stream, { maxBytes: deps.maxUploadBytes, now: clock.now().toISOString() });
      } catch (error) {
        if (error instanceof BlobTooLarge) throw new UploadRejected('UPLOAD_TOO_LARGE', `The file is larger than ${deps.maxUploadBytes} bytes.`, 413);
        throw error;
      }
    },

    discardUpload: (staged: StagedBlob): Promise<void> => store.blobs.discard(staged),

    get: (principal: Principal, id: string): Promise<RecipientList> => visible(principal, id),

    list(
      principal: Principal,
      filter: { businessUnit?: string | undefined; purpose?: ListPurpose | undefined; status?: ListStatus | undefined; origin?: ListOrigin | undefined; limit: number; offset: number },
    ) {
      const unit = scopedUnit(principal);
      if (unit !== undefined && filter.businessUnit !== undefined && filter.businessUnit !== unit) {
        return Promise.resolve({ items: [], total: 0 });
      }
      return store.lists.list({ ...filter, businessUnit: unit ?? filter.businessUnit });
    },

    async recipients(principal: Principal, id: string, page: { limit: number; offset: number }) {
      await visible(principal, id);
      return store.lists.recipients(id, page);
    },

    async rejects(principal: Principal, id: string, page: { limit: number; offset: number }) {
      await visible(principal, id);
      return store.lists.rejects(id, page);
    },

    async delete(principal: Principal, id: string): Promise<void> {
      const list = await visible(principal, id);
      const blasts = await store.blasts.unfinishedForList(id);
      if (blasts.length > 0) {
        throw new Conflict('LIST_IN_USE', 'A blast that has not ended sends to this list; cancel it or let it finish first.', { blastIds: blasts });
      }
      await store.lists.delete(id);
      // Its file, unless another list importing has the same content.
      await store.blobs.deleteUnreferenced(list.blobSha256);
    },
  };
}

export type ListService = ReturnType<typeof createListService>;
