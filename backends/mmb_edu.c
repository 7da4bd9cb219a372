// SPDX-License-Identifier: GPL-2.0
/*
 * mmb_edu: QEMU's "edu" educational PCI device (1234:11e8) as an mmbridge
 * device, edu0, edu1, ...
 *
 * BAR0 holds the registers and, at 0x40000, a 4 KiB buffer that only the
 * device's DMA engine reaches; none of it is mapped into user space.
 * Interrupts are MSI: the device raises one when software writes the raise
 * register and when a DMA transfer ends.
 * The engine runs one transfer at a time; queued requests start from the
 * interrupt handler of the previous one.
 *
 * With the module parameter edu_test_hooks, debugfs mmbridge/<edu>/stray_dma
 * (root only) makes the engine write its buffer to a bus address that
 * nothing mapped, so a test can see what an IOMMU does to such a DMA, and
 * mmbridge/<edu>/raise_irq sets the interrupt status bits written to it, as
 * the raise register does, so a test can give the handler a DMA bit that no
 * transfer of the driver's set.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/debugfs.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/iopoll.h>
#include <linux/kstrtox.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/refcount.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include <linux/mmbridge.h>

#define EDU_DRV_NAME "mmbridge-edu"

#define EDU_REG_IDENT 0x00 /* 0xRRrr00ed: major, minor, 0xed */
#define EDU_REG_LIVENESS 0x04 /* reads back the inverse of a write */
#define EDU_REG_IRQ_STATUS 0x24
#define EDU_REG_IRQ_RAISE 0x60
#define EDU_REG_IRQ_ACK 0x64
#define EDU_REG_DMA_SRC 0x80 /* 64-bit registers */
#define EDU_REG_DMA_DST 0x88
#define EDU_REG_DMA_COUNT 0x90
#define EDU_REG_DMA_CMD 0x98

#define EDU_DMA_CMD_RUN 0x1
#define EDU_DMA_CMD_FROM_DEV 0x2 /* device buffer -> RAM */
#define EDU_DMA_CMD_IRQ 0x4 /* interrupt when done */

#define EDU_IRQ_TRIGGER 0x00000001
#define EDU_IRQ_DMA 0x00000100

#define EDU_DMA_BUF 0x40000
#define EDU_DMA_SIZE 4096
#define EDU_DMA_MIN 8
#define EDU_IDENT_MAGIC 0xed

/*
 * QEMU before 8.0 (QEMU issue 1254) rejects a transfer that ends at the last
 * byte of the 4 KiB buffer, and its rejection aborts the whole VM.  The
 * window therefore stops one byte short unless the user vouches for a fixed
 * QEMU.
 */
static unsigned int edu_dma_window = EDU_DMA_SIZE - 1;
module_param(edu_dma_window, uint, 0444);
/* clang-format off */
MODULE_PARM_DESC(edu_dma_window,
		 "Bytes of the edu DMA buffer to use, 8 to 4096 (default: 4095; 4096 needs QEMU >= 8.0)");
/* clang-format on */

static bool edu_test_hooks;
module_param(edu_test_hooks, bool, 0444);
/* clang-format off */
MODULE_PARM_DESC(edu_test_hooks,
		 "Test facilities in debugfs, root only: stray_dma aims the DMA engine at any bus address, raise_irq sets interrupt status bits; never set outside tests (default: off)");
/* clang-format on */

static unsigned int edu_dma_bits = 28;
module_param(edu_dma_bits, uint, 0444);
/* clang-format off */
MODULE_PARM_DESC(edu_dma_bits,
		 "DMA address bits of the edu device, 28 to 64; must match QEMU's dma_mask (default: 28, QEMU's default)");
/* clang-format on */

struct mmb_edu {
	struct mmb_device mdev; /* first: mmb_device_alloc() */
	struct pci_dev *pdev;
	void __iomem *bar;
	u32 ident;
	int irq;

