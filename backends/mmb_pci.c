// SPDX-License-Identifier: GPL-2.0
/*
 * mmb_pci: any PCI device as an mmbridge device, pci0, pci1, ..., for the
 * cards nobody wrote a driver for, as uio_pci_generic and vfio-pci serve
 * them.  It binds nothing by itself: an administrator hands it a device
 * through driver_override (or new_id), as with those two.
 *
 *  - Every memory BAR is the region of the BAR's number, write-combined
 *    when prefetchable, uncached otherwise, revocable with every policy
 *    and reached by debuggers.  A BAR smaller than a page is mapped as the
 *    page it starts, when it starts one and the rest of the page can be
 *    reserved, so that nothing else is ever placed there (as vfio-pci
 *    does); otherwise, and for I/O-port BARs and ROMs, there is no region.
 *  - A BAR lets its holder program the device, its DMA included: the
 *    regions are raw (only CAP_SYS_RAWIO maps them) unless an IOMMU
 *    confines the device: the driver owns the DMA of the device's whole
 *    IOMMU group and blocks it (as vfio-pci owns a group; this driver does
 *    no DMA), and the device cannot forge interrupts (isolated MSI).  A
 *    group with another device in use, or a kernel before 6.3, confines
 *    nothing.
 *  - Interrupts: MSI-X, MSI or INTx, in that order of preference (the
 *    module parameter pci_irq_mode, read at each probe, restricts it);
 *    each vector is an event source of its own (mmb_irq_vector()).  INTx
 *    masks itself in the command register when it fires (the status bit
 *    tells a shared line's interrupts apart), and an enable of delivery by
 *    user space unmasks it, as a write of 1 to a UIO node does.
 *  - A function reset (sysfs reset) and AER error recovery revoke every
 *    region for their duration and restore them after; a surprise removal
 *    is a removal.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/iommu.h>
#include <linux/irqdomain.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/version.h>

#include <linux/mmbridge.h>

#define MMB_PCI_DRV_NAME "mmb_pci"

/* INTx was "legacy" before 6.10. */
#ifndef PCI_IRQ_INTX
#define PCI_IRQ_INTX PCI_IRQ_LEGACY
#endif

/* Read at each probe: one card may take INTx, the next MSI. */
static char *pci_irq_mode = "auto";
module_param(pci_irq_mode, charp, 0644);
/* clang-format off */
MODULE_PARM_DESC(pci_irq_mode,
		 "Interrupts to use, read at each probe: auto (MSI-X, else MSI, else INTx), msix, msi, intx or none (default: auto)");
/* clang-format on */

struct mmb_pci;

/* One interrupt vector: what its handler is given. */
struct mmb_pci_vec {
	struct mmb_pci *p;
	unsigned int n;
};

struct mmb_pci {
	struct mmb_device mdev; /* first: mmb_device_alloc() */
	struct pci_dev *pdev;
	int nreq; /* of which handlers are requested */
	bool intx;
	bool unmaskable; /* INTx, its handler requested; see irq_unmask */
	bool dma_owner; /* the group's DMA is ours, and blocked */
	bool confined;
	struct mmb_pci_vec vec[MMB_VECTORS_MAX];
};

static struct mmb_pci *to_mmb_pci(struct mmb_device *mdev)
{
	return container_of(mdev, struct mmb_pci, mdev);
}

static irqreturn_t mmb_pci_msi_irq(int irq, void *data)
{
	struct mmb_pci_vec *v = data;

	mmb_irq_vector(&v->p->mdev, v->n);
	return IRQ_HANDLED;
}

/* A shared line: only an interrupt the status bit says is ours. */
static irqreturn_t mmb_pci_intx_irq(int irq, void *data)
{
	struct mmb_pci_vec *v = data;

	if (!pci_check_and_mask_intx(v->p->pdev))
		return IRQ_NONE;
	mmb_irq_vector(&v->p->mdev, 0);
	return IRQ_HANDLED;
}

/*
 * User space quieted the device and enables delivery: INTx may fire again.
 * A line still asserted stays masked and is reported at once, as the
 * interrupt it would raise (the masking and the check are atomic against
 * the handler's under the PCI config lock, as vfio-pci unmasks).
 */
static void mmb_pci_irq_unmask(struct mmb_device *mdev)
{
	struct mmb_pci *p = to_mmb_pci(mdev);

	/* Not before the handler is there to mask it again. */
	if (smp_load_acquire(&p->unmaskable) &&
	    !pci_check_and_unmask_intx(p->pdev))
		mmb_irq_vector(mdev, 0);
}

static const struct mmb_device_ops mmb_pci_ops = {
	.irq_unmask = mmb_pci_irq_unmask,
};

