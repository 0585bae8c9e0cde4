// SPDX-License-Identifier: MIT
/*
 * Copyright © 2026 Xe SVM Developers
 */

#ifndef __CHECKER__
#define CREATE_TRACE_POINTS
#include "xe_svm_trace.h"
#endif
