/*
 * kshim.h -- the kernel facilities mm/mmu_notifier.c, lib/interval_tree.c and lib/rbtree.c
 * use, for one thread in a WebAssembly module (MIT, part of mmu-notifier; written from the
 * facilities' documented behaviour, no kernel text). Every <linux/...> header this project
 * shims includes this one file; rbtree.h, rbtree_augmented.h, rbtree_types.h,
 * interval_tree.h, interval_tree_generic.h and mmu_notifier.h come from the kernel tarball.
 *
 * One thread (the plain build): a lock is never contended, so spin_lock only counts; a wait
 * whose condition is false can never complete and is reported to the host as "would sleep"
 * (the host's import throws, unwinding the call). The fiber build (-DKSHIM_FIBERS, see
 * below) makes every lock, wait, wake, SRCU section and non-block section a host point
 * where the host may switch to another fiber. WARN_ON reports and continues; BUG_ON reports and
 * the host's import throws (the kernel would oops).
 */
#ifndef KSHIM_H
#define KSHIM_H

#define CONFIG_MMU_NOTIFIER 1
#define __KERNEL__ 1

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef signed char s8;
typedef short s16;
typedef int s32;
typedef long long s64;
typedef _Bool bool;
typedef __SIZE_TYPE__ size_t;
typedef __PTRDIFF_TYPE__ ptrdiff_t;
typedef __UINTPTR_TYPE__ uintptr_t;
typedef unsigned int gfp_t;
typedef struct { int counter; } atomic_t;
typedef struct { unsigned long pte; } pte_t;

#define true 1
#define false 0
#define NULL ((void *)0)
#define ULONG_MAX (~0UL)
#define UINT_MAX (~0U)
#define GFP_KERNEL 0u

#define EINVAL 22
#define ENOMEM 12
#define EAGAIN 11
#define EOVERFLOW 75

/* ---- compiler ---- */
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define __always_inline inline __attribute__((__always_inline__))
#define noinline __attribute__((__noinline__))
#define __must_check __attribute__((__warn_unused_result__))
#define __rcu
#define __init
#define __exit
#define __read_mostly
#define __maybe_unused __attribute__((__unused__))
#define barrier() __asm__ __volatile__("" ::: "memory")
#define READ_ONCE(x) (*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))
#define smp_store_release(p, v) WRITE_ONCE(*(p), (v))
#define smp_load_acquire(p) READ_ONCE(*(p))
#define smp_mb() barrier()
#define smp_rmb() barrier()
#define smp_wmb() barrier()
#define offsetof(t, m) __builtin_offsetof(t, m)
#define container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))
#define check_add_overflow(a, b, d) __builtin_add_overflow(a, b, d)
#define EXPORT_SYMBOL(s)
#define EXPORT_SYMBOL_GPL(s)
#define static_assert(...)
#define BUILD_BUG_ON(c) ((void)sizeof(char[1 - 2 * !!(c)]))

/* ---- the host: diagnostics and sleeps (imports of module "env") ---- */
#define KSHIM_IMPORT(name) __attribute__((import_module("env"), import_name(#name)))
KSHIM_IMPORT(kshim_warn) void kshim_warn(const char *file, int line, const char *cond, int bug);
KSHIM_IMPORT(kshim_would_sleep) void kshim_would_sleep(const char *file, int line, const char *what);

#define WARN_ON(c) ({ int __w = !!(c); if (unlikely(__w)) kshim_warn(__FILE__, __LINE__, #c, 0); unlikely(__w); })
#define WARN_ON_ONCE(c) ({ static bool __o; int __w = !!(c); if (unlikely(__w) && !__o) { __o = true; kshim_warn(__FILE__, __LINE__, #c, 0); } unlikely(__w); })
#define WARN(c, ...) WARN_ON(c)
#define BUG_ON(c) do { if (unlikely(c)) kshim_warn(__FILE__, __LINE__, #c, 1); } while (0)
#define BUG() kshim_warn(__FILE__, __LINE__, "BUG()", 1)
#define pr_info(...) do { } while (0)
#define pr_warn(...) do { } while (0)

/* ---- errors in pointers ---- */
#define MAX_ERRNO 4095
static inline void *ERR_PTR(long e) { return (void *)e; }
static inline long PTR_ERR(const void *p) { return (long)p; }
static inline bool IS_ERR(const void *p) { return (unsigned long)p >= (unsigned long)-MAX_ERRNO; }
#define LIST_POISON1 ((void *)0x100)
#define LIST_POISON2 ((void *)0x122)

/* ---- atomics (one thread) ---- */
#define atomic_read(a) READ_ONCE((a)->counter)
#define atomic_set(a, v) WRITE_ONCE((a)->counter, (v))
#define atomic_inc(a) ((a)->counter++)
#define atomic_dec(a) ((a)->counter--)
#define atomic_dec_and_test(a) (--(a)->counter == 0)

