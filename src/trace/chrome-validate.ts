/**
 * A validator for Chrome Trace Event JSON: the checks a viewer needs to draw a trace the way
 * its author meant (the Trace Event Format document, and Perfetto's importer, which moves
 * badly nested slices to an overflow track and drops unmatched ends).
 *
 * | check                 | rule                                                               |
 * |-----------------------|--------------------------------------------------------------------|
 * | container             | a bare array, or an object whose `traceEvents` is an array         |
 * | required fields       | `ph` known, `name` a string, `pid`/`tid` integers, `ts` >= 0       |
 * | per phase             | `X` has `dur` >= 0; `b`/`e` have `cat` + `id`; `s`/`f` have `id`;  |
 * |                       | `C` has numeric `args`; `M` names a process or thread; `i` scope   |
 * | slices per `pid/tid`  | `B`/`E` match by name and nest strictly, together with `X` slices |
 * | async slices          | every `e` closes an earlier `b` of the same `cat`, `id` and name   |
 * | flows                 | every `f` follows an `s` of the same `cat` and `id`                |
 */

/** The most problems reported; one bad trace can have thousands. */
export const VALIDATE_PROBLEMS_MAX = 50;

const PHASES = new Set(['B', 'E', 'X', 'i', 'I', 'b', 'e', 'n', 's', 't', 'f', 'C', 'M']);
const METADATA = new Set([
  'process_name',
  'process_labels',
  'process_sort_index',
  'thread_name',
  'thread_sort_index',
]);

type Ev = Readonly<Record<string, unknown>>;

interface Interval {
  readonly start: number;
  readonly end: number;
  readonly name: string;
}

