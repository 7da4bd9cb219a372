// SPDX-License-Identifier: GPL-2.0
/*
 * mmb_regtest: a driver for tests of mmb_device_register()'s checks.  Its
 * parameter regtest_case names a description of device memory; the module
 * registers one device, regtest0, with it, and its init returns what the
 * registration returned, so that loading the module is the test:
 *
 *  ok			8 KiB of vmalloc'd RAM, mappable, and
 *			MMB_VECTORS_MAX interrupt vectors: registers
 *  virt_unaligned	the same RAM from byte 64: a user mapping of its
 *			first page would show the 64 bytes before it
 *  virt_not_linear	a page of the module's own data, which is neither
 *			in the linear map nor vmalloc'd: no PFN of it is
 *			known
 *  pool_overlaps_map	the object pool is the mappable memory itself
 *  iomem_cached	memory behind a "BAR" asked to be mapped write-back
 *			(refused before anything touches it: io is the RAM)
 *  pool_aliases_map	the pool is a second kernel mapping (vmap()) of the
 *			mappable memory's pages: other addresses, the
 *			same RAM
 *  iomem_no_phys	device memory behind a "BAR" without its physical
 *			address (io is the RAM; refused before use)
 *  region_gap		regions 0 and 2, none 1: registers (no region 1)
 *  region_not_safe	region 1 neither safe for any opener nor raw
 *  raw_pool		raw memory as the object pool
 *  raw_mem		raw memory as the device memory (MMB_IOC_MEM_RW)
 *  pool_overlaps_region1 the pool is region 1
 *  raw_region_is_mem	region 0 raw, and the device memory the same RAM
 *			(MMB_IOC_MEM_RW would give every opener its bytes)
 *  raw_aliases_region0	region 1 raw, and the same RAM as the safe region 0
 *  regions_overlap	regions 0 and 1 the same RAM
 *  register_twice	the good description, registered, unregistered and
 *			registered again: a device is registered once
 *  too_many_vectors	the good description with MMB_VECTORS_MAX + 1
 *			interrupt vectors
 *
 * Built like any driver outside mmbridge's tree, against its SDK.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mmbridge.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/vmalloc.h>

static char *regtest_case = "ok";
module_param(regtest_case, charp, 0444);
MODULE_PARM_DESC(regtest_case, "The description to register (see the source)");

struct regtest_dev {
	struct mmb_device mdev; /* first: mmb_device_alloc() */
};

static const struct mmb_device_ops regtest_ops = {};

static struct platform_device *regtest_pdev;
static struct regtest_dev *regtest_dev;
static void *regtest_mem;
static void *regtest_alias; /* pool_aliases_map: vmap() of regtest_mem */
static u8 regtest_static[PAGE_SIZE] __aligned(PAGE_SIZE);

