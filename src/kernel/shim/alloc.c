/*
 * alloc.c -- kmalloc/kzalloc/kfree and memset/memcpy for the wasm32 module (MIT, part of
 * mmu-notifier). Size classes of 16 bytes up to 512, each with a free list; memory grows
 * from __heap_base with memory.grow. No kernel text.
 */
#include <kshim.h>

#define CLASS 16
#define CLASSES 32
struct chunk { size_t size; struct chunk *next; };
extern unsigned char __heap_base;
static unsigned char *brk_ptr;
static unsigned char *brk_end;
static struct chunk *free_list[CLASSES + 1];

void *memset(void *d, int c, size_t n)
{
	unsigned char *p = d;
	while (n--) *p++ = (unsigned char)c;
	return d;
}
void *memcpy(void *d, const void *s, size_t n)
{
	unsigned char *p = d;
	const unsigned char *q = s;
	while (n--) *p++ = *q++;
	return d;
}

static void *grow(size_t bytes)
{
	if (!brk_ptr) brk_ptr = brk_end = &__heap_base;
	if (brk_ptr + bytes > brk_end) {
		size_t need = (size_t)(brk_ptr + bytes - brk_end);
		size_t pages = (need + 65535) / 65536;
		if (__builtin_wasm_memory_grow(0, pages) == (size_t)-1) return NULL;
		brk_end = (unsigned char *)(__builtin_wasm_memory_size(0) * 65536);
	}
	void *p = brk_ptr;
	brk_ptr += bytes;
	return p;
}

void *kmalloc(size_t size, gfp_t flags)
{
	size_t cls = (size + CLASS - 1) / CLASS;
	struct chunk *c;
	if (cls == 0) cls = 1;
	if (cls <= CLASSES && free_list[cls]) {
		c = free_list[cls];
		free_list[cls] = c->next;
	} else {
		c = grow(sizeof(struct chunk) + cls * CLASS);
		if (!c) return NULL;
		c->size = cls;
	}
	return c + 1;
}
void *kzalloc(size_t size, gfp_t flags)
{
	void *p = kmalloc(size, flags);
	if (p) memset(p, 0, size);
	return p;
}
void kfree(const void *p)
{
	struct chunk *c;
	if (!p) return;
	c = (struct chunk *)p - 1;
	if (c->size > CLASSES) return; /* large blocks are not reused */
	c->next = free_list[c->size];
	free_list[c->size] = c;
}

/* Probes: the heap's high-water mark and the chunks on the free lists (memory tests). */
__attribute__((export_name("dn_probe_heap_bytes"))) unsigned long dn_probe_heap_bytes(void)
{
	return brk_ptr ? (unsigned long)(brk_ptr - &__heap_base) : 0;
}
__attribute__((export_name("dn_probe_free_chunks"))) int dn_probe_free_chunks(void)
{
	int n = 0;
	for (int i = 0; i <= CLASSES; i++)
		for (struct chunk *c = free_list[i]; c; c = c->next) n++;
	return n;
}
