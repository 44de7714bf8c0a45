/*
 * mmu-notifier bench: the kernel-C limit's driver (MIT, part of mmu-notifier; no kernel code).
 *
 * Linked at build time (bench/kernel-c/build.ts, into the git-ignored .cache/) with the
 * kernel's own lib/interval_tree.c and lib/rbtree.c from the Debian linux-source tarball,
 * compiled with gcc -O2 against the shim headers next to this file. This file only calls the
 * kernel's exported functions (interval_tree_insert/remove/iter_first/iter_next), as a kernel
 * user such as mm/mmu_notifier.c does.
 *
 * Usage: driver <op> <workload file> <n> <count>
 *   op build       insert intervals 0..n-1 into an empty tree          (ns per insert)
 *   op query       count queries on a tree of n, visiting every hit      (ns per query)
 *   op mix         count rounds of "remove order[j], insert n + j"       (ns per round)
 *   op invalidate  count start+end: 4 list callbacks, the tree walk calling each hit's
 *                  invalidate, 4 list callbacks (ranges: the file's queries, cyclically)
 * Prints "<ns per op> <checksum>": the median over timed batches (at least 5 and 20 ms in
 * all, after one untimed warm-up batch: a shared machine's preemptions land in a few batches,
 * not in the median); the checksum is the one the TypeScript side computes.
 *
 * Workload file (written by bench/workload.ts, read by both sides): "MMUWL001", u32 count of
 * arrays, then per array a u32 length and that many little-endian float64 (exact integers):
 * [0] starts, [1] lasts, [2] query starts, [3] query lasts, [4] mix order.
 */
#include <linux/interval_tree.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct item {
	struct interval_tree_node it;
	unsigned long value;
	unsigned long seq;
	const struct interval_ops *ops;
};

struct interval_ops {
	int (*invalidate)(struct item *sub, const unsigned long *range, unsigned long cur_seq);
};

struct list_sub;
struct list_ops {
	void (*start)(struct list_sub *sub, const unsigned long *range);
	void (*end)(struct list_sub *sub, const unsigned long *range);
};
struct list_sub {
	const struct list_ops *ops;
};

static unsigned long calls;

static __attribute__((noinline)) int invalidate_cb(struct item *sub, const unsigned long *range,
						   unsigned long cur_seq)
{
	(void)range;
	sub->seq = cur_seq; /* mmu_interval_set_seq() */
	calls++;
	return 1;
}
static __attribute__((noinline)) void list_start_cb(struct list_sub *sub, const unsigned long *range)
{
	(void)sub;
	(void)range;
	calls++;
}
static __attribute__((noinline)) void list_end_cb(struct list_sub *sub, const unsigned long *range)
{
	(void)sub;
	(void)range;
	calls++;
}

static struct interval_ops iops = { invalidate_cb };
static struct list_ops lops = { list_start_cb, list_end_cb };

struct array {
	uint32_t len;
	unsigned long *v;
};

static void die(const char *what)
{
	fprintf(stderr, "kernel-c driver: %s\n", what);
	exit(2);
}

static int read_workload(const char *path, struct array *out, uint32_t max)
{
	FILE *f = fopen(path, "rb");
	char magic[8];
	uint32_t count;
	if (f == NULL)
		die("cannot open the workload file");
	if (fread(magic, 1, 8, f) != 8 || memcmp(magic, "MMUWL001", 8) != 0)
		die("not a workload file (magic)");
	if (fread(&count, 4, 1, f) != 1 || count > max)
		die("bad array count");
	for (uint32_t a = 0; a < count; a++) {
		uint32_t len;
		if (fread(&len, 4, 1, f) != 1)
			die("truncated");
		double *tmp = malloc(sizeof(double) * (len + 1));
		out[a].v = malloc(sizeof(unsigned long) * (len + 1));
		if (tmp == NULL || out[a].v == NULL)
			die("out of memory");
		if (fread(tmp, sizeof(double), len, f) != len)
			die("truncated array");
		for (uint32_t i = 0; i < len; i++)
			out[a].v[i] = (unsigned long)tmp[i];
		out[a].len = len;
		free(tmp);
	}
	fclose(f);
	return (int)count;
}

