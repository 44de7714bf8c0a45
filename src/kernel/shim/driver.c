/*
 * driver.c -- the test driver of the real mm/mmu_notifier.c (MIT, part of mmu-notifier).
 *
 * Built by `npm run kernel` (scripts/kernel/build.ts) once per installed kernel version:
 * this file #includes the kernel's own mm/mmu_notifier.c (so it sees the private
 * struct mmu_notifier_subscriptions) and is linked with lib/rbtree.c and lib/interval_tree.c
 * into one wasm32 module. One module instance is one address space (one mm_struct).
 *
 * The host (src/kernel/real-core.ts) names subscribers by small integer ids; every callback
 * of the kernel's ops tables is a trampoline to a host import taking that id. Exports are
 * prefixed dn_ (driver), probes dn_probe_.
 *
 * Ownership: a dn_notifier is allocated here and freed here (when unregister returns, or
 * by free_notifier after the last put's grace period); a dn_interval is never freed (a
 * remove that would sleep leaves it on the deferred list; ids are never reused).
 */
#include <linux/mmu_notifier.h>
#include "mm/mmu_notifier.c"

#define DN_EXPORT(name) __attribute__((export_name(#name)))
#define DN_HOST(name) KSHIM_IMPORT(name)
#define DN_IDS 4096

/* callback bits of dn_register / dn_get */
#define DN_RELEASE (1u << 0)
#define DN_START (1u << 1)
#define DN_END (1u << 2)
#define DN_CLEAR_FLUSH_YOUNG (1u << 3)
#define DN_CLEAR_YOUNG (1u << 4)
#define DN_TEST_YOUNG (1u << 5)
#define DN_SECONDARY_TLBS (1u << 6)

DN_HOST(host_release) void host_release(int id);
DN_HOST(host_start) int host_start(int id, void *range, unsigned long start, unsigned long end, unsigned flags, int event);
DN_HOST(host_end) void host_end(int id, void *range, unsigned long start, unsigned long end, unsigned flags, int event);
DN_HOST(host_young) int host_young(int id, int which, unsigned long start, unsigned long end);
DN_HOST(host_secondary_tlbs) void host_secondary_tlbs(int id, unsigned long start, unsigned long end);
DN_HOST(host_alloc_notifier) int host_alloc_notifier(int key);
DN_HOST(host_free_notifier) void host_free_notifier(int id);
DN_HOST(host_invalidate) int host_invalidate(int id, void *range, unsigned long start, unsigned long end, unsigned flags, int event, unsigned long cur_seq);

struct dn_notifier {
	struct mmu_notifier mn;
	int id;
};
struct dn_interval {
	struct mmu_interval_notifier mni;
	int id;
};

static struct mm_struct dn_mm;
static struct dn_notifier *dn_notifiers[DN_IDS];
static struct dn_interval *dn_intervals[DN_IDS];
static struct mmu_notifier_ops *dn_shared_ops[DN_IDS];
static int dn_open_ranges;
/* 1: mm_take_all_locks sleeps while this thread has a range open (the default); 0: it
 * proceeds, as if the open ranges were another thread's that broke the locking rule. */
static int dn_locks_exclude = 1;
int kshim_locks_held;
int kshim_non_block;

static int dn_id(struct mmu_notifier *mn) { return container_of(mn, struct dn_notifier, mn)->id; }

static void tr_release(struct mmu_notifier *mn, struct mm_struct *mm) { host_release(dn_id(mn)); }
static int tr_start(struct mmu_notifier *mn, const struct mmu_notifier_range *r)
{
	return host_start(dn_id(mn), (void *)r, r->start, r->end, r->flags, r->event);
}
static void tr_end(struct mmu_notifier *mn, const struct mmu_notifier_range *r)
{
	host_end(dn_id(mn), (void *)r, r->start, r->end, r->flags, r->event);
}
static int tr_cfy(struct mmu_notifier *mn, struct mm_struct *mm, unsigned long s, unsigned long e)
{
	return host_young(dn_id(mn), 0, s, e);
}
static int tr_cy(struct mmu_notifier *mn, struct mm_struct *mm, unsigned long s, unsigned long e)
{
	return host_young(dn_id(mn), 1, s, e);
}
static int tr_ty(struct mmu_notifier *mn, struct mm_struct *mm, unsigned long a)
{
	return host_young(dn_id(mn), 2, a, a);
}
static void tr_tlbs(struct mmu_notifier *mn, struct mm_struct *mm, unsigned long s, unsigned long e)
{
	host_secondary_tlbs(dn_id(mn), s, e);
}
static bool tr_invalidate(struct mmu_interval_notifier *mni, const struct mmu_notifier_range *r,
			  unsigned long cur_seq)
{
	int id = container_of(mni, struct dn_interval, mni)->id;
	return host_invalidate(id, (void *)r, r->start, r->end, r->flags, r->event, cur_seq) != 0;
}
static const struct mmu_interval_notifier_ops dn_interval_ops = { .invalidate = tr_invalidate };

