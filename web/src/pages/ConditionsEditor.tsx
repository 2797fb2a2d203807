// Rows of conditions {field, min, max} for the offer and counter-offer forms.

export interface ConditionRow {
  field: string;
  min: string;
  max: string;
}

export const SENSOR_FIELDS = ['temperature', 'humidity', 'pressure'];

export function ConditionsEditor({
  rows,
  onChange,
  label = 'Conditions on the goods',
}: {
  rows: ConditionRow[];
  onChange: (rows: ConditionRow[]) => void;
  label?: string;
}) {
  const set = (i: number, patch: Partial<ConditionRow>) =>
    onChange(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <fieldset className="conditions">
      <legend>{label}</legend>
      {rows.length === 0 ? <p className="muted small">None.</p> : null}
      {rows.map((r, i) => (
        <div className="condition-row" key={i}>
          <input
            aria-label="condition field"
            list="sensor-fields"
            value={r.field}
            onChange={(e) => set(i, { field: e.target.value })}
            placeholder="field"
          />
          <span className="muted">between</span>
          <input
            aria-label="minimum"
            type="number"
            step="any"
            value={r.min}
            onChange={(e) => set(i, { min: e.target.value })}
            placeholder="min"
          />
          <span className="muted">and</span>
          <input
            aria-label="maximum"
            type="number"
            step="any"
            value={r.max}
            onChange={(e) => set(i, { max: e.target.value })}
            placeholder="max"
          />
          <button
            type="button"
            className="ghost small"
            onClick={() => onChange(rows.filter((_, j) => j !== i))}
          >
            Remove
          </button>
        </div>
      ))}
      <button
        type="button"
        className="ghost small"
        onClick={() => onChange([...rows, { field: '', min: '', max: '' }])}
      >
        + Add condition
      </button>
      <datalist id="sensor-fields">
        {SENSOR_FIELDS.map((f) => (
          <option key={f} value={f} />
        ))}
      </datalist>
    </fieldset>
  );
}

/** Rows as ConditionInput, or an error message for the first incomplete row. */
export function toConditions(rows: ConditionRow[]): { field: string; min: number; max: number }[] | string {
  const out: { field: string; min: number; max: number }[] = [];
  for (const r of rows) {
    const field = r.field.trim();
    if (!field) return 'every condition needs a field';
    const min = Number(r.min);
    const max = Number(r.max);
    if (r.min.trim() === '' || r.max.trim() === '' || !Number.isFinite(min) || !Number.isFinite(max))
      return `condition ${field}: min and max must be numbers`;
    out.push({ field, min, max });
  }
  return out;
}
