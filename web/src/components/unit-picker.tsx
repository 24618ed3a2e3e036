import { useState } from 'preact/hooks';
import { api, call } from '../api/client';
import { isAdmin } from '../auth';
import { useResource } from '../hooks';

// No unit is called this: names are trimmed.
const NEW = ' new';

/** What the API makes of a unit name: trimmed, inner runs of spaces one, case aside. */
function unitKey(name: string): string {
  return name.normalize('NFC').trim().replace(/ {2,}/g, ' ').toLowerCase();
}

/**
 * Chooses a business unit from GET /api/units. An admin may name a new one ("New unit…"), which
 * the API adds when the form is saved; a name that is an existing unit's in another case is
 * shown as that unit, as the API will take it. `emptyLabel`: an option for no unit at all.
 */
export function UnitPicker(props: {
  id: string;
  value: string;
  onChange: (value: string) => void;
  emptyLabel?: string;
  required?: boolean;
  disabled?: boolean;
  invalid?: boolean;
  describedBy?: string | undefined;
}) {
  const units = useResource(() => call(api.GET('/api/units')), []);
  const names = units.data?.items.map((unit) => unit.name) ?? [];
  const [adding, setAdding] = useState(false);
  // A unit the list does not have (an older account's): offered as it is.
  const shown = props.value !== '' && !adding && units.data !== undefined && !names.includes(props.value) ? [...names, props.value] : names;
  const same = adding && props.value.trim() !== '' ? names.find((name) => unitKey(name) === unitKey(props.value)) : undefined;

  return (
    <div class="unit-picker">
      <select
        id={props.id}
        value={adding ? NEW : props.value}
        required={props.required}
        disabled={props.disabled}
        aria-invalid={props.invalid}
        aria-describedby={props.describedBy}
        onChange={(event) => {
          const chosen = event.currentTarget.value;
          setAdding(chosen === NEW);
          props.onChange(chosen === NEW ? '' : chosen);
        }}
      >
        {props.emptyLabel !== undefined ? <option value="">{props.emptyLabel}</option> : <option value="" disabled>{units.data === undefined ? 'Loading units…' : 'Choose a unit…'}</option>}
        {shown.map((name) => (
          <option key={name} value={name}>{name}</option>
        ))}
        {isAdmin.value && <option value={NEW}>New unit…</option>}
      </select>
      {adding && (
        <>
          <input
            id={`${props.id}-new`}
            aria-label="New unit name"
            placeholder="New unit name"
            required
            maxLength={64}
            autoComplete="off"
            disabled={props.disabled}
            value={props.value}
            onInput={(event) => {
              props.onChange(event.currentTarget.value);
            }}
          />
          <small class="hint" role="status">
            {same !== undefined ? `That is the existing unit “${same}”.` : props.value.trim() === '' ? '' : 'A new unit, added when this is saved.'}
          </small>
        </>
      )}
    </div>
  );
}
