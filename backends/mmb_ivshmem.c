// SPDX-License-Identifier: GPL-2.0
/*
 * mmb_ivshmem: QEMU's ivshmem-plain PCI device (1af4:1110) as an mmbridge
 * device, ivshmem0, ivshmem1, ...
 *
 * BAR2 is memory shared with the host (a file or shared memory object on
 * the host side).  Its first half is the device memory and the mappable
 * region (MMB_IOC_MEM_RW, MMB_MMAP_REGION()), its second half the object
 * pool, so raw access never reaches objects.  ivshmem-plain has no
 * interrupts and no DMA engine.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/io.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/slab.h>

#include <linux/mmbridge.h>

#define IVSHMEM_DRV_NAME "mmbridge-ivshmem"
#define IVSHMEM_MEM_BAR 2

struct mmb_ivshmem {
	struct mmb_device mdev; /* first: mmb_device_alloc() */
};

static const struct mmb_device_ops ivshmem_ops = {};

static int ivshmem_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	resource_size_t start = pci_resource_start(pdev, IVSHMEM_MEM_BAR);
	resource_size_t len = pci_resource_len(pdev, IVSHMEM_MEM_BAR);
	struct mmb_ivshmem *ivs;
	void __iomem *mem;
	u64 half;
	int ret;

	if (!(pci_resource_flags(pdev, IVSHMEM_MEM_BAR) & IORESOURCE_MEM) ||
	    len < 2 * PAGE_SIZE)
		return -ENODEV;

	/* Released by devres after ivshmem_remove() or a failed probe. */
	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	if (!devm_request_mem_region(&pdev->dev, start, len, IVSHMEM_DRV_NAME))
		return -EBUSY;
	mem = devm_ioremap_wc(&pdev->dev, start, len);
	if (!mem)
		return -ENOMEM;

	ivs = mmb_device_alloc(struct mmb_ivshmem, mdev, &pdev->dev,
			       &ivshmem_ops, "ivshmem");
	if (IS_ERR(ivs))
		return PTR_ERR(ivs);
	/* Shared memory, no registers in BAR2: safe to map for anyone. */
	half = round_down(len / 2, PAGE_SIZE);
	ivs->mdev.mem = (struct mmb_mem){
		.io = mem,
		.phys = start,
		.size = half,
		.cache = MMB_CACHE_WC,
		.user_safe = true,
	};
	ivs->mdev.regions[0] = ivs->mdev.mem;
	ivs->mdev.pool = (struct mmb_mem){
		.io = mem + half,
		.phys = start + half,
		.size = half,
		.cache = MMB_CACHE_WC,
		.user_safe = true,
	};

	ret = mmb_device_register(&ivs->mdev, NULL);
	if (ret) {
		mmb_device_put(&ivs->mdev);
		return ret;
	}
	pci_set_drvdata(pdev, ivs);
	dev_info(&pdev->dev,
		 "%s: %llu MiB device memory, %llu MiB object pool\n",
		 dev_name(&ivs->mdev.dev), half >> 20, half >> 20);
	return 0;
}

static void ivshmem_remove(struct pci_dev *pdev)
{
	struct mmb_ivshmem *ivs = pci_get_drvdata(pdev);

	mmb_device_unregister(&ivs->mdev);
	/* Open files may keep @ivs; the BAR goes with devres after this. */
	mmb_device_put(&ivs->mdev);
}

static const struct pci_device_id ivshmem_ids[] = { { PCI_DEVICE(0x1af4,
								 0x1110) },
						    {} };
MODULE_DEVICE_TABLE(pci, ivshmem_ids);

static struct pci_driver ivshmem_driver = {
	.name = IVSHMEM_DRV_NAME,
	.id_table = ivshmem_ids,
	.probe = ivshmem_probe,
	.remove = ivshmem_remove,
};

module_pci_driver(ivshmem_driver);

MODULE_DESCRIPTION("mmbridge driver for QEMU's ivshmem-plain PCI device");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS_MMBRIDGE();
