import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { describeError } from './api/client';
import { onLiveEvent, type Frame } from './api/events';
import { notify } from './components/ui';

export interface Resource<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/** Loads data for a screen; reloads when `deps` change or on `reload()`. Keeps the last data while reloading. */
export function useResource<T>(load: () => Promise<T>, deps: readonly unknown[]): Resource<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [loading, setLoading] = useState(true);
  const [generation, setGeneration] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    let current = true;
    setLoading(true);
    loadRef.current().then(
      (value) => {
        if (!current) return;
        setData(value);
        setError(undefined);
        setLoading(false);
      },
      (reason: unknown) => {
        if (!current) return;
        setError(reason);
        setLoading(false);
      },
    );
    return () => {
      current = false;
    };
  }, [...deps, generation]);

  const reload = useCallback(() => {
    setGeneration((value) => value + 1);
  }, []);
  return { data, error, loading, reload };
}

/** Calls `handler` for each frame of the app-wide event stream while the component is mounted. */
export function useLiveEvents(handler: (frame: Frame) => void): void {
  const ref = useRef(handler);
  ref.current = handler;
  useEffect(() => onLiveEvent((frame) => {
    ref.current(frame);
  }), []);
}

/** Re-renders every `ms` (for countdowns and relative times). */
export function useTicker(ms: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => {
      setNow(Date.now());
    }, ms);
    return () => {
      clearInterval(timer);
    };
  }, [ms]);
  return now;
}

/** One confirmed action at a time on a table's rows: which row is busy, and `run` for a row. */
export interface RowAction {
  busy: string | undefined;
  /** Asks `question`; if confirmed, marks `row` busy while `work` runs and notifies the message it returns, or the error. */
  run(row: string, question: string, work: () => Promise<string>): Promise<void>;
}

export function useRowAction(): RowAction {
  const [busy, setBusy] = useState<string | undefined>(undefined);
  const run = useCallback(async (row: string, question: string, work: () => Promise<string>) => {
    if (!window.confirm(question)) return;
    setBusy(row);
    try {
      notify(await work());
    } catch (reason) {
      notify(describeError(reason), 'error');
    } finally {
      setBusy(undefined);
    }
  }, []);
  return { busy, run };
}