	spinlock_t dma_lock; /* the engine's queue; IRQ-safe */
	struct list_head dma_queue; /* dma_lock: waiting to start */
	struct mmb_dma_req *dma_cur; /* dma_lock: on the engine */
	wait_queue_head_t dma_idle_wq;
};

/* Start the next queued transfer if the engine is idle. */
static void edu_dma_kick(struct mmb_edu *edu)
{
	struct mmb_dma_req *req;
	u64 dev = EDU_DMA_BUF;
	u64 cmd = EDU_DMA_CMD_RUN | EDU_DMA_CMD_IRQ;

	lockdep_assert_held(&edu->dma_lock);
	if (edu->dma_cur || list_empty(&edu->dma_queue))
		return;
	req = list_first_entry(&edu->dma_queue, struct mmb_dma_req, node);
	list_del(&req->node);
	edu->dma_cur = req;

	dev += req->dev_offset;
	if (req->to_device) {
		writeq(req->dma_addr, edu->bar + EDU_REG_DMA_SRC);
		writeq(dev, edu->bar + EDU_REG_DMA_DST);
	} else {
		writeq(dev, edu->bar + EDU_REG_DMA_SRC);
		writeq(req->dma_addr, edu->bar + EDU_REG_DMA_DST);
		cmd |= EDU_DMA_CMD_FROM_DEV;
	}
	writeq(req->len, edu->bar + EDU_REG_DMA_COUNT);
	writeq(cmd, edu->bar + EDU_REG_DMA_CMD);
}

/*
 * The transfer on the engine if the engine has finished it, taken off it
 * (and the next one started); else NULL.  The DMA bit of the interrupt
 * status says that a transfer ended, not which one: a bit left from before
 * this driver took the device, or set through the raise register, must not
 * complete a transfer that is still running, whose buffer the device is
 * about to write.  The command register's RUN bit says whether it is.
 */
static struct mmb_dma_req *edu_dma_finished(struct mmb_edu *edu)
{
	struct mmb_dma_req *req;

	spin_lock(&edu->dma_lock);
	req = edu->dma_cur;
	if (req && !(readq(edu->bar + EDU_REG_DMA_CMD) & EDU_DMA_CMD_RUN)) {
		edu->dma_cur = NULL;
		edu_dma_kick(edu);
		if (!edu->dma_cur)
			wake_up(&edu->dma_idle_wq);
	} else {
		req = NULL;
	}
	spin_unlock(&edu->dma_lock);
	return req;
}

static irqreturn_t edu_irq(int irq, void *data)
{
	struct mmb_edu *edu = data;
	u32 status;

	status = ioread32(edu->bar + EDU_REG_IRQ_STATUS);
	if (!status)
		return IRQ_NONE;
	iowrite32(status, edu->bar + EDU_REG_IRQ_ACK);

	/*
	 * One event per cause the interrupt reports; a DMA bit is one only
	 * when it ends the transfer on the engine.  The event first: when a
	 * transfer's waiter returns, the transfer's interrupt is already
	 * counted and delivered (as on soft).
	 */
	if (status & EDU_IRQ_DMA) {
		struct mmb_dma_req *req = edu_dma_finished(edu);

		if (req) {
			mmb_irq_event(&edu->mdev, MMB_EVENT_DMA);
			req->status = 0;
			req->done(req);
		}
	}
	if (status & ~EDU_IRQ_DMA)
		mmb_irq_event(&edu->mdev, MMB_EVENT_TRIGGER);
	return IRQ_HANDLED;
}

static struct mmb_edu *to_edu(struct mmb_device *mdev)
{
	return container_of(mdev, struct mmb_edu, mdev);
}

static int edu_irq_raise(struct mmb_device *mdev)
{
	struct mmb_edu *edu = to_edu(mdev);

	iowrite32(EDU_IRQ_TRIGGER, edu->bar + EDU_REG_IRQ_RAISE);
	return 0;
}