static int __init regtest_init(void)
{
	struct mmb_mem ram = {
		.size = 2 * PAGE_SIZE,
		.cache = MMB_CACHE_WB,
		.user_safe = true,
	};
	struct regtest_dev *rd;
	int ret;

	regtest_mem = vzalloc(4 * PAGE_SIZE);
	if (!regtest_mem)
		return -ENOMEM;
	ram.virt = regtest_mem;
	regtest_pdev =
		platform_device_register_simple("mmb_regtest", -1, NULL, 0);
	if (IS_ERR(regtest_pdev)) {
		ret = PTR_ERR(regtest_pdev);
		goto err_mem;
	}
	rd = mmb_device_alloc(struct regtest_dev, mdev, &regtest_pdev->dev,
			      &regtest_ops, "regtest");
	if (IS_ERR(rd)) {
		ret = PTR_ERR(rd);
		goto err_pdev;
	}
	rd->mdev.mem = ram;
	rd->mdev.regions[0] = ram;
	if (!strcmp(regtest_case, "ok")) {
		rd->mdev.pool = ram;
		rd->mdev.pool.virt += 2 * PAGE_SIZE;
		rd->mdev.nr_vectors = MMB_VECTORS_MAX;
	} else if (!strcmp(regtest_case, "too_many_vectors")) {
		rd->mdev.pool = ram;
		rd->mdev.pool.virt += 2 * PAGE_SIZE;
		rd->mdev.nr_vectors = MMB_VECTORS_MAX + 1;
	} else if (!strcmp(regtest_case, "virt_unaligned")) {
		rd->mdev.regions[0].virt += 64;
		rd->mdev.mem = rd->mdev.regions[0];
	} else if (!strcmp(regtest_case, "virt_not_linear")) {
		rd->mdev.regions[0].virt = regtest_static;
		rd->mdev.regions[0].size = PAGE_SIZE;
		rd->mdev.mem = rd->mdev.regions[0];
	} else if (!strcmp(regtest_case, "pool_overlaps_map")) {
		rd->mdev.pool = ram;
	} else if (!strcmp(regtest_case, "iomem_cached")) {
		rd->mdev.regions[0] = (struct mmb_mem){
			.io = (void __iomem *)regtest_mem,
			.phys = PAGE_SIZE,
			.size = PAGE_SIZE,
			.cache = MMB_CACHE_WB,
			.user_safe = true,
		};
		rd->mdev.mem = rd->mdev.regions[0];
	} else if (!strcmp(regtest_case, "iomem_no_phys")) {
		rd->mdev.mem = (struct mmb_mem){
			.io = (void __iomem *)regtest_mem,
			.size = PAGE_SIZE,
			.cache = MMB_CACHE_UC,
		};
	} else if (!strcmp(regtest_case, "pool_aliases_map")) {
		struct page *pages[2] = { vmalloc_to_page(regtest_mem),
					  vmalloc_to_page(regtest_mem +
							  PAGE_SIZE) };

		regtest_alias = vmap(pages, 2, VM_MAP, PAGE_KERNEL);
		if (!regtest_alias) {
			ret = -ENOMEM;
			goto err_put;
		}
		rd->mdev.pool = ram;
		rd->mdev.pool.virt = regtest_alias;
	} else if (!strcmp(regtest_case, "region_gap")) {
		rd->mdev.regions[2] = ram;
		rd->mdev.regions[2].virt += 2 * PAGE_SIZE;
	} else if (!strcmp(regtest_case, "region_not_safe")) {
		/* Neither safe for any opener nor raw. */
		rd->mdev.regions[1] = ram;
		rd->mdev.regions[1].virt += 2 * PAGE_SIZE;
		rd->mdev.regions[1].user_safe = false;
	} else if (!strcmp(regtest_case, "raw_pool")) {
		rd->mdev.pool = ram;
		rd->mdev.pool.virt += 2 * PAGE_SIZE;
		rd->mdev.pool.user_safe = false;
		rd->mdev.pool.raw = true;
	} else if (!strcmp(regtest_case, "raw_mem")) {
		rd->mdev.mem.raw = true;
	} else if (!strcmp(regtest_case, "raw_region_is_mem")) {
		rd->mdev.regions[0].user_safe = false;
		rd->mdev.regions[0].raw = true;
	} else if (!strcmp(regtest_case, "raw_aliases_region0")) {
		rd->mdev.regions[1] = ram;
		rd->mdev.regions[1].user_safe = false;
		rd->mdev.regions[1].raw = true;
	} else if (!strcmp(regtest_case, "regions_overlap")) {
		rd->mdev.regions[1] = ram;
		rd->mdev.regions[1].virt += PAGE_SIZE;
		rd->mdev.regions[1].size = PAGE_SIZE;
	} else if (!strcmp(regtest_case, "pool_overlaps_region1")) {
		rd->mdev.regions[1] = ram;
		rd->mdev.regions[1].virt += 2 * PAGE_SIZE;
		rd->mdev.pool = rd->mdev.regions[1];
	} else if (!strcmp(regtest_case, "register_twice")) {
		rd->mdev.pool = ram;
		rd->mdev.pool.virt += 2 * PAGE_SIZE;
		ret = mmb_device_register(&rd->mdev, NULL);
		if (ret)
			goto err_put;
		mmb_device_unregister(&rd->mdev);
	} else {
		ret = -ENOENT;
		goto err_put;
	}
	ret = mmb_device_register(&rd->mdev, NULL);
	if (ret)
		goto err_put;
	regtest_dev = rd;
	return 0;

err_put:
	mmb_device_put(&rd->mdev);
err_pdev:
	platform_device_unregister(regtest_pdev);
err_mem:
	if (regtest_alias)
		vunmap(regtest_alias);
	vfree(regtest_mem);
	return ret;
}

static void __exit regtest_exit(void)
{
	mmb_device_unregister(&regtest_dev->mdev);
	mmb_device_put(&regtest_dev->mdev);
	platform_device_unregister(regtest_pdev);
	if (regtest_alias)
		vunmap(regtest_alias);
	vfree(regtest_mem);
}

module_init(regtest_init);
module_exit(regtest_exit);

MODULE_DESCRIPTION("mmbridge test driver: registration checks");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS_MMBRIDGE();
