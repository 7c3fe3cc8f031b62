/* sipnat-debug-private.h: debug topics chosen with SIPNAT_DEBUG
 *
 * SIPNAT_DEBUG=sip,nat,registration,sofia (or "all") turns topics on;
 * their messages go to g_debug() in the "Sipnat" log domain, so
 * G_MESSAGES_DEBUG=Sipnat (or all) is needed too to see them.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  SIPNAT_DEBUG_SIP          = 1 << 0,
  SIPNAT_DEBUG_NAT          = 1 << 1,
  SIPNAT_DEBUG_REGISTRATION = 1 << 2,
  SIPNAT_DEBUG_SOFIA        = 1 << 3,
  SIPNAT_DEBUG_CONFIG       = 1 << 4,
} SipnatDebugFlags;

guint _sipnat_debug_init (void);

#define SIPNAT_NOTE_ENABLED(topic) \
  G_UNLIKELY (_sipnat_debug_init () & SIPNAT_DEBUG_##topic)

#define SIPNAT_NOTE(topic, ...) \
  G_STMT_START { \
    if (G_UNLIKELY (_sipnat_debug_init () & SIPNAT_DEBUG_##topic)) \
      g_debug ("[" #topic "] " __VA_ARGS__); \
  } G_STMT_END

G_END_DECLS
