// SPDX-License-Identifier: GPL-2.0
/*
 * mmbridge device memory: the one place that knows whether a device's
 * memory is RAM or behind a BAR (struct mmb_mem).
 */
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "priv.h"

/* Uncached iomem is read and written in 32-bit accesses where it can be. */
static bool mmb_mem_words(const struct mmb_mem *m, u64 off, size_t len)
{
	return m->cache == MMB_CACHE_UC && IS_ALIGNED(off | len, 4);
}

/**
 * mmb_mem_read() - copy device memory to a kernel buffer.
 * @m:		the memory
 * @off:	offset in it; @off + @len is at most @m->size
 * @buf:	the kernel buffer
 * @len:	bytes
 *
 * Any context.  Uncached iomem is read 32 bits at a time when @off and
 * @len allow it.
 */
void mmb_mem_read(const struct mmb_mem *m, u64 off, void *buf, size_t len)
{
	size_t i;

	if (!mmb_mem_is_io(m)) {
		memcpy(buf, m->virt + off, len);
	} else if (mmb_mem_words(m, off, len)) {
		for (i = 0; i < len; i += 4)
			*(u32 *)(buf + i) = ioread32(m->io + off + i);
	} else {
		memcpy_fromio(buf, m->io + off, len);
	}
}
EXPORT_SYMBOL_GPL(mmb_mem_read);

/**
 * mmb_mem_write() - copy a kernel buffer to device memory.
 * @m:		the memory
 * @off:	offset in it; @off + @len is at most @m->size
 * @buf:	the kernel buffer
 * @len:	bytes
 *
 * Any context.  The bytes have left the CPU's write-combining buffers
 * when it returns.  Uncached iomem is written 32 bits at a time when @off
 * and @len allow it.
 */
void mmb_mem_write(const struct mmb_mem *m, u64 off, const void *buf,
		   size_t len)
{
	size_t i;

	if (!mmb_mem_is_io(m)) {
		memcpy(m->virt + off, buf, len);
		return;
	}
	if (mmb_mem_words(m, off, len)) {
		for (i = 0; i < len; i += 4)
			iowrite32(*(const u32 *)(buf + i), m->io + off + i);
	} else {
		memcpy_toio(m->io + off, buf, len);
	}
	wmb(); /* drain write-combining buffers */
}
EXPORT_SYMBOL_GPL(mmb_mem_write);

/**
 * mmb_mem_clear() - zero a range of device memory.
 * @m:		the memory
 * @off:	offset in it; @off + @len is at most @m->size
 * @len:	bytes
 *
 * Any context.
 */
void mmb_mem_clear(const struct mmb_mem *m, u64 off, size_t len)
{
	if (!mmb_mem_is_io(m)) {
		memset(m->virt + off, 0, len);
		return;
	}
	memset_io(m->io + off, 0, len);
	wmb(); /* drain write-combining buffers */
}
EXPORT_SYMBOL_GPL(mmb_mem_clear);

/**
 * mmb_mem_pfn() - the page frame of a byte of device memory.
 * @m:		the memory
 * @off:	offset in it, below @m->size
 *
 * Return: the PFN a user mapping of that page maps: of the RAM page
 * (vmalloc'd or in the linear map), or of the physical address behind the
 * BAR.
 */
unsigned long mmb_mem_pfn(const struct mmb_mem *m, u64 off)
{
	if (mmb_mem_is_io(m))
		return PHYS_PFN(m->phys + off);
	if (is_vmalloc_addr(m->virt))
		return vmalloc_to_pfn(m->virt + off);
	return PHYS_PFN(virt_to_phys(m->virt + off));
}
EXPORT_SYMBOL_GPL(mmb_mem_pfn);

/*
 * The protection of a user mapping of @m: its caching, and never encrypted
 * for a BAR on SME/SEV hosts (as vfio-pci maps BARs).
 */
pgprot_t mmb_mem_pgprot(const struct mmb_mem *m, pgprot_t prot)
{
	switch (m->cache) {
	case MMB_CACHE_UC:
		prot = pgprot_noncached(prot);
		break;
	case MMB_CACHE_WC:
		prot = pgprot_writecombine(prot);
		break;
	}
	if (mmb_mem_is_io(m))
		prot = pgprot_decrypted(prot);
	return prot;
}
