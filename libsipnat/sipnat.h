/* sipnat.h: the libsipnat umbrella header
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

#define SIPNAT_INSIDE

#include "sipnat-version.h"
#include "sipnat-enums.h"
#include "sipnat-error.h"
#include "sipnat-transport.h"
#include "sipnat-binding.h"
#include "sipnat-candidate-pair.h"
#include "sipnat-nat-policy.h"
#include "sipnat-nat-report.h"
#include "sipnat-call-stats.h"
#include "sipnat-call.h"
#include "sipnat-endpoint.h"
#include "sipnat-registration.h"

#undef SIPNAT_INSIDE