static void dn_fill_ops(struct mmu_notifier_ops *ops, unsigned mask)
{
	if (mask & DN_RELEASE) ops->release = tr_release;
	if (mask & DN_START) ops->invalidate_range_start = tr_start;
	if (mask & DN_END) ops->invalidate_range_end = tr_end;
	if (mask & DN_CLEAR_FLUSH_YOUNG) ops->clear_flush_young = tr_cfy;
	if (mask & DN_CLEAR_YOUNG) ops->clear_young = tr_cy;
	if (mask & DN_TEST_YOUNG) ops->test_young = tr_ty;
#ifdef KSHIM_HAS_SECONDARY_TLBS
	if (mask & DN_SECONDARY_TLBS) ops->arch_invalidate_secondary_tlbs = tr_tlbs;
#else
	if (mask & DN_SECONDARY_TLBS) ops->invalidate_range = tr_tlbs;
#endif
}

/* ---- the shim's out-of-line parts ---- */
void kshim_mmdrop_last(struct mm_struct *mm)
{
	/* __mmdrop: the mm is freed, with its subscriptions (the host keeps the instance). */
	mmu_notifier_subscriptions_destroy(mm);
}
int kshim_mm_take_all_locks(struct mm_struct *mm)
{
#ifdef KSHIM_FIBERS
	/* Fibers: the rmap locks are not modelled (a shim limit); a point, no wait. */
	KSHIM_POINT(KP_MIGHT_SLEEP, mm, 0);
#else
	/* This thread is inside an invalidation: it holds a lock mm_take_all_locks needs. */
	if (dn_open_ranges && dn_locks_exclude)
		kshim_would_sleep(__FILE__, __LINE__, "mm_take_all_locks: this thread has an invalidation open");
#endif
	return 0;
}
void kshim_synchronize_srcu(struct srcu_struct *s, const char *file, int line)
{
#ifdef KSHIM_FIBERS
	/* The host parks the point until every fiber reading s when it was reached has left. */
	KSHIM_POINT(KP_SYNC_SRCU, s, 0);
#else
	if (s->readers)
		kshim_would_sleep(file, line, "synchronize_srcu: inside an SRCU read section of this thread");
#endif
	/* The grace period ends now: callbacks queued before it run, oldest first. */
	while (s->pending) {
		struct rcu_head *h = s->pending, *prev = NULL;
		while (h->next) { prev = h; h = h->next; }
		if (prev) prev->next = NULL; else s->pending = NULL;
		h->func(h);
	}
}
void call_srcu(struct srcu_struct *s, struct rcu_head *head, void (*func)(struct rcu_head *))
{
	head->func = func;
	head->next = s->pending;
	s->pending = head;
}

/* ---- exports: setup ---- */
DN_EXPORT(dn_init) void dn_init(void)
{
	atomic_set(&dn_mm.mm_users, 1); /* the thread's mmget */
	atomic_set(&dn_mm.mm_count, 1); /* mm_users' own mm_count pin */
}

/* ---- list notifiers ---- */
static struct dn_notifier *dn_alloc(int id, const struct mmu_notifier_ops *ops)
{
	struct dn_notifier *n = kzalloc(sizeof(*n), GFP_KERNEL);
	if (!n) return NULL;
	n->id = id;
	n->mn.ops = ops;
	return n;
}

DN_EXPORT(dn_register) int dn_register(int id, unsigned mask)
{
	struct mmu_notifier_ops *ops;
	struct dn_notifier *n;
	int ret;

	if (id <= 0 || id >= DN_IDS || dn_notifiers[id]) return -EINVAL;
	ops = kzalloc(sizeof(*ops), GFP_KERNEL);
	if (!ops) return -ENOMEM;
	dn_fill_ops(ops, mask);
	n = dn_alloc(id, ops);
	if (!n) return -ENOMEM;
	dn_notifiers[id] = n;
	ret = mmu_notifier_register(&n->mn, &dn_mm);
	if (ret) dn_notifiers[id] = NULL;
	return ret;
}

DN_EXPORT(dn_unregister) int dn_unregister(int id)
{
	struct dn_notifier *n = id > 0 && id < DN_IDS ? dn_notifiers[id] : NULL;
	if (!n) return -EINVAL;
	mmu_notifier_unregister(&n->mn, &dn_mm);
	/* Once unregister returns no callback of it runs: the caller may free it. */
	dn_notifiers[id] = NULL;
	kfree(n->mn.ops);
	kfree(n);
	return 0;
}