/*
 * Whether an IOMMU confines the device: the driver takes the DMA ownership
 * of its whole group, which puts the group in a domain that blocks all DMA
 * (nothing else in the group may be using the kernel's DMA domain), and
 * the group's interrupts are remapped, so that the device cannot forge
 * others.  Without an IOMMU, or with a group shared with a device in use,
 * it is not confined.
 */
#if defined(CONFIG_IOMMU_API) && KERNEL_VERSION(6, 3, 0) <= LINUX_VERSION_CODE
static bool mmb_pci_confine(struct mmb_pci *p)
{
	struct device *dev = &p->pdev->dev;
	struct iommu_group *group;
	bool msi_ok;

	if (iommu_device_claim_dma_owner(dev, p))
		return false;
	p->dma_owner = true;
	group = iommu_group_get(dev);
	msi_ok = group && iommu_group_has_isolated_msi(group);
	iommu_group_put(group);
	return msi_ok;
}

static void mmb_pci_unconfine(struct mmb_pci *p)
{
	if (p->dma_owner)
		iommu_device_release_dma_owner(&p->pdev->dev);
	p->dma_owner = false;
}
#else
static bool mmb_pci_confine(struct mmb_pci *p)
{
	return false;
}

static void mmb_pci_unconfine(struct mmb_pci *p)
{
}
#endif

/*
 * A BAR smaller than a page that starts one: the rest of its page is
 * reserved (released by devres), so that no BAR is ever placed there and
 * the page shows this BAR alone.  Returns whether it could be.
 */
static bool mmb_pci_reserve_page(struct mmb_pci *p, int bar)
{
	struct resource *res = &p->pdev->resource[bar], *rest;

	if (!PAGE_ALIGNED(res->start) || !res->parent)
		return false;
	rest = devm_kzalloc(&p->pdev->dev, sizeof(*rest), GFP_KERNEL);
	if (!rest)
		return false;
	rest->name = MMB_PCI_DRV_NAME " sub-page reserved";
	rest->start = res->end + 1;
	rest->end = res->start + PAGE_SIZE - 1;
	rest->flags = res->flags;
	return !devm_request_resource(&p->pdev->dev, res->parent, rest);
}

/* The memory BARs, as the regions of their numbers. */
static int mmb_pci_bars(struct mmb_pci *p)
{
	struct pci_dev *pdev = p->pdev;
	int bar, n = 0;

	for (bar = 0; bar < PCI_STD_NUM_BARS; bar++) {
		unsigned long flags = pci_resource_flags(pdev, bar);
		resource_size_t start = pci_resource_start(pdev, bar);
		resource_size_t len = pci_resource_len(pdev, bar);
		bool wc = flags & IORESOURCE_PREFETCH;
		resource_size_t size = len;
		void __iomem *io;

		if (!(flags & IORESOURCE_MEM) || !len)
			continue;
		if (len < PAGE_SIZE && mmb_pci_reserve_page(p, bar))
			size = PAGE_SIZE;
		/* The mmap offset of a region has room for 2^40 bytes. */
		if (!PAGE_ALIGNED(start) || !PAGE_ALIGNED(size) ||
		    size >= BIT_ULL(MMB_MMAP_REGION_SHIFT)) {
			dev_info(&pdev->dev, "BAR%d: %pa bytes, not mapped\n",
				 bar, &len);
			continue;
		}
		if (!devm_request_mem_region(&pdev->dev, start, len,
					     MMB_PCI_DRV_NAME))
			return -EBUSY;
		io = wc ? devm_ioremap_wc(&pdev->dev, start, size) :
			  devm_ioremap(&pdev->dev, start, size);
		if (!io)
			return -ENOMEM;
		p->mdev.regions[bar] = (struct mmb_mem){
			.io = io,
			.phys = start,
			.size = size,
			.cache = wc ? MMB_CACHE_WC : MMB_CACHE_UC,
			.user_safe = p->confined,
			.raw = !p->confined,
		};
		n++;
	}
	return n;
}

/* Handlers first, then the vectors (before the device is unregistered). */
static void mmb_pci_free_irqs(struct mmb_pci *p)
{
	int i;

	/* Masked first: a shared line then has nothing of ours to report. */
	if (p->intx && p->nreq)
		pci_intx(p->pdev, 0);
	for (i = 0; i < p->nreq; i++)
		free_irq(pci_irq_vector(p->pdev, i), &p->vec[i]);
	p->nreq = 0;
}

/* The vectors allocated are mdev.nr_vectors, which stays as registered. */
static void mmb_pci_free_vectors(struct mmb_pci *p)
{
	if (p->mdev.nr_vectors)
		pci_free_irq_vectors(p->pdev);
}