#define BATCHES_MIN 5
#define BATCHES_MAX 10000
static double times[BATCHES_MAX];

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static struct array arr[5];
static struct item *items;
static struct rb_root_cached root;
static unsigned long n;
static unsigned long count;
static struct list_sub lists[4];

static void insert_item(unsigned long i)
{
	struct item *x = &items[i];
	x->it.start = arr[0].v[i];
	x->it.last = arr[1].v[i];
	x->value = i;
	x->ops = &iops;
	interval_tree_insert(&x->it, &root);
}

static void build_tree(void)
{
	root = RB_ROOT_CACHED;
	for (unsigned long i = 0; i < n; i++)
		insert_item(i);
}

static unsigned long run_build(void)
{
	build_tree();
	return n;
}

static unsigned long run_query(void)
{
	unsigned long sum = 0;
	for (unsigned long j = 0; j < count; j++) {
		unsigned long s = arr[2].v[j], l = arr[3].v[j];
		for (struct interval_tree_node *x = interval_tree_iter_first(&root, s, l); x;
		     x = interval_tree_iter_next(x, s, l))
			sum += container_of(x, struct item, it)->value + 1;
	}
	return sum;
}

static unsigned long run_mix(void)
{
	for (unsigned long j = 0; j < count; j++) {
		interval_tree_remove(&items[arr[4].v[j]].it, &root);
		insert_item(n + j);
	}
	return n;
}

static unsigned long run_invalidate(void)
{
	unsigned long before = calls;
	uint32_t ranges = arr[2].len;
	for (unsigned long j = 0; j < count; j++) {
		unsigned long range[2] = { arr[2].v[j % ranges], arr[3].v[j % ranges] + 1 };
		unsigned long s = range[0], l = range[1] - 1;
		for (int i = 0; i < 4; i++)
			lists[i].ops->start(&lists[i], range);
		for (struct interval_tree_node *x = interval_tree_iter_first(&root, s, l); x;
		     x = interval_tree_iter_next(x, s, l)) {
			struct item *sub = container_of(x, struct item, it);
			sub->ops->invalidate(sub, range, 3);
		}
		for (int i = 0; i < 4; i++)
			lists[i].ops->end(&lists[i], range);
	}
	return calls - before;
}

int main(int argc, char **argv)
{
	if (argc != 5)
		die("usage: driver build|query|mix|invalidate <workload file> <n> <count>");
	const char *op = argv[1];
	int arrays = read_workload(argv[2], arr, 5);
	n = strtoul(argv[3], NULL, 10);
	count = strtoul(argv[4], NULL, 10);
	if (arrays < 4 || n > arr[0].len || arr[1].len != arr[0].len || arr[3].len != arr[2].len)
		die("workload file does not fit n");
	unsigned long (*run)(void);
	int fresh = 0; /* the batch uses its tree up: rebuild before each (untimed) */
	unsigned long ops = count;
	if (strcmp(op, "build") == 0) {
		run = run_build;
		ops = n;
	} else if (strcmp(op, "query") == 0) {
		run = run_query;
		if (count > arr[2].len)
			die("more queries than the file holds");
	} else if (strcmp(op, "mix") == 0) {
		run = run_mix;
		fresh = 1;
		if (arrays < 5 || count > arr[4].len || n + count > arr[0].len)
			die("mix needs an order array and n + count intervals");
	} else if (strcmp(op, "invalidate") == 0) {
		run = run_invalidate;
		for (int i = 0; i < 4; i++)
			lists[i].ops = &lops;
	} else {
		die("unknown op");
	}
	items = calloc(arr[0].len, sizeof(*items));
	if (items == NULL)
		die("out of memory");
	build_tree();
	unsigned long checksum = run(); /* warm-up, untimed */
	double total = 0;
	unsigned long batches = 0;
	while ((total < 20e6 || batches < BATCHES_MIN) && batches < BATCHES_MAX) {
		if (fresh)
			build_tree();
		double t0 = now_ns();
		checksum = run();
		times[batches] = now_ns() - t0;
		total += times[batches++];
	}
	qsort(times, batches, sizeof(double), by_value);
	printf("%.3f %lu\n", times[batches / 2] / (double)ops, checksum);
	return 0;
}