function isObject(x: unknown): x is Ev {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function fieldProblems(e: Ev, where: string): string[] {
  const out: string[] = [];
  const ph = e['ph'];
  if (typeof ph !== 'string' || !PHASES.has(ph)) return [`${where}: unknown ph ${String(ph)}`];
  if (ph !== 'E' && typeof e['name'] !== 'string') out.push(`${where}: name is not a string`);
  for (const key of ['pid', 'tid'] as const) {
    if (!Number.isInteger(e[key])) out.push(`${where}: ${key} is not an integer`);
  }
  const ts = e['ts'];
  if (typeof ts !== 'number' || !Number.isFinite(ts) || ts < 0) {
    out.push(`${where}: ts is not a number >= 0`);
  }
  out.push(...phaseProblems(ph, e, where));
  return out;
}

function phaseProblems(ph: string, e: Ev, where: string): string[] {
  const dur = e['dur'];
  const hasId = typeof e['id'] === 'string' || typeof e['id'] === 'number';
  if (ph === 'X' && (typeof dur !== 'number' || !(dur >= 0)))
    return [`${where}: X without dur >= 0`];
  if ((ph === 'b' || ph === 'e' || ph === 'n') && (!hasId || typeof e['cat'] !== 'string')) {
    return [`${where}: async ${ph} needs cat and id`];
  }
  if ((ph === 's' || ph === 't' || ph === 'f') && !hasId) return [`${where}: flow ${ph} needs id`];
  if (
    (ph === 'i' || ph === 'I') &&
    e['s'] !== undefined &&
    !['g', 'p', 't'].includes(String(e['s']))
  ) {
    return [`${where}: instant scope must be g, p or t`];
  }
  if (ph === 'C') {
    const args = e['args'];
    if (!isObject(args) || Object.values(args).some((v) => typeof v !== 'number')) {
      return [`${where}: counter args must be numbers`];
    }
  }
  if (ph === 'M') {
    const name = String(e['name']);
    if (!METADATA.has(name)) return [`${where}: unknown metadata ${name}`];
    const args = e['args'];
    if (name.endsWith('_name') && (!isObject(args) || typeof args['name'] !== 'string')) {
      return [`${where}: ${name} needs args.name`];
    }
  }
  return [];
}

/** `B`/`E` pairs and `X` slices of one track as intervals, or the problems found. */
function sliceIntervals(events: readonly Ev[], track: string, problems: string[]): Interval[] {
  const out: Interval[] = [];
  const stack: { name: string; start: number }[] = [];
  const sorted = events
    .map((e, i) => ({ e, i }))
    .sort((a, b) => (a.e['ts'] as number) - (b.e['ts'] as number) || a.i - b.i);
  for (const { e } of sorted) {
    const ts = e['ts'] as number;
    if (e['ph'] === 'X') {
      out.push({ start: ts, end: ts + (e['dur'] as number), name: String(e['name']) });
    } else if (e['ph'] === 'B') {
      stack.push({ name: String(e['name']), start: ts });
    } else if (e['ph'] === 'E') {
      const open = stack.pop();
      if (open === undefined) {
        problems.push(`${track}: E at ts ${ts} closes nothing`);
      } else if (e['name'] !== undefined && e['name'] !== open.name) {
        problems.push(`${track}: E "${String(e['name'])}" at ts ${ts} closes B "${open.name}"`);
      } else {
        out.push({ start: open.start, end: ts, name: open.name });
      }
    }
  }
  for (const open of stack)
    problems.push(`${track}: B "${open.name}" at ts ${open.start} never ends`);
  return out;
}

/** Checks that the intervals of one track nest strictly (no partial overlap). */
function nestingProblems(intervals: Interval[], track: string): string[] {
  const sorted = [...intervals].sort((a, b) => a.start - b.start || b.end - a.end);
  const stack: Interval[] = [];
  for (const iv of sorted) {
    while (stack.length > 0 && stack[stack.length - 1]!.end <= iv.start) stack.pop();
    const parent = stack[stack.length - 1];
    if (parent !== undefined && iv.end > parent.end) {
      return [
        `${track}: slice "${iv.name}" [${iv.start}, ${iv.end}] overlaps "${parent.name}" [${parent.start}, ${parent.end}] without nesting`,
      ];
    }
    stack.push(iv);
  }
  return [];
}

function asyncAndFlowProblems(events: readonly Ev[]): string[] {
  const out: string[] = [];
  const open = new Map<string, number>();
  const flows = new Set<string>();
  const sorted = [...events].sort((a, b) => (a['ts'] as number) - (b['ts'] as number));
  for (const e of sorted) {
    const key = `${String(e['cat'])}/${String(e['id'])}`;
    if (e['ph'] === 'b') {
      const k = `${key}/${String(e['name'])}`;
      open.set(k, (open.get(k) ?? 0) + 1);
    }
    if (e['ph'] === 'e') {
      const k = `${key}/${String(e['name'])}`;
      const n = open.get(k) ?? 0;
      if (n === 0) out.push(`async e "${String(e['name'])}" (${key}) closes no b`);
      else open.set(k, n - 1);
    }
    if (e['ph'] === 's') flows.add(key);
    if ((e['ph'] === 'f' || e['ph'] === 't') && !flows.has(key)) {
      out.push(`flow ${String(e['ph'])} (${key}) follows no s`);
    }
  }
  for (const [k, n] of open) if (n > 0) out.push(`async b (${k}) never ends`);
  return out;
}

/**
 * Validates a parsed Chrome trace. Returns the problems found (at most
 * {@link VALIDATE_PROBLEMS_MAX}); an empty array means the trace is well formed.
 * @param json the parsed file: a bare array or `{ traceEvents: [...] }`.
 */
export function validateChromeTrace(json: unknown): string[] {
  const list = Array.isArray(json) ? json : isObject(json) ? json['traceEvents'] : undefined;
  if (!Array.isArray(list)) return ['not a trace: expected an array or { traceEvents: [...] }'];
  const problems: string[] = [];
  const events: Ev[] = [];
  list.forEach((e: unknown, i) => {
    if (!isObject(e)) problems.push(`event ${i}: not an object`);
    else {
      const found = fieldProblems(e, `event ${i} (${String(e['name'])})`);
      problems.push(...found);
      if (found.length === 0) events.push(e);
    }
  });
  const tracks = new Map<string, Ev[]>();
  for (const e of events) {
    if (!['B', 'E', 'X'].includes(e['ph'] as string)) continue;
    const track = `pid ${String(e['pid'])} tid ${String(e['tid'])}`;
    const bucket = tracks.get(track);
    if (bucket === undefined) tracks.set(track, [e]);
    else bucket.push(e);
  }
  for (const [track, evs] of tracks) {
    const intervals = sliceIntervals(evs, track, problems);
    problems.push(...nestingProblems(intervals, track));
  }
  problems.push(...asyncAndFlowProblems(events));
  return problems.slice(0, VALIDATE_PROBLEMS_MAX);
}
