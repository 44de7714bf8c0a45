/**
 * The exploration worker's entry point (see `worker-protocol.ts`): resolves the scenario
 * (a library name, or a file through the same tsx loader as the CLI), the options, runs
 * `check` with the shared probe, and posts the result. Never throws: an error is a message.
 */

import { parentPort, workerData } from 'node:worker_threads';
import { checkProbed } from '../check/check.ts';
import { type CheckOptions, describeSettings, resolveOptions } from '../check/options.ts';
import { InternalError, MmuNotifierError } from '../errors.ts';
import { checkOptionsFrom, defaultWorkers } from './options.ts';
import { resolveScenario, type ScenarioSource } from './scenario-source.ts';
import { SharedPointProbe } from './worker-probe.ts';
import type { WorkerMessage, WorkerRequest } from './worker-protocol.ts';

function post(message: WorkerMessage): void {
  parentPort?.postMessage(message);
}

/** The checker's options for the request, over the library entry's defaults. */
function optionsFor(request: WorkerRequest, source: ScenarioSource): Record<string, unknown> {
  if (request.command === 'check') {
    const options = checkOptionsFrom(request.cli, source.defaults);
    const workers = request.cli.workers ?? defaultWorkers();
    if (options['strategy'] === 'replay') return options;
    // The pool's threads load the scenario the way this worker did (scenario-ref.ts).
    const ref =
      source.origin === 'library'
        ? { library: source.scenario.name }
        : { file: request.arg, cwd: request.cwd };
    return { ...options, workers, source: ref };
  }
  const base = checkOptionsFrom({ ...request.cli, strategy: undefined }, source.defaults);
  const keep = ['semantics', 'core', 'maxSteps', 'timeLimitMs', 'lockdep'];
  const options: Record<string, unknown> = { strategy: 'replay', schedule: request.schedule };
  for (const key of keep) if (base[key] !== undefined) options[key] = base[key];
  return options;
}

/** The effective options as one line; resolving them rejects a bad combination first. */
function describe(options: Record<string, unknown>): Record<string, unknown> {
  const settings = resolveOptions(options as CheckOptions);
  const schedule = typeof options['schedule'] === 'string' ? options['schedule'] : undefined;
  return describeSettings(settings, schedule);
}

async function explore(request: WorkerRequest): Promise<void> {
  const source = await resolveScenario(request.arg, request.cwd);
  const options = optionsFor(request, source);
  const described = describe(options);
  const effective = Object.entries(described)
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
  const description = source.scenario.description;
  post({
    type: 'ready',
    name: source.scenario.name,
    ...(description === undefined ? {} : { description }),
    origin: source.origin,
    options: described,
    effective,
  });
  const probe = new SharedPointProbe(request.probe, (id, text) =>
    post({ type: 'label', id, text }),
  );
  const withProgress: Record<string, unknown> = request.progress
    ? {
        ...options,
        onProgress: (progress: unknown) => post({ type: 'progress', progress } as WorkerMessage),
      }
    : options;
  const result = await checkProbed(source.scenario, withProgress as CheckOptions, probe);
  post({ type: 'result', result });
}

const request = workerData as WorkerRequest;
explore(request).catch((error: unknown) => {
  const user = error instanceof MmuNotifierError && !(error instanceof InternalError);
  const message = error instanceof Error ? error.message : String(error);
  const stack = error instanceof Error ? (error.stack ?? message) : message;
  post({ type: 'error', user, message, stack });
});