/* ---- lists (hlist and list_head), written for this shim ---- */
struct list_head { struct list_head *next, *prev; };
struct hlist_head { struct hlist_node *first; };
struct hlist_node { struct hlist_node *next, **pprev; };
struct rcu_head { struct rcu_head *next; void (*func)(struct rcu_head *head); };
#define callback_head rcu_head

#define INIT_HLIST_HEAD(h) ((h)->first = NULL)
#define HLIST_HEAD_INIT { .first = NULL }
static inline void INIT_HLIST_NODE(struct hlist_node *n) { n->next = NULL; n->pprev = NULL; }
static inline bool hlist_unhashed(const struct hlist_node *n) { return !n->pprev; }
static inline bool hlist_empty(const struct hlist_head *h) { return !READ_ONCE(h->first); }
static inline void hlist_add_head(struct hlist_node *n, struct hlist_head *h)
{
	struct hlist_node *first = h->first;
	n->next = first;
	if (first)
		first->pprev = &n->next;
	h->first = n;
	n->pprev = &h->first;
}
#define hlist_add_head_rcu hlist_add_head
static inline void kshim_hlist_unlink(struct hlist_node *n)
{
	*n->pprev = n->next;
	if (n->next)
		n->next->pprev = n->pprev;
}
static inline void hlist_del(struct hlist_node *n)
{
	kshim_hlist_unlink(n);
	n->next = LIST_POISON1;
	n->pprev = LIST_POISON2;
}
static inline void hlist_del_init(struct hlist_node *n)
{
	if (hlist_unhashed(n))
		return;
	kshim_hlist_unlink(n);
	INIT_HLIST_NODE(n);
}
/* The RCU variant keeps ->next for readers walking past it; pprev is cleared. */
static inline void hlist_del_init_rcu(struct hlist_node *n)
{
	if (hlist_unhashed(n))
		return;
	kshim_hlist_unlink(n);
	n->pprev = NULL;
}
#define hlist_entry(ptr, type, member) container_of(ptr, type, member)
#define hlist_entry_safe(ptr, type, member) \
	({ __typeof__(ptr) __p = (ptr); __p ? hlist_entry(__p, type, member) : NULL; })
#define hlist_for_each_entry(pos, head, member) \
	for (pos = hlist_entry_safe((head)->first, __typeof__(*(pos)), member); pos; \
	     pos = hlist_entry_safe((pos)->member.next, __typeof__(*(pos)), member))
#define hlist_for_each_entry_rcu(pos, head, member, ...) \
	for (pos = hlist_entry_safe(READ_ONCE((head)->first), __typeof__(*(pos)), member); pos; \
	     pos = hlist_entry_safe(READ_ONCE((pos)->member.next), __typeof__(*(pos)), member))
#define hlist_for_each_entry_safe(pos, n, head, member) \
	for (pos = hlist_entry_safe((head)->first, __typeof__(*pos), member); \
	     pos && ({ n = pos->member.next; 1; }); \
	     pos = hlist_entry_safe(n, __typeof__(*pos), member))

/* ---- RCU pointers (rbtree.h uses rcu_assign_pointer) ---- */
#define rcu_assign_pointer(p, v) WRITE_ONCE((p), (v))
#define rcu_dereference(p) READ_ONCE(p)
#define rcu_dereference_raw(p) READ_ONCE(p)
#define RCU_INIT_POINTER(p, v) ((p) = (v))

/*
 * ---- fibers (KSHIM_FIBERS, the asyncified build): every shim point calls the host ----
 * One import, kshim_point(kind, obj, arg), listed in wasm-opt's asyncify-imports: the host
 * may park the calling fiber there (src/kernel/fiber/, which reads the objects' words at
 * the layouts below). The kinds are src/kernel/fiber/points.ts's POINT_KIND.
 */
#ifdef KSHIM_FIBERS
#define KP_SPIN_LOCK 1
#define KP_SPIN_UNLOCK 2
#define KP_WAIT 3
#define KP_WAKE 4
#define KP_SRCU_LOCK 5
#define KP_SRCU_UNLOCK 6
#define KP_SYNC_SRCU 7
#define KP_NON_BLOCK_START 8
#define KP_NON_BLOCK_END 9
#define KP_MIGHT_SLEEP 10
#define KP_LOCK_MAP_ACQUIRE 11
#define KP_LOCK_MAP_RELEASE 12
KSHIM_IMPORT(kshim_point) int kshim_point(int kind, const void *obj, unsigned arg);
#define KSHIM_POINT(kind, obj, arg) ((void)kshim_point((kind), (obj), (arg)))
#else
#define KSHIM_POINT(kind, obj, arg) ((void)0)
#endif

