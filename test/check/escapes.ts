/**
 * A test helper: collects every error that escapes to the process (`uncaughtException`,
 * `unhandledRejection`) during each test of the calling `describe` block, so a test can
 * assert that nothing escaped the checker.
 */
import { afterEach, beforeEach } from 'node:test';

/** Installs the hooks in the current `describe` block; returns the list, cleared per test. */
export function collectEscapes(): unknown[] {
  const escaped: unknown[] = [];
  const onEscape = (error: unknown): void => void escaped.push(error);
  beforeEach(() => {
    escaped.length = 0;
    process.on('uncaughtException', onEscape);
    process.on('unhandledRejection', onEscape);
  });
  afterEach(() => {
    process.off('uncaughtException', onEscape);
    process.off('unhandledRejection', onEscape);
  });
  return escaped;
}
