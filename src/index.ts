/**
 * The package root of `mmu-notifier`: the public API, re-exported by name.
 * Layers: the scheduling seam (`sched/`), the primitives (`sync/`), the typed errors, and
 * the notifier core (`core/`). The checker, the kernel model and the CLI add theirs below.
 */

// checker
export { check } from './check/check.ts';
export {
  MINIMIZE_SCHEDULES_MAX,
  PCT_DEPTH_DEFAULT,
  SCHEDULES_DFS_DEFAULT,
  SCHEDULES_RANDOM_DEFAULT,
  STEPS_DEFAULT,
  STEPS_MAX,
  TASKS_MAX,
  TIME_LIMIT_DEFAULT_MS,
} from './check/limits.ts';
export { describeLock, formatLockdepReport } from './check/lockdep/format.ts';
export { LOCKDEP_EDGES_MAX } from './check/lockdep/graph.ts';
export type {
  LockdepLink,
  LockdepLock,
  LockdepReport,
  LockdepReportKind,
} from './check/lockdep/types.ts';
export { HELD_LOCKS_MAX } from './check/lockdep/validator.ts';
export type {
  CoreEngine,
  CoreInterval,
  CoreIntervalOps,
  CoreNotifier,
  CoreNotifierOps,
  NotifierCore,
} from './check/notifier-core.ts';
export { CORE_ENGINES, realSeriesOf, TypeScriptCore } from './check/notifier-core.ts';
export type { CheckOptions, CheckProgress } from './check/options.ts';
export { WORKERS_MAX } from './check/options.ts';
export type { Executor, ParallelEnd } from './check/parallel/coordinator.ts';
export {
  Coordinator,
  JOB_SCHEDULES,
  jobOptionsOf,
  SEED_CHUNK,
  SEED_ROUND,
} from './check/parallel/coordinator.ts';
export type {
  Job,
  JobFinding,
  JobOptions,
  JobResult,
  SeedJob,
  SubtreeJob,
} from './check/parallel/job.ts';
export { JOB_PROTOCOL, runJob, runSubtreeJob } from './check/parallel/job.ts';
export { JobPool } from './check/parallel/pool.ts';
export type { ScenarioRef } from './check/parallel/scenario-ref.ts';
export { loadScenarioRef } from './check/parallel/scenario-ref.ts';
export { LocalExecutor } from './check/parallel/search.ts';
export type { Schedule } from './check/schedule.ts';
export {
  decodeSchedule,
  encodeSchedule,
  PRIORS_MAX,
  SCHEDULE_VERSION,
} from './check/schedule.ts';
export type { SeedScenarioOptions } from './check/seed-scenario.ts';
export { seedCoreScenario, seedScenarioOnCore } from './check/seed-scenario.ts';
export type { DfsNode, ScheduleDigest } from './check/strategies/dfs-node.ts';
export { formatDigest, mergeDigest } from './check/strategies/dfs-node.ts';
export type { StrategyName } from './check/strategy.ts';
export type { CheckResult, CheckStats, Finding, FindingKind, TraceEvent } from './check/types.ts';
export type {
  LockClassOption,
  Scenario,
  World,
  WorldAddressSpaceOptions,
} from './check/world.ts';
export { defineScenario } from './check/world.ts';
// The notifier core.
export type { AddressSpaceOptions, SubscribeOptions } from './core/address-space.ts';
export { AddressSpace, NOTIFIER_USERS_MAX, NOTIFIERS_MAX } from './core/address-space.ts';
export type { CoreNoteKind } from './core/core-state.ts';
export type { Diagnostic, DiagnosticHook, DiagnosticKind } from './core/diagnostics.ts';
export { IN_FLIGHT_MAX } from './core/in-flight.ts';
export type { IntervalTreeNode } from './core/interval-tree.ts';
export { IntervalTree } from './core/interval-tree.ts';
export type { EndFn } from './core/invalidation.ts';
export { Invalidation } from './core/invalidation.ts';
export {
  FS_RECLAIM_MAP,
  INVALIDATE_RANGE_START_MAP,
  mightAlloc,
  mightInvalidate,
} from './core/lockdep-maps.ts';
export type { NotifierSubscriptions, NowOrLater } from './core/notifier-subscriptions.ts';
export { settled, thenNow } from './core/notifier-subscriptions.ts';
export type {
  MmuIntervalNotifier,
  MmuIntervalNotifierOps,
  MmuNotifier,
  MmuNotifierOps,
} from './core/ops.ts';
export type { MmuNotifierRange, MmuNotifyEvent, Semantics } from './core/range.ts';
export { ADDRESS_END, describeRange, EAGAIN, MMU_NOTIFY_EVENTS, SEMANTICS } from './core/range.ts';
// Errors.
export type { ErrorCode, KernelSite, QueueErrorReason } from './errors.ts';
export {
  InternalError,
  InvalidArgumentError,
  KernelBugError,
  KernelModuleMissingError,
  KernelWouldSleepError,
  LockStateError,
  MmuNotifierError,
  OverflowError,
  QueueError,
  ReleasedError,
  ScenarioSetupError,
  SleepInAtomicError,
  StateError,
} from './errors.ts';
// The real kernel with interleaving calls: the asyncified fiber build, one fiber per call.
export type { FiberKernelCoreOptions } from './kernel/fiber/fiber-core.ts';
export { FiberKernelCore } from './kernel/fiber/fiber-core.ts';
export type { FiberStats } from './kernel/fiber/fibers.ts';
export { FIBER_DATA_BYTES, FIBER_STACK_BYTES, FIBERS_MAX } from './kernel/fiber/fibers.ts';
export type { FiberIntervalOps, FiberNotifierOps } from './kernel/fiber/handles.ts';
export { FiberInterval, FiberNotifier } from './kernel/fiber/handles.ts';
export type { PointKind } from './kernel/fiber/points.ts';
export { POINT_KIND } from './kernel/fiber/points.ts';
export { RealAddressSpace } from './kernel/fiber/real-address-space.ts';
// The real kernel: Debian's mm/mmu_notifier.c compiled to WebAssembly by `npm run kernel`.
export type { KernelModule, KernelModuleInfo } from './kernel/module.ts';
export {
  availableKernelModules,
  KERNEL_APT_COMMAND,
  KERNEL_BUILD_COMMAND,
  loadFiberKernelModule,
  loadKernelModule,
} from './kernel/module.ts';
export { RealKernelCore } from './kernel/real-core.ts';
export type {
  KernelDiagnostic,
  RealInterval,
  RealIntervalOps,
  RealKernelCoreLike,
  RealKernelCoreOptions,
  RealNotifier,
  RealNotifierOps,
} from './kernel/types.ts';
// model
export { EBUSY, EFAULT, EINVAL, ENOENT, EPERM } from './model/errno.ts';
export type { HmmPfn, HmmRange } from './model/hmm.ts';
export { HMM_WALK_RESTARTS_MAX, hmmRangeFault } from './model/hmm.ts';
export type { MigrateResult } from './model/hmm-migrate.ts';
export { DmirrorDevice, dmirrorMigrateToDevice } from './model/hmm-migrate.ts';
export type { DmirrorBugs, DmirrorCmdResult, DmirrorEntry } from './model/hmm-mirror.ts';
export {
  DMIRROR_FAULT_PAGES,
  DMIRROR_FAULT_TRIES_MAX,
  Dmirror,
  dmirrorMinOps,
} from './model/hmm-mirror.ts';
export {
  dmirrorSnapshot,
  HMM_DMIRROR_PROT,
  SNAPSHOT_CHUNK_PAGES,
  SNAPSHOT_TRIES_MAX,
} from './model/hmm-snapshot.ts';
export type { KvmOptions, Memslot, PfnCache, Spte } from './model/kvm.ts';
export { INVALID_GPA, Kvm } from './model/kvm.ts';
export type { KvmFaultOptions } from './model/kvm-fault.ts';
export {
  KVM_FAULT_RETRIES_MAX,
  kvmGpcInit,
  kvmGpcRefresh,
  kvmSetMemslots,
  kvmVcpuFault,
} from './model/kvm-fault.ts';
export { kvmMmuNotifierOps } from './model/kvm-notifier.ts';
export type { Mirror, MirrorMapping } from './model/mirror.ts';
export type { MmOptions } from './model/mm.ts';
export { Mm, TASK_SIZE } from './model/mm.ts';
export {
  cpuRead,
  cpuWrite,
  exitMmap,
  madviseDontneed,
  migratePage,
  mmgetNotZero,
  mmput,
  mprotect,
  munmap,
  notifierRange,
} from './model/mm-ops.ts';
export type { DevicePagemap, InflightInvalidation, Pte } from './model/mm-types.ts';
export {
  checkMirrorsEqualPrimary,
  checkNoFreedPfn,
  checkPairing,
  checkQuietInsideInvalidation,
  installMonitors,
} from './model/monitors.ts';
export type { OdpMr } from './model/odp.ts';
export {
  ODP_FAULT_TRIES_MAX,
  OdpUmem,
  odpIntervalOps,
  odpPageFault,
  odpRevokeMr,
} from './model/odp.ts';
export { ODP_FAULT_RETRIES_MAX, Odp2019, odp2019Fault, odp2019Ops } from './model/odp-2019.ts';
export type { OomReaperOptions, OomReapResult } from './model/oom-reaper.ts';
export {
  MAX_OOM_REAP_RETRIES,
  oomReapTask,
  oomReapTaskMm,
  oomReapTaskMmPass,
} from './model/oom-reaper.ts';
export type { PageKind } from './model/page-alloc.ts';
export { PAGE_SIZE, PAGES_MAX, PageAllocator } from './model/page-alloc.ts';
export { FILE_PAGES_MAX, PageCache } from './model/page-cache.ts';
export type { Prot, Vma, VmaSpec } from './model/vma.ts';
export { VMAS_MAX, VmaList, vmaIsAnonymous } from './model/vma.ts';
export { Word } from './model/word.ts';
export type { Stage, StageOptions } from './scenarios/fixture.ts';
export { BASE, RO, RW, stage } from './scenarios/fixture.ts';
export type { ScenarioEntry, ScenarioTag } from './scenarios/index.ts';
export {
  findScenario,
  realCoreRaceScenarios,
  realCoreRaces,
  realCoreScenarios,
  realItreeUnwind,
  scaleMunmap,
  scaleScenarios,
  scenarioLibrary,
} from './scenarios/index.ts';
export type { SeedOptions } from './scenarios/seed.ts';
export { seed2019, seedScenario } from './scenarios/seed.ts';
// The scheduling seam.
export type { LockHooks, LockMap } from './sched/lockdep-hooks.ts';
export {
  LOCK_READ,
  LOCK_TRYLOCK,
  lockMap,
  lockMapAcquire,
  lockMapRelease,
} from './sched/lockdep-hooks.ts';
export type { Op, Scheduler, TraceNote } from './sched/scheduler.ts';
export {
  defaultScheduler,
  EventLoopScheduler,
  mightSleep,
  mightSleepCheck,
  yieldNow,
} from './sched/scheduler.ts';
// Primitives.
export { Mutex } from './sync/mutex.ts';
export type { SyncOptions } from './sync/options.ts';
export { RwSemaphore } from './sync/rwsem.ts';
export { Shared } from './sync/shared.ts';
export { SpinLock } from './sync/spinlock.ts';
export { Srcu } from './sync/srcu.ts';
export { WaitQueue } from './sync/wait-queue.ts';
// trace
export type { ChromeTrace, ChromeTraceEvent } from './trace/chrome-trace.ts';
export { chromeTraceJson, STEP_US, toChromeTrace } from './trace/chrome-trace.ts';
export { VALIDATE_PROBLEMS_MAX, validateChromeTrace } from './trace/chrome-validate.ts';
export { escapeXml } from './trace/escape.ts';
export { toFtrace } from './trace/ftrace.ts';
export type { ReportOptions } from './trace/report.ts';
export { REPORT_TIMELINE_EVENTS, renderHtmlReport } from './trace/report.ts';
export { renderTimelineSvg } from './trace/svg.ts';
export type { FormatTraceOptions } from './trace/text.ts';
export {
  formatStats,
  formatSummary,
  formatTrace,
  REPLAY_COMMAND_DEFAULT,
  replayCommandLine,
} from './trace/text.ts';
export type {
  CounterSample,
  MarkKind,
  SpanEnd,
  SpanKind,
  Timeline,
  TimelineFlow,
  TimelineMark,
  TimelineSpan,
} from './trace/timeline.ts';
export { buildTimeline, TIMELINE_EVENTS_MAX } from './trace/timeline.ts';