static struct mmu_notifier *tr_alloc_notifier(struct mm_struct *mm);
static void tr_free_notifier(struct mmu_notifier *mn);
static int dn_alloc_key;

/* mmu_notifier_get under the mmap write lock: returns the subscriber's id or -errno. */
DN_EXPORT(dn_get) int dn_get(int key, unsigned mask)
{
	struct mmu_notifier *mn;

	if (key <= 0 || key >= DN_IDS) return -EINVAL;
	if (!dn_shared_ops[key]) {
		struct mmu_notifier_ops *ops = kzalloc(sizeof(*ops), GFP_KERNEL);
		if (!ops) return -ENOMEM;
		dn_fill_ops(ops, mask);
		ops->alloc_notifier = tr_alloc_notifier;
		ops->free_notifier = tr_free_notifier;
		dn_shared_ops[key] = ops;
	}
	dn_alloc_key = key;
	mmap_write_lock(&dn_mm);
	mn = mmu_notifier_get_locked(dn_shared_ops[key], &dn_mm);
	mmap_write_unlock(&dn_mm);
	if (IS_ERR(mn)) return (int)PTR_ERR(mn);
	return dn_id(mn);
}

static struct mmu_notifier *tr_alloc_notifier(struct mm_struct *mm)
{
	int id = host_alloc_notifier(dn_alloc_key);
	struct dn_notifier *n;

	if (id < 0) return ERR_PTR(id);
	if (id == 0 || id >= DN_IDS || dn_notifiers[id]) return ERR_PTR(-EINVAL);
	n = dn_alloc(id, NULL);
	if (!n) return ERR_PTR(-ENOMEM);
	dn_notifiers[id] = n;
	return &n->mn;
}

static void tr_free_notifier(struct mmu_notifier *mn)
{
	struct dn_notifier *n = container_of(mn, struct dn_notifier, mn);
	host_free_notifier(n->id);
	dn_notifiers[n->id] = NULL;
	kfree(n);
}

DN_EXPORT(dn_put) int dn_put(int id)
{
	struct dn_notifier *n = id > 0 && id < DN_IDS ? dn_notifiers[id] : NULL;
	if (!n) return -EINVAL;
	mmu_notifier_put(&n->mn);
	return 0;
}

DN_EXPORT(dn_synchronize) void dn_synchronize(void) { mmu_notifier_synchronize(); }

/* ---- interval notifiers ---- */
DN_EXPORT(dn_insert) int dn_insert(int id, unsigned long start, unsigned long length)
{
	struct dn_interval *in;
	int ret;

	if (id <= 0 || id >= DN_IDS || dn_intervals[id]) return -EINVAL;
	in = kzalloc(sizeof(*in), GFP_KERNEL);
	if (!in) return -ENOMEM;
	in->id = id;
	dn_intervals[id] = in;
	ret = mmu_interval_notifier_insert(&in->mni, &dn_mm, start, length, &dn_interval_ops);
	if (ret) {
		dn_intervals[id] = NULL;
		kfree(in);
	}
	return ret;
}

/*
 * The interval stays in the table (ids are never reused): a remove that would sleep leaves
 * it queued on the deferred list, and the kernel may still call its invalidate, which calls
 * mmu_interval_set_seq on it. Never freed, for the same reason.
 */
DN_EXPORT(dn_remove) int dn_remove(int id)
{
	struct dn_interval *in = id > 0 && id < DN_IDS ? dn_intervals[id] : NULL;
	if (!in) return -EINVAL;
	mmu_interval_notifier_remove(&in->mni);
	return 0;
}

static struct dn_interval *dn_interval(int id)
{
	return id > 0 && id < DN_IDS ? dn_intervals[id] : NULL;
}

DN_EXPORT(dn_read_begin) unsigned long dn_read_begin(int id)
{
	return mmu_interval_read_begin(&dn_interval(id)->mni);
}
DN_EXPORT(dn_read_retry) int dn_read_retry(int id, unsigned long seq)
{
	return mmu_interval_read_retry(&dn_interval(id)->mni, seq);
}
DN_EXPORT(dn_check_retry) int dn_check_retry(int id, unsigned long seq)
{
	return mmu_interval_check_retry(&dn_interval(id)->mni, seq);
}
DN_EXPORT(dn_set_seq) void dn_set_seq(int id, unsigned long seq)
{
	mmu_interval_set_seq(&dn_interval(id)->mni, seq);
}
DN_EXPORT(dn_interval_known) int dn_interval_known(int id) { return dn_interval(id) != NULL; }