/*
 * MSI-X, MSI or INTx as pci_irq_mode allows, as many vectors as the device
 * has (up to MMB_VECTORS_MAX), before the device is registered: its
 * nr_vectors.  None is fine, unless a kind was asked for.
 */
static int mmb_pci_alloc_vectors(struct mmb_pci *p)
{
	struct pci_dev *pdev = p->pdev;
	unsigned int types = 0;
	bool any = false;
	char mode[8];
	int nvec, ret = 0;

	/* The parameter is writable: a write frees the string it replaces. */
	kernel_param_lock(THIS_MODULE);
	strscpy(mode, pci_irq_mode, sizeof(mode));
	kernel_param_unlock(THIS_MODULE);
	mode[strcspn(mode, "\n")] = 0; /* echo's newline */
	if (!strcmp(mode, "auto"))
		types = PCI_IRQ_MSIX | PCI_IRQ_MSI | PCI_IRQ_INTX, any = true;
	else if (!strcmp(mode, "msix"))
		types = PCI_IRQ_MSIX;
	else if (!strcmp(mode, "msi"))
		types = PCI_IRQ_MSI;
	else if (!strcmp(mode, "intx"))
		types = PCI_IRQ_INTX;
	else if (strcmp(mode, "none"))
		ret = -EINVAL;
	if (!types)
		return ret;
	/* INTx masking in the command register is what tells lines apart. */
	if ((types & PCI_IRQ_INTX) &&
	    (!pdev->irq || !pci_intx_mask_supported(pdev)))
		types &= ~PCI_IRQ_INTX;
	nvec = types ? pci_alloc_irq_vectors(pdev, 1, MMB_VECTORS_MAX, types) :
		       -ENODEV;
	if (nvec < 0) {
		if (any)
			return 0;
		dev_err(&pdev->dev, "pci_irq_mode=%s: no such interrupt (%d)\n",
			mode, nvec);
		return nvec;
	}
	p->mdev.nr_vectors = nvec;
	p->intx = !pdev->msi_enabled && !pdev->msix_enabled;
	return 0;
}

/* The handlers report events: only once the device is registered. */
static int mmb_pci_request_irqs(struct mmb_pci *p)
{
	struct pci_dev *pdev = p->pdev;
	unsigned int i;
	int ret;

	if (p->mdev.nr_vectors && !p->intx)
		pci_set_master(pdev); /* MSI is a write of the device's */
	for (i = 0; i < p->mdev.nr_vectors; i++) {
		p->vec[i] = (struct mmb_pci_vec){ .p = p, .n = i };
		ret = request_irq(pci_irq_vector(pdev, i),
				  p->intx ? mmb_pci_intx_irq : mmb_pci_msi_irq,
				  p->intx ? IRQF_SHARED : 0,
				  dev_name(&p->mdev.dev), &p->vec[i]);
		if (ret) {
			mmb_pci_free_irqs(p);
			return ret;
		}
		p->nreq++;
	}
	/* Pairs with irq_unmask's acquire: the handler is there before. */
	smp_store_release(&p->unmaskable, p->intx);
	return 0;
}

static int mmb_pci_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct mmb_pci *p;
	int ret, nbars;

	/* Released by devres after mmb_pci_remove() or a failed probe. */
	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	p = mmb_device_alloc(struct mmb_pci, mdev, &pdev->dev, &mmb_pci_ops,
			     "pci");
	if (IS_ERR(p))
		return PTR_ERR(p);
	p->pdev = pdev;
	p->confined = mmb_pci_confine(p);
	nbars = mmb_pci_bars(p);
	if (nbars < 0) {
		ret = nbars;
		goto err_put;
	}
	ret = mmb_pci_alloc_vectors(p);
	if (ret)
		goto err_put;
	ret = mmb_device_register(&p->mdev, NULL);
	if (ret)
		goto err_vectors;
	ret = mmb_pci_request_irqs(p);
	if (ret)
		goto err_unregister;
	/* What AER recovery puts back: the device as this driver set it. */
	pci_save_state(pdev);
	pci_set_drvdata(pdev, p);
	dev_info(&pdev->dev,
		 "%s: %d memory BARs (%s), %u interrupt vectors%s\n",
		 dev_name(&p->mdev.dev), nbars,
		 p->confined ? "IOMMU-confined" : "raw", p->mdev.nr_vectors,
		 pdev->msix_enabled ? " (MSI-X)" :
		 pdev->msi_enabled  ? " (MSI)" :
		 p->intx	    ? " (INTx)" :
				      "");
	return 0;

err_unregister:
	mmb_device_unregister(&p->mdev);
err_vectors:
	mmb_pci_free_vectors(p);