static int edu_dma_submit(struct mmb_device *mdev, struct mmb_dma_req *req)
{
	struct mmb_edu *edu = to_edu(mdev);
	unsigned long flags;

	if (req->dev_offset + req->len > edu_dma_window)
		return -EINVAL;
	spin_lock_irqsave(&edu->dma_lock, flags);
	list_add_tail(&req->node, &edu->dma_queue);
	edu_dma_kick(edu);
	spin_unlock_irqrestore(&edu->dma_lock, flags);
	return 0;
}

static const struct mmb_device_ops edu_ops = {
	.irq_raise = edu_irq_raise,
	.dma_submit = edu_dma_submit,
};

static bool edu_dma_idle(struct mmb_edu *edu)
{
	bool idle;

	spin_lock_irq(&edu->dma_lock);
	idle = !edu->dma_cur && list_empty(&edu->dma_queue);
	spin_unlock_irq(&edu->dma_lock);
	return idle;
}

/*
 * Wait for queued transfers to finish (the engine needs about 100 ms of
 * virtual time each), then fail whatever a dead device left behind.  Bus
 * mastering is off by then, so the device cannot touch those buffers.
 */
static void edu_dma_drain(struct mmb_edu *edu)
{
	LIST_HEAD(left);
	struct mmb_dma_req *req, *tmp;

	if (!wait_event_timeout(edu->dma_idle_wq, edu_dma_idle(edu), 10 * HZ))
		dev_err(&edu->pdev->dev,
			"DMA engine stuck, failing its requests\n");
	free_irq(edu->irq, edu);
	pci_clear_master(edu->pdev);

	spin_lock_irq(&edu->dma_lock);
	if (edu->dma_cur)
		list_add(&edu->dma_cur->node, &left);
	edu->dma_cur = NULL;
	list_splice_tail_init(&edu->dma_queue, &left);
	spin_unlock_irq(&edu->dma_lock);
	list_for_each_entry_safe(req, tmp, &left, node) {
		list_del(&req->node);
		mmb_irq_event(&edu->mdev, MMB_EVENT_DMA_ERROR);
		req->status = -EIO;
		req->done(req);
	}
}

/*
 * Test hook (test_hooks): one transfer of the whole window, from the
 * device's buffer to the bus address written to debugfs stray_dma, queued
 * on the engine like every other transfer and so never overlapping one.
 * The address is taken as it is: no DMA mapping is made for it, which is
 * the point, so behind an IOMMU the write faults there (and is logged),
 * without one it lands in whatever RAM is at that physical address.  The
 * write() returns the bytes written once the engine reports completion
 * (which it does also when the IOMMU refused the transfer), -EINTR when
 * killed first, -ETIMEDOUT after 10 s; the request then completes later,
 * or fails at removal, and frees itself.
 */
struct edu_stray {
	struct mmb_dma_req req;
	struct completion done;
	refcount_t ref; /* the waiter and the engine */
};

static void edu_stray_put(struct edu_stray *s)
{
	if (refcount_dec_and_test(&s->ref))
		kfree(s);
}

/* Any context (the interrupt handler, edu_dma_drain()). */
static void edu_stray_done(struct mmb_dma_req *req)
{
	struct edu_stray *s = container_of(req, struct edu_stray, req);

	complete(&s->done);
	edu_stray_put(s);
}

