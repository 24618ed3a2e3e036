import { assertAdmin, isAdmin, scopedUnit, type Principal } from '../auth/principal.js';
import { AppError, Conflict, NotFound } from '../errors/app-error.js';
import type { Clock } from '../infra/clock.js';
import type { Unit, UnitRepository } from '../store/unit.repository.js';

/** A name no unit has, where it cannot be added (UNITS_STRICT, or a key that may not add units). */
export class UnitUnknown extends AppError {
  readonly status = 422;
  readonly code = 'UNIT_UNKNOWN';
}

export class UnitNotFound extends NotFound {
  constructor(id: string) {
    super('UNIT_NOT_FOUND', `Business unit "${id}" does not exist.`);
  }
}

export interface UnitService {
  list(principal: Principal): Promise<Unit[]>;
  get(principal: Principal, id: string): Promise<Unit>;
  create(principal: Principal, name: string): Promise<Unit>;
  rename(principal: Principal, id: string, name: string): Promise<Unit>;
  remove(principal: Principal, id: string): Promise<void>;
  /**
   * The canonical name of the unit a name given with a request means (`marketing` → `Marketing`).
   * `mayAdd`: the request would make a resource in that unit, so an admin's new name adds the unit
   * (unless strict). A name no unit has is otherwise passed on as given when the key is limited to
   * a unit (its own checks answer 403 without telling which units exist) or when it only filters
   * (finding nothing), and refused (422, listing the units) when it would add one or under strict.
   */
  resolve(principal: Principal, name: string, mayAdd: boolean): Promise<string>;
}

export function createUnitService(deps: { repository: UnitRepository; clock: Clock; strict: boolean }): UnitService {
  const { repository, clock, strict } = deps;

  async function visible(principal: Principal): Promise<Unit[]> {
    const own = scopedUnit(principal);
    if (own === undefined) return repository.list();
    const unit = await repository.find(own);
    return unit && unit.name === own ? [unit] : [];
  }

  return {
    list: visible,

    async get(principal, id) {
      const unit = (await visible(principal)).find((candidate) => candidate.id === id);
      if (!unit) throw new UnitNotFound(id);
      return unit;
    },

    async create(principal, name) {
      assertAdmin(principal);
      const created = await repository.create(name, clock.now().toISOString());
      if (created === 'taken') throw new Conflict('UNIT_EXISTS', `A business unit named "${name}" (without regard to case) already exists.`);
      return created;
    },

    async rename(principal, id, name) {
      assertAdmin(principal);
      const renamed = await repository.rename(id, name);
      if (renamed === 'not-found') throw new UnitNotFound(id);
      if (renamed === 'taken') throw new Conflict('UNIT_EXISTS', `A business unit named "${name}" (without regard to case) already exists.`);
      return renamed;
    },

    async remove(principal, id) {
      assertAdmin(principal);
      const removed = await repository.remove(id);
      if (removed === 'not-found') throw new UnitNotFound(id);
      if (removed !== 'deleted') {
        const what = Object.entries(removed.references).map(([kind, count]) => `${String(count)} ${kind}`).join(', ');
        throw new Conflict('UNIT_IN_USE', `The business unit is still used by ${what}; move or delete them first.`, { references: removed.references });
      }
    },

    async resolve(principal, name, mayAdd) {
      const unit = await repository.find(name);
      if (unit) return unit.name;
      if (scopedUnit(principal) !== undefined) return name;
      if (mayAdd && isAdmin(principal) && !strict) return (await repository.ensure(name, clock.now().toISOString())).name;
      // A filter by a name nothing has finds nothing; only strict mode says so.
      if (!mayAdd && !strict) return name;
      const known = (await repository.list()).map((candidate) => candidate.name);
      throw new UnitUnknown(
        `There is no business unit "${name}"${strict ? ' (UNITS_STRICT is on)' : ''}. Known units: ${known.length === 0 ? 'none' : known.slice(0, 20).join(', ')}${known.length > 20 ? ', …' : ''}.`,
        { businessUnit: name, known: known.slice(0, 100) },
      );
    },
  };
}