err_put:
	mmb_pci_unconfine(p);
	mmb_device_put(&p->mdev);
	return ret;
}

/*
 * Users the IOMMU confined programmed the device: a DMA they left it armed
 * for must not start once its group is back in the kernel's DMA domain and
 * the next driver turns bus mastering on.  So, while the group's DMA is
 * still blocked, the device is reset (as vfio-pci resets a device its user
 * lets go) and its config space put back as it is now: INTx masked, bus
 * mastering and MSI off (as pci_reset_function() saves and restores it).
 * The driver core holds the device's lock; the bridge's, which
 * pci_reset_function() takes first, only if it is free, as vfio-pci does.
 */
static void mmb_pci_release_reset(struct mmb_pci *p)
{
	struct pci_dev *pdev = p->pdev, *bridge = pci_upstream_bridge(pdev);
	int ret = -EBUSY;

	if (!p->confined || pci_dev_is_disconnected(pdev))
		return;
	pci_save_state(pdev);
	if (!bridge || pci_dev_trylock(bridge)) {
		pci_cfg_access_lock(pdev);
		ret = __pci_reset_function_locked(pdev);
		pci_cfg_access_unlock(pdev);
		if (bridge)
			pci_dev_unlock(bridge);
	}
	if (!ret)
		pci_restore_state(pdev);
	if (ret)
		dev_warn(&pdev->dev, "%s: no reset at release (%d)\n",
			 dev_name(&p->mdev.dev), ret);
	else
		dev_info(&pdev->dev, "%s: reset at release\n",
			 dev_name(&p->mdev.dev));
}

static void mmb_pci_remove(struct pci_dev *pdev)
{
	struct mmb_pci *p = pci_get_drvdata(pdev);

	mmb_device_unregister(&p->mdev);
	/* No handler runs on @p after this; files may keep it, not the BARs. */
	mmb_pci_free_irqs(p);
	mmb_pci_free_vectors(p);
	pci_clear_master(pdev);
	mmb_pci_release_reset(p);
	mmb_pci_unconfine(p);
	mmb_device_put(&p->mdev);
}

/* A function reset (sysfs reset): no mapping reaches the device meanwhile. */
static void mmb_pci_reset_prepare(struct pci_dev *pdev)
{
	struct mmb_pci *p = pci_get_drvdata(pdev);

	mmb_region_revoke(&p->mdev);
}

static void mmb_pci_reset_done(struct pci_dev *pdev)
{
	struct mmb_pci *p = pci_get_drvdata(pdev);

	mmb_region_restore(&p->mdev);
}

/* AER: the device is not to be touched until it has recovered. */
static pci_ers_result_t mmb_pci_error_detected(struct pci_dev *pdev,
					       pci_channel_state_t state)
{
	struct mmb_pci *p = pci_get_drvdata(pdev);

	mmb_region_revoke(&p->mdev);
	switch (state) {
	case pci_channel_io_normal:
		return PCI_ERS_RESULT_CAN_RECOVER;
	case pci_channel_io_perm_failure:
		return PCI_ERS_RESULT_DISCONNECT;
	default:
		return PCI_ERS_RESULT_NEED_RESET;
	}
}

/* After a reset: the state saved at probe, saved again for the next. */
static pci_ers_result_t mmb_pci_slot_reset(struct pci_dev *pdev)
{
	pci_restore_state(pdev);
	pci_save_state(pdev);
	return PCI_ERS_RESULT_RECOVERED;
}

static void mmb_pci_resume(struct pci_dev *pdev)
{
	struct mmb_pci *p = pci_get_drvdata(pdev);

	mmb_region_restore(&p->mdev);
}

static const struct pci_error_handlers mmb_pci_err_handlers = {
	.error_detected = mmb_pci_error_detected,
	.slot_reset = mmb_pci_slot_reset,
	.resume = mmb_pci_resume,
	.reset_prepare = mmb_pci_reset_prepare,
	.reset_done = mmb_pci_reset_done,
};

/* No IDs: a device comes only through driver_override or new_id. */
static const struct pci_device_id mmb_pci_ids[] = { {} };
MODULE_DEVICE_TABLE(pci, mmb_pci_ids);

static struct pci_driver mmb_pci_driver = {
	.name = MMB_PCI_DRV_NAME,
	.id_table = mmb_pci_ids,
	.probe = mmb_pci_probe,
	.remove = mmb_pci_remove,
	.err_handler = &mmb_pci_err_handlers,
	/* The group's DMA is blocked, not the kernel's: see mmb_pci_confine(). */
	.driver_managed_dma = true,
};

module_pci_driver(mmb_pci_driver);

MODULE_DESCRIPTION("mmbridge for any PCI device: its BARs and interrupts");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS_MMBRIDGE();
