// SPDX-License-Identifier: GPL-2.0
/*
 * mmbridge ivshmem backend: QEMU's ivshmem-plain PCI device (1af4:1110).
 *
 * BAR2 is memory shared with the host (a file or shared memory object on
 * the host side).  Its first half is the device memory and the region
 * (MMB_IOC_MEM_RW, MMB_MMAP_REGION()), its second half the object pool,
 * so raw access never reaches objects.  ivshmem-plain has no interrupts
 * and no DMA engine.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/io.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/slab.h>

#include "priv.h"

#define IVSHMEM_DRV_NAME "mmbridge-ivshmem"
#define IVSHMEM_MEM_BAR 2

struct mmb_ivshmem {
	struct mmb_device *mdev;
	void __iomem *mem;
};

static const struct mmb_backend_ops ivshmem_ops = {};

static int ivshmem_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct mmb_ivshmem *ivs;
	struct mmb_device *mdev;
	u64 half;
	int ret;

	if (!(pci_resource_flags(pdev, IVSHMEM_MEM_BAR) & IORESOURCE_MEM) ||
	    !pci_resource_len(pdev, IVSHMEM_MEM_BAR))
		return -ENODEV;

	ivs = kzalloc(sizeof(*ivs), GFP_KERNEL);
	if (!ivs)
		return -ENOMEM;
	ret = pci_enable_device_mem(pdev);
	if (ret)
		goto err_free;
	ret = pci_request_region(pdev, IVSHMEM_MEM_BAR, IVSHMEM_DRV_NAME);
	if (ret)
		goto err_disable;
	ivs->mem = pci_ioremap_wc_bar(pdev, IVSHMEM_MEM_BAR);
	if (!ivs->mem) {
		ret = -ENOMEM;
		goto err_release;
	}

	mdev = mmb_device_alloc(&pdev->dev, MMB_BACKEND_IVSHMEM, &ivshmem_ops,
				ivs);
	if (IS_ERR(mdev)) {
		ret = PTR_ERR(mdev);
		goto err_unmap;
	}
	ivs->mdev = mdev;
	mdev->caps = MMB_CAP_DEVMEM;
	half = round_down(pci_resource_len(pdev, IVSHMEM_MEM_BAR) / 2,
			  PAGE_SIZE);
	mdev->mem_io = ivs->mem;
	mdev->mem_size = half;
	mdev->map_phys = pci_resource_start(pdev, IVSHMEM_MEM_BAR);
	mdev->map_io = ivs->mem;
	mdev->map_size = half;
	mdev->map_cache = MMB_CACHE_WC;
	mdev->map_user_safe = true; /* shared memory: no registers in BAR2 */
	mdev->pool_phys = mdev->map_phys + half;
	mdev->pool_io = ivs->mem + half;
	mdev->pool_size = half;
	mdev->pool_cache = MMB_CACHE_WC;
	mdev->pool_user_safe = true;

	ret = mmb_device_register(mdev, NULL);
	if (ret)
		goto err_put_mdev;

	pci_set_drvdata(pdev, ivs);
	dev_info(&pdev->dev,
		 "%s: %llu MiB device memory, %llu MiB object pool\n",
		 dev_name(&mdev->dev), mdev->mem_size >> 20,
		 mdev->pool_size >> 20);
	return 0;

err_put_mdev:
	mmb_device_put(mdev);
err_unmap:
	iounmap(ivs->mem);
err_release:
	pci_release_region(pdev, IVSHMEM_MEM_BAR);
err_disable:
	pci_disable_device(pdev);
err_free:
	kfree(ivs);
	return ret;
}

static void ivshmem_remove(struct pci_dev *pdev)
{
	struct mmb_ivshmem *ivs = pci_get_drvdata(pdev);

	mmb_device_unregister(ivs->mdev);
	mmb_device_put(ivs->mdev);
	iounmap(ivs->mem);
	pci_release_region(pdev, IVSHMEM_MEM_BAR);
	pci_disable_device(pdev);
	kfree(ivs);
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

int mmb_ivshmem_init(void)
{
	return pci_register_driver(&ivshmem_driver);
}

void mmb_ivshmem_exit(void)
{
	pci_unregister_driver(&ivshmem_driver);
}