static ssize_t edu_stray_dma_write(struct file *file, const char __user *buf,
				   size_t count, loff_t *ppos)
{
	struct mmb_edu *edu = file->private_data;
	struct edu_stray *s;
	ssize_t ret;
	long left;
	u64 addr;

	if (!capable(CAP_SYS_RAWIO))
		return -EPERM;
	ret = kstrtou64_from_user(buf, count, 0, &addr);
	if (ret)
		return ret;
	if (addr > dma_get_mask(&edu->pdev->dev) - (edu_dma_window - 1))
		return -EINVAL;
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	init_completion(&s->done);
	refcount_set(&s->ref, 2);
	s->req.dma_addr = addr;
	s->req.dev_offset = 0;
	s->req.len = edu_dma_window;
	s->req.to_device = false;
	s->req.done = edu_stray_done;

	dev_info(&edu->pdev->dev, "test hook: DMA of %u bytes to 0x%llx\n",
		 edu_dma_window, addr);
	/*
	 * The engine runs: unregistration removes this file, waiting for
	 * this write, before the remove drains the engine.
	 */
	ret = edu_dma_submit(&edu->mdev, &s->req);
	if (ret) {
		kfree(s);
		return ret;
	}
	left = wait_for_completion_killable_timeout(&s->done, 10 * HZ);
	if (left > 0)
		ret = s->req.status ? s->req.status : count;
	else
		ret = left ? -EINTR : -ETIMEDOUT;
	edu_stray_put(s);
	return ret;
}

static const struct file_operations edu_stray_dma_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = edu_stray_dma_write,
};

/*
 * Test hook (test_hooks): the interrupt status bits written (a number) are
 * raised, as by a write to the raise register from anywhere else.
 */
static ssize_t edu_raise_irq_write(struct file *file, const char __user *buf,
				   size_t count, loff_t *ppos)
{
	struct mmb_edu *edu = file->private_data;
	u32 bits;
	int ret;

	if (!capable(CAP_SYS_RAWIO))
		return -EPERM;
	ret = kstrtou32_from_user(buf, count, 0, &bits);
	if (ret)
		return ret;
	iowrite32(bits, edu->bar + EDU_REG_IRQ_RAISE);
	return count;
}

static const struct file_operations edu_raise_irq_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = edu_raise_irq_write,
};

static ssize_t ident_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	return sysfs_emit(buf, "0x%08x\n",
			  to_edu(mmb_device_from_dev(dev))->ident);
}
static DEVICE_ATTR_RO(ident);

static struct attribute *edu_attrs[] = {
	&dev_attr_ident.attr,
	NULL,
};
ATTRIBUTE_GROUPS(edu);

/* The device answers as an edu: identification and liveness registers. */
static int edu_check_alive(struct mmb_edu *edu)
{
	static const u32 probes[] = { 0x12345678, 0xa5a5a5a5, 0 };
	int i;

	edu->ident = ioread32(edu->bar + EDU_REG_IDENT);
	if ((edu->ident & 0xff) != EDU_IDENT_MAGIC || (edu->ident >> 24) != 1) {
		dev_err(&edu->pdev->dev, "unexpected ident 0x%08x\n",
			edu->ident);
		return -ENODEV;
	}
	for (i = 0; i < ARRAY_SIZE(probes); i++) {
		iowrite32(probes[i], edu->bar + EDU_REG_LIVENESS);
		if (ioread32(edu->bar + EDU_REG_LIVENESS) != ~probes[i]) {
			dev_err(&edu->pdev->dev, "liveness check failed\n");
			return -ENODEV;
		}
	}
	return 0;
}

/*
 * Nothing left from a previous owner of the device: with bus mastering
 * off, a transfer it started ends (in 100 ms) without reaching memory, and
 * the interrupt bits it left are cleared, so that none is taken for one of
 * this driver's.
 */
static int edu_quiesce(struct mmb_edu *edu)
{
	u64 cmd;
	int ret;

	pci_clear_master(edu->pdev);
	ret = readq_poll_timeout(edu->bar + EDU_REG_DMA_CMD, cmd,
				 !(cmd & EDU_DMA_CMD_RUN), 1000, USEC_PER_SEC);
	if (ret) {
		dev_err(&edu->pdev->dev, "DMA engine busy\n");
		return -EBUSY;
	}
	iowrite32(ioread32(edu->bar + EDU_REG_IRQ_STATUS),
		  edu->bar + EDU_REG_IRQ_ACK);
	return 0;
}