/* ---- locks: counted; contended only between fibers ---- */
typedef struct { int held; } spinlock_t; /* the host reads held at offset 0 */
struct rw_semaphore { int writers; int readers; };
struct lockdep_map { const char *name; };
extern int kshim_locks_held;
#define spin_lock_init(l) ((l)->held = 0)
/* A fiber host parks the point until held is 0 (its ready predicate), so it is free here. */
#define spin_lock(l) do { KSHIM_POINT(KP_SPIN_LOCK, (l), 0); if ((l)->held) kshim_would_sleep(__FILE__, __LINE__, "spin_lock: held by this thread"); (l)->held = 1; kshim_locks_held++; } while (0)
#define spin_unlock(l) do { (l)->held = 0; kshim_locks_held--; KSHIM_POINT(KP_SPIN_UNLOCK, (l), 0); } while (0)
#define lockdep_assert_held(l) do { } while (0)
#define lockdep_is_held(l) 1
/*
 * Lockdep's pseudo-locks reach the host's validator. The only map of mmu_notifier.c and its
 * header is __mmu_notifier_invalidate_range_start_map, declared only under CONFIG_LOCKDEP:
 * the argument is not evaluated.
 */
#define lock_map_acquire(m) KSHIM_POINT(KP_LOCK_MAP_ACQUIRE, NULL, 0)
#define lock_map_release(m) KSHIM_POINT(KP_LOCK_MAP_RELEASE, NULL, 0)
#define might_lock(l) do { } while (0)
#define mmap_assert_write_locked(mm) do { } while (0)

/* ---- scheduling: might_sleep, non_block_start/end ---- */
extern int kshim_non_block;
#define might_sleep() do { KSHIM_POINT(KP_MIGHT_SLEEP, NULL, 0); } while (0)
#define non_block_start() (KSHIM_POINT(KP_NON_BLOCK_START, NULL, 0), kshim_non_block++)
#define non_block_end() (kshim_non_block--, KSHIM_POINT(KP_NON_BLOCK_END, NULL, 0))

/* ---- wait queues: one thread, so a false condition can never turn true ---- */
typedef struct { int sleepers; unsigned wakeups; } wait_queue_head_t; /* wakeups at offset 4 */
#define init_waitqueue_head(q) ((q)->sleepers = 0, (q)->wakeups = 0)
#ifdef KSHIM_FIBERS
/* The host parks KP_WAIT until wakeups moves past arg (the generation read before cond). */
#define wake_up_all(q) ((q)->wakeups++, KSHIM_POINT(KP_WAKE, (q), 0))
#define wait_event(q, cond) \
	do { \
		KSHIM_POINT(KP_MIGHT_SLEEP, &(q), 0); \
		for (;;) { \
			unsigned __g = READ_ONCE((q).wakeups); \
			if (cond) break; \
			KSHIM_POINT(KP_WAIT, &(q), __g); \
		} \
	} while (0)
#else
#define wake_up_all(q) ((q)->wakeups++)
#define wait_event(q, cond) \
	do { if (!(cond)) kshim_would_sleep(__FILE__, __LINE__, "wait_event(" #q ", " #cond ")"); } while (0)
#endif

/* ---- SRCU: read sections counted; call_srcu runs at the next grace period ---- */
struct srcu_struct { int readers; struct rcu_head *pending; };
#define DEFINE_STATIC_SRCU(name) static struct srcu_struct name
#define srcu_read_lock(s) (KSHIM_POINT(KP_SRCU_LOCK, (s), 0), (s)->readers++, 0)
#define srcu_read_unlock(s, idx) ((void)(idx), (s)->readers--, KSHIM_POINT(KP_SRCU_UNLOCK, (s), 0))
#define srcu_read_lock_held(s) ((s)->readers > 0)
void kshim_synchronize_srcu(struct srcu_struct *s, const char *file, int line);
#define synchronize_srcu(s) kshim_synchronize_srcu((s), __FILE__, __LINE__)
void call_srcu(struct srcu_struct *s, struct rcu_head *head, void (*func)(struct rcu_head *));

/* ---- memory ---- */
void *kmalloc(size_t size, gfp_t flags);
void *kzalloc(size_t size, gfp_t flags);
void kfree(const void *p);
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);

/* ---- the mm ---- */
struct mmu_notifier_subscriptions;
struct mm_struct {
	struct mmu_notifier_subscriptions *notifier_subscriptions;
	atomic_t mm_users;
	atomic_t mm_count;
	struct rw_semaphore mmap_lock;
};
#define VM_READ 0x1UL
struct vm_area_struct {
	struct mm_struct *vm_mm;
	unsigned long vm_start, vm_end;
	unsigned long vm_flags;
};
void kshim_mmdrop_last(struct mm_struct *mm);
static inline void mmgrab(struct mm_struct *mm) { atomic_inc(&mm->mm_count); }
static inline void mmdrop(struct mm_struct *mm)
{
	if (atomic_dec_and_test(&mm->mm_count))
		kshim_mmdrop_last(mm);
}
static inline void mmget(struct mm_struct *mm) { atomic_inc(&mm->mm_users); }
int kshim_mm_take_all_locks(struct mm_struct *mm);
#define mm_take_all_locks(mm) kshim_mm_take_all_locks(mm)
#define mm_drop_all_locks(mm) do { } while (0)
#define mmap_write_lock(mm) ((mm)->mmap_lock.writers++)
#define mmap_write_unlock(mm) ((mm)->mmap_lock.writers--)

#endif /* KSHIM_H */