/* ---- ranges and invalidation ---- */
DN_EXPORT(dn_range_new) struct mmu_notifier_range *dn_range_new(unsigned long start, unsigned long end, int event)
{
	struct mmu_notifier_range *r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r) return NULL;
	r->mm = &dn_mm;
	r->start = start;
	r->end = end;
	r->event = event;
	return r;
}
DN_EXPORT(dn_range_free) void dn_range_free(struct mmu_notifier_range *r) { kfree(r); }

DN_EXPORT(dn_start) void dn_start(struct mmu_notifier_range *r)
{
	mmu_notifier_invalidate_range_start(r);
	dn_open_ranges++;
}
DN_EXPORT(dn_start_nonblock) int dn_start_nonblock(struct mmu_notifier_range *r)
{
	int ret = mmu_notifier_invalidate_range_start_nonblock(r);
	if (!ret) dn_open_ranges++;
	return ret;
}
DN_EXPORT(dn_end) void dn_end(struct mmu_notifier_range *r)
{
	if (dn_open_ranges) dn_open_ranges--;
	mmu_notifier_invalidate_range_end(r);
}

DN_EXPORT(dn_set_locks_exclude) void dn_set_locks_exclude(int on) { dn_locks_exclude = on; }

/* exit_mmap: the last mmput drops mm_users to 0, then mmu_notifier_release(). */
DN_EXPORT(dn_release) void dn_release(void)
{
	atomic_dec(&dn_mm.mm_users);
	mmu_notifier_release(&dn_mm);
}

DN_EXPORT(dn_clear_flush_young) int dn_clear_flush_young(unsigned long s, unsigned long e)
{
	return mmu_notifier_clear_flush_young(&dn_mm, s, e);
}
DN_EXPORT(dn_clear_young) int dn_clear_young(unsigned long s, unsigned long e)
{
	return mmu_notifier_clear_young(&dn_mm, s, e);
}
DN_EXPORT(dn_test_young) int dn_test_young(unsigned long a) { return mmu_notifier_test_young(&dn_mm, a); }
DN_EXPORT(dn_secondary_tlbs) void dn_secondary_tlbs(unsigned long s, unsigned long e)
{
#ifdef KSHIM_HAS_SECONDARY_TLBS
	mmu_notifier_arch_invalidate_secondary_tlbs(&dn_mm, s, e);
#else
	mmu_notifier_invalidate_range(&dn_mm, s, e);
#endif
}

/* ---- probes of the private struct mmu_notifier_subscriptions ---- */
static struct mmu_notifier_subscriptions *dn_subs(void) { return dn_mm.notifier_subscriptions; }
DN_EXPORT(dn_probe_has_subscriptions) int dn_probe_has_subscriptions(void)
{
	return dn_subs() != NULL && (void *)dn_subs() != LIST_POISON1;
}
DN_EXPORT(dn_probe_active) unsigned long dn_probe_active(void) { return dn_subs()->active_invalidate_ranges; }
DN_EXPORT(dn_probe_seq) unsigned long dn_probe_seq(void) { return dn_subs()->invalidate_seq; }
DN_EXPORT(dn_probe_has_itree) int dn_probe_has_itree(void) { return dn_subs()->has_itree; }
DN_EXPORT(dn_probe_deferred) int dn_probe_deferred(void)
{
	int n = 0;
	struct hlist_node *p;
	for (p = dn_subs()->deferred_list.first; p; p = p->next) n++;
	return n;
}
DN_EXPORT(dn_probe_mm_count) int dn_probe_mm_count(void) { return atomic_read(&dn_mm.mm_count); }
DN_EXPORT(dn_probe_srcu_readers) int dn_probe_srcu_readers(void) { return srcu.readers; }
DN_EXPORT(dn_probe_non_block) int dn_probe_non_block(void) { return kshim_non_block; }
DN_EXPORT(dn_probe_locks_held) int dn_probe_locks_held(void) { return kshim_locks_held; }

#ifdef KSHIM_FIBERS
/* ---- fiber memory: a C stack and an Asyncify buffer per fiber, pooled by the host ---- */
DN_EXPORT(dn_fiber_alloc) void *dn_fiber_alloc(unsigned long bytes) { return kmalloc(bytes, GFP_KERNEL); }
/*
 * The shim's stand-ins for per-CPU / per-task state (the lock-held count, the non-block
 * depth, SRCU's reader count): their cross-task effect is the host's (the points' ops), so
 * the memory-access hooks leave these words out of the footprints.
 */
DN_EXPORT(dn_shim_word) void *dn_shim_word(int i)
{
	if (i == 0) return &kshim_locks_held;
	if (i == 1) return &kshim_non_block;
	if (i == 2) return &srcu.readers;
	return NULL;
}
#endif
