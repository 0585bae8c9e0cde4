/* SPDX-License-Identifier: MIT */
/*
 * Copyright © 2026 Xe SVM Developers
 */

#undef TRACE_SYSTEM
#define TRACE_SYSTEM xe_svm

#if !defined(_XE_SVM_TRACE_H_) || defined(TRACE_HEADER_MULTI_READ)
#define _XE_SVM_TRACE_H_

#include <linux/mmu_notifier.h>
#include <linux/tracepoint.h>
#include <linux/types.h>

#include "xe_svm_range.h"

/*
 * Every event names the SVM context by its address (hashed by %p like any
 * kernel pointer in a trace) so that the events of one VM can be told
 * apart; ranges are named by their bounds, which are unique in a context.
 */

DECLARE_EVENT_CLASS(xe_svm_range_event,
		    TP_PROTO(const struct xe_svm_range *range),
		    TP_ARGS(range),

		    TP_STRUCT__entry(__field(const void *, svm)
				     __field(u64, start)
				     __field(u64, size)
				     __field(unsigned long, flags)),

		    TP_fast_assign(__entry->svm = range->svm;
				   __entry->start = range->start;
				   __entry->size = xe_svm_range_size(range);
				   __entry->flags = range->flags;),

		    TP_printk("svm=%p start=0x%llx size=0x%llx flags=0x%lx",
			      __entry->svm, __entry->start, __entry->size,
			      __entry->flags)
);

DEFINE_EVENT(xe_svm_range_event, xe_svm_range_create,
	     TP_PROTO(const struct xe_svm_range *range),
	     TP_ARGS(range)
);

DEFINE_EVENT(xe_svm_range_event, xe_svm_range_destroy,
	     TP_PROTO(const struct xe_svm_range *range),
	     TP_ARGS(range)
);

DEFINE_EVENT(xe_svm_range_event, xe_svm_invalidate_end,
	     TP_PROTO(const struct xe_svm_range *range),
	     TP_ARGS(range)
);

TRACE_EVENT(xe_svm_fault_begin,
	    TP_PROTO(const void *svm, u64 addr, bool write),
	    TP_ARGS(svm, addr, write),

	    TP_STRUCT__entry(__field(const void *, svm)
			     __field(u64, addr)
			     __field(bool, write)),

	    TP_fast_assign(__entry->svm = svm;
			   __entry->addr = addr;
			   __entry->write = write;),

	    TP_printk("svm=%p addr=0x%llx %s", __entry->svm, __entry->addr,
		      __entry->write ? "write" : "read")
);

TRACE_EVENT(xe_svm_fault_end,
	    TP_PROTO(const void *svm, u64 addr, int err, unsigned int retries),
	    TP_ARGS(svm, addr, err, retries),

	    TP_STRUCT__entry(__field(const void *, svm)
			     __field(u64, addr)
			     __field(int, err)
			     __field(unsigned int, retries)),

	    TP_fast_assign(__entry->svm = svm;
			   __entry->addr = addr;
			   __entry->err = err;
			   __entry->retries = retries;),

	    TP_printk("svm=%p addr=0x%llx err=%d retries=%u", __entry->svm,
		      __entry->addr, __entry->err, __entry->retries)
);

TRACE_EVENT(xe_svm_invalidate_begin,
	    TP_PROTO(const struct xe_svm_range *range, u64 start, u64 end,
		     enum mmu_notifier_event event),
	    TP_ARGS(range, start, end, event),

	    TP_STRUCT__entry(__field(const void *, svm)
			     __field(u64, range_start)
			     __field(u64, start)
			     __field(u64, end)
			     __field(int, event)),

	    TP_fast_assign(__entry->svm = range->svm;
			   __entry->range_start = range->start;
			   __entry->start = start;
			   __entry->end = end;
			   __entry->event = event;),

	    TP_printk("svm=%p range=0x%llx zap=[0x%llx, 0x%llx) event=%d",
		      __entry->svm, __entry->range_start, __entry->start,
		      __entry->end, __entry->event)
);

TRACE_EVENT(xe_svm_prefetch,
	    TP_PROTO(const struct xe_svm_range *range, bool vram, long moved, int err),
	    TP_ARGS(range, vram, moved, err),

	    TP_STRUCT__entry(__field(const void *, svm)
			     __field(u64, start)
			     __field(u64, end)
			     __field(bool, vram)
			     __field(long, moved)
			     __field(int, err)),

	    TP_fast_assign(__entry->svm = range->svm;
			   __entry->start = range->start;
			   __entry->end = range->last + 1;
			   __entry->vram = vram;
			   __entry->moved = moved;
			   __entry->err = err;),

	    TP_printk("svm=%p range=[0x%llx, 0x%llx) to=%s moved=%ld err=%d",
		      __entry->svm, __entry->start, __entry->end,
		      __entry->vram ? "vram" : "system", __entry->moved, __entry->err)
);

TRACE_EVENT(xe_svm_gc,
	    TP_PROTO(const void *svm, unsigned int freed),
	    TP_ARGS(svm, freed),

	    TP_STRUCT__entry(__field(const void *, svm)
			     __field(unsigned int, freed)),

	    TP_fast_assign(__entry->svm = svm;
			   __entry->freed = freed;),

	    TP_printk("svm=%p freed=%u", __entry->svm, __entry->freed)
);

#endif

/* This part must be outside protection */
#undef TRACE_INCLUDE_PATH
#undef TRACE_INCLUDE_FILE
/* Found through -I$(src), see the Makefile. */
#define TRACE_INCLUDE_PATH .
#define TRACE_INCLUDE_FILE xe_svm_trace
#include <trace/define_trace.h>
