/**
 * One list notifier (`struct mmu_notifier`) and the list that holds it (`struct hlist_head`
 * of `mmu_notifier_subscriptions`), with the kernel's RCU list discipline.
 *
 * Protocol
 * --------
 * | state        | `listed` | `unregistered` | `users` | reached by                          |
 * |--------------|----------|----------------|---------|-------------------------------------|
 * | *listed*     | true     | false          | >= 1    | register / get                      |
 * | *unhashed*   | false    | false          | any     | exit's release emptied the list     |
 * | *gone*       | false    | true           | 0       | unregister, or the last put         |
 *
 * New notifiers go to the head (`hlist_add_head_rcu`): the newest runs first. Unlinking
 * (`hlist_del_init_rcu`) keeps the node's `next`, so a walker standing on it goes on into
 * the list: a walk is *live* (it never sees a node added behind it, nor one removed ahead).
 * All list changes happen in synchronous sections (the subscriptions spinlock).
 */

import { assertInternal } from '../errors.ts';
import type { AddressSpace } from './address-space.ts';
import type { MmuNotifier, MmuNotifierOps } from './ops.ts';

/** The kernel's `struct mmu_notifier` plus the core's bookkeeping. Internal to `src/core`. */
export class Subscription<D> implements MmuNotifier<D> {
  /** `hlist_node.next`: kept on unlink so that a walker standing here can go on. */
  hnext: Subscription<unknown> | null = null;
  /** The previous node while listed (`pprev`). */
  hprev: Subscription<unknown> | null = null;
  /** On the list (`!hlist_unhashed`). */
  listed = false;
  /** `unregister()` or the last `put()` ran: the handle is dead. */
  unregistered = false;
  /** `subscription->users`: the get/put count (1 after register). */
  users = 1;

  constructor(
    readonly mm: AddressSpace,
    readonly ops: MmuNotifierOps<D>,
    readonly name: string,
    readonly data: D,
  ) {}
}

/** The notifier list: `hlist_head` plus its length, for limits. */
export class NotifierList {
  /** The first node, the newest. */
  head: Subscription<unknown> | null = null;
  /** Listed nodes. */
  length = 0;

  /** `hlist_add_head_rcu`. Pairs with {@link NotifierList.unlink}. */
  addHead(sub: Subscription<unknown>): void {
    assertInternal(!sub.listed, 'NotifierList.addHead: already listed');
    sub.hnext = this.head;
    sub.hprev = null;
    if (this.head !== null) this.head.hprev = sub;
    this.head = sub;
    sub.listed = true;
    this.length++;
  }

  /** `hlist_del_init_rcu`: unlinks, keeping `sub.hnext` for walkers. No-op when not listed. */
  unlink(sub: Subscription<unknown>): void {
    if (!sub.listed) return;
    const prev = sub.hprev;
    const next = sub.hnext;
    if (prev === null) this.head = next;
    else prev.hnext = next;
    if (next !== null) next.hprev = prev;
    sub.hprev = null;
    sub.listed = false;
    this.length--;
  }
}
