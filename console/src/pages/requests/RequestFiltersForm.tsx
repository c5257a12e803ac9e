import { useState, type FormEvent } from "react";
import { emptyFilters, type RequestFilters } from "./requestQuery";

export interface RequestFiltersFormProps {
  initial: RequestFilters;
  /** An admin filters by user, key, route, engine, model and status too. */
  admin: boolean;
  onSearch: (filters: RequestFilters) => void;
}

type TextField = Exclude<keyof RequestFilters, "status">;

export function RequestFiltersForm({ initial, admin, onSearch }: RequestFiltersFormProps) {
  const [values, setValues] = useState(initial);
  const field = (name: TextField, label: string, type = "text") => (
    <div className="field">
      <label htmlFor={`filter-${name}`}>{label}</label>
      <input id={`filter-${name}`} type={type} value={values[name]} onChange={(e) => setValues({ ...values, [name]: e.target.value })} spellCheck={false} />
    </div>
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onSearch(values);
  };
  return (
    <form className="filters" onSubmit={submit} aria-label="Search requests">
      {admin ? field("userId", "User") : null}
      {admin ? field("keyId", "Key id") : null}
      {admin ? field("route", "Route") : null}
      {admin ? field("engine", "Engine") : null}
      {admin ? field("model", "Model") : null}
      {admin ? (
        <div className="field">
          <label htmlFor="filter-status">Status</label>
          <select id="filter-status" value={values.status} onChange={(e) => setValues({ ...values, status: e.target.value as RequestFilters["status"] })}>
            <option value="">any</option>
            <option value="complete">complete</option>
            <option value="incomplete">incomplete</option>
            <option value="failed">failed</option>
            <option value="rejected">rejected</option>
          </select>
        </div>
      ) : null}
      {field("traceId", "Trace id")}
      {field("from", "From (local time)", "datetime-local")}
      {field("to", "To (local time)", "datetime-local")}
      <div className="filter-actions">
        <button type="submit" className="primary">
          Search
        </button>
        <button
          type="button"
          onClick={() => {
            setValues(emptyFilters);
            onSearch(emptyFilters);
          }}
        >
          Clear
        </button>
      </div>
    </form>
  );
}