static int edu_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct mmb_edu *edu;
	int ret;

	if (edu_dma_bits < 28 || edu_dma_bits > 64) {
		dev_err(&pdev->dev, "edu_dma_bits=%u: must be 28 to 64\n",
			edu_dma_bits);
		return -EINVAL;
	}
	/* The stream's pattern is whole 8-byte words of the window. */
	if (edu_dma_window < EDU_DMA_MIN || edu_dma_window > EDU_DMA_SIZE) {
		dev_err(&pdev->dev, "edu_dma_window=%u: must be %u to %u\n",
			edu_dma_window, EDU_DMA_MIN, EDU_DMA_SIZE);
		return -EINVAL;
	}

	/* Released by devres after edu_remove() or a failed probe. */
	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	ret = pcim_iomap_regions(pdev, BIT(0), EDU_DRV_NAME);
	if (ret)
		return ret;
	ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(edu_dma_bits));
	if (ret)
		return ret;

	edu = mmb_device_alloc(struct mmb_edu, mdev, &pdev->dev, &edu_ops,
			       "edu");
	if (IS_ERR(edu))
		return PTR_ERR(edu);
	edu->pdev = pdev;
	edu->bar = pcim_iomap_table(pdev)[0];
	spin_lock_init(&edu->dma_lock);
	INIT_LIST_HEAD(&edu->dma_queue);
	init_waitqueue_head(&edu->dma_idle_wq);
	ret = edu_check_alive(edu);
	if (!ret)
		ret = edu_quiesce(edu);
	if (ret)
		goto err_put;
	/*
	 * A DMA engine with interrupts, and no mappable memory: every page of
	 * BAR0 holds registers or the DMA buffer, and the register page
	 * programs the DMA engine (any address the DMA mask reaches) and
	 * raises and acknowledges interrupts.
	 */
	edu->mdev.dma_window = edu_dma_window;

	ret = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_MSI);
	if (ret < 0)
		goto err_put;
	edu->irq = pci_irq_vector(pdev, 0);
	ret = request_irq(edu->irq, edu_irq, 0, EDU_DRV_NAME, edu);
	if (ret)
		goto err_free_vectors;
	pci_set_master(pdev);

	ret = mmb_device_register(&edu->mdev, edu_groups);
	if (ret)
		goto err_free_irq;

	pci_set_drvdata(pdev, edu);
	/* Removed with the device's directory, before the engine stops. */
	if (edu_test_hooks) {
		debugfs_create_file("stray_dma", 0200,
				    mmb_device_debugfs(&edu->mdev), edu,
				    &edu_stray_dma_fops);
		debugfs_create_file("raise_irq", 0200,
				    mmb_device_debugfs(&edu->mdev), edu,
				    &edu_raise_irq_fops);
	}
	dev_info(&pdev->dev, "%s: ident 0x%08x, MSI irq %d, %u-bit DMA\n",
		 dev_name(&edu->mdev.dev), edu->ident, edu->irq, edu_dma_bits);
	return 0;

err_free_irq:
	pci_clear_master(pdev);
	free_irq(edu->irq, edu);
err_free_vectors:
	pci_free_irq_vectors(pdev);
err_put:
	mmb_device_put(&edu->mdev);
	return ret;
}

static void edu_remove(struct pci_dev *pdev)
{
	struct mmb_edu *edu = pci_get_drvdata(pdev);

	mmb_device_unregister(&edu->mdev);
	edu_dma_drain(edu); /* also frees the IRQ */
	pci_free_irq_vectors(pdev);
	/* Open files may keep @edu; the BAR goes with devres after this. */
	mmb_device_put(&edu->mdev);
}

static const struct pci_device_id edu_ids[] = { { PCI_DEVICE(0x1234, 0x11e8) },
						{} };
MODULE_DEVICE_TABLE(pci, edu_ids);

static struct pci_driver edu_driver = {
	.name = EDU_DRV_NAME,
	.id_table = edu_ids,
	.probe = edu_probe,
	.remove = edu_remove,
};

module_pci_driver(edu_driver);

MODULE_DESCRIPTION("mmbridge driver for QEMU's edu PCI device");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS_MMBRIDGE();
