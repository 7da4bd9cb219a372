/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mmbridge tracepoints: copy requests, pins, faults on revocable and object
 * mappings, revocation state changes and object moves.  Enable them under
 * /sys/kernel/tracing/events/mmbridge/.  The per-device totals of the same
 * events are in debugfs (mmbridge/<device>/stats).
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM mmbridge

#if !defined(_MMB_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _MMB_TRACE_H

#include <linux/tracepoint.h>

#include "priv.h"

#define MMB_TRACE_NAME 16

#define mmb_trace_dev(dst, mdev) \
	strscpy(dst, dev_name(&(mdev)->dev), MMB_TRACE_NAME)

/*
 * The event definitions are a language of their own, laid out as in the
 * kernel's trace headers, which clang-format cannot reproduce.
 */
/* clang-format off */
TRACE_EVENT(mmb_copy_submit,
	    TP_PROTO(const struct mmb_copy *c),
	    TP_ARGS(c),
	    TP_STRUCT__entry(__field(const void *, req)
			     __field(unsigned long, uaddr)
			     __field(size_t, len)
			     __field(unsigned int, flags)),
	    TP_fast_assign(__entry->req = c;
			   __entry->uaddr = c->uaddr;
			   __entry->len = c->len;
			   __entry->flags = c->flags;),
	    TP_printk("req=%p uaddr=0x%lx len=%zu flags=0x%x", __entry->req,
		      __entry->uaddr, __entry->len, __entry->flags));

TRACE_EVENT(mmb_copy_done,
	    TP_PROTO(const struct mmb_copy *c),
	    TP_ARGS(c),
	    TP_STRUCT__entry(__field(const void *, req)
			     __field(unsigned long, uaddr)
			     __field(size_t, len)
			     __field(size_t, copied)
			     __field(int, status)
			     __field(pid_t, worker)),
	    TP_fast_assign(__entry->req = c;
			   __entry->uaddr = c->uaddr;
			   __entry->len = c->len;
			   __entry->copied = c->copied;
			   __entry->status = c->status;
			   __entry->worker = c->worker_pid;),
	    TP_printk("req=%p uaddr=0x%lx len=%zu copied=%zu status=%d worker=%d",
		      __entry->req, __entry->uaddr, __entry->len,
		      __entry->copied, __entry->status, __entry->worker));

TRACE_EVENT(mmb_pin,
	    TP_PROTO(u64 uaddr, u64 len, unsigned long nr_pages,
		     unsigned int flags, int ret),
	    TP_ARGS(uaddr, len, nr_pages, flags, ret),
	    TP_STRUCT__entry(__field(u64, uaddr)
			     __field(u64, len)
			     __field(unsigned long, nr_pages)
			     __field(unsigned int, flags)
			     __field(int, ret)),
	    TP_fast_assign(__entry->uaddr = uaddr;
			   __entry->len = len;
			   __entry->nr_pages = nr_pages;
			   __entry->flags = flags;
			   __entry->ret = ret;),
	    TP_printk("uaddr=0x%llx len=%llu pages=%lu flags=0x%x ret=%d",
		      __entry->uaddr, __entry->len, __entry->nr_pages,
		      __entry->flags, __entry->ret));

TRACE_EVENT(mmb_unpin,
	    TP_PROTO(const struct mmb_pin *pin),
	    TP_ARGS(pin),
	    TP_STRUCT__entry(__field(u64, uaddr)
			     __field(unsigned long, nr_pages)),
	    TP_fast_assign(__entry->uaddr = pin->uaddr;
			   __entry->nr_pages = pin->nr_pages;),
	    TP_printk("uaddr=0x%llx pages=%lu", __entry->uaddr,
		      __entry->nr_pages));

/* kind: 0 region, 1 object */
TRACE_EVENT(mmb_fault,
	    TP_PROTO(struct mmb_device *mdev, int kind, unsigned long address,
		     u64 offset, u32 state, unsigned int ret),
	    TP_ARGS(mdev, kind, address, offset, state, ret),
	    TP_STRUCT__entry(__array(char, dev, MMB_TRACE_NAME)
			     __field(int, kind)
			     __field(unsigned long, address)
			     __field(u64, offset)
			     __field(u32, state)
			     __field(unsigned int, ret)),
	    TP_fast_assign(mmb_trace_dev(__entry->dev, mdev);
			   __entry->kind = kind;
			   __entry->address = address;
			   __entry->offset = offset;
			   __entry->state = state;
			   __entry->ret = ret;),
	    TP_printk("dev=%s %s address=0x%lx offset=0x%llx state=0x%x ret=0x%x",
		      __entry->dev, __entry->kind ? "object" : "region",
		      __entry->address, __entry->offset, __entry->state,
		      __entry->ret));

TRACE_EVENT(mmb_region_state,
	    TP_PROTO(struct mmb_device *mdev, u32 index, u32 reason, bool set,
		     u32 old, u32 state),
	    TP_ARGS(mdev, index, reason, set, old, state),
	    TP_STRUCT__entry(__array(char, dev, MMB_TRACE_NAME)
			     __field(u32, index)
			     __field(u32, reason)
			     __field(bool, set)
			     __field(u32, old)
			     __field(u32, state)),
	    TP_fast_assign(mmb_trace_dev(__entry->dev, mdev);
			   __entry->index = index;
			   __entry->reason = reason;
			   __entry->set = set;
			   __entry->old = old;
			   __entry->state = state;),
	    TP_printk("dev=%s region=%u %s reason=0x%x state=0x%x->0x%x%s",
		      __entry->dev, __entry->index,
		      __entry->set ? "revoke" : "restore", __entry->reason,
		      __entry->old, __entry->state,
		      !__entry->old != !__entry->state ? " zapped" : ""));

TRACE_EVENT(mmb_migrate,
	    TP_PROTO(struct mmb_device *mdev, u32 id, u32 to, u64 size),
	    TP_ARGS(mdev, id, to, size),
	    TP_STRUCT__entry(__array(char, dev, MMB_TRACE_NAME)
			     __field(u32, id)
			     __field(u32, to)
			     __field(u64, size)),
	    TP_fast_assign(mmb_trace_dev(__entry->dev, mdev);
			   __entry->id = id;
			   __entry->to = to;
			   __entry->size = size;),
	    TP_printk("dev=%s object=%u to=%s size=%llu", __entry->dev,
		      __entry->id,
		      __entry->to == MMB_OBJ_DEVICE ? "device" : "ram",
		      __entry->size));
/* clang-format on */

#endif /* _MMB_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
