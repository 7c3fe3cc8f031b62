/* sipnat-sofia-private.h: Sofia-SIP headers and cleanup functions
 *
 * Only the library's .c files that drive Sofia include this (directly or
 * through another *-private.h that is Sofia's too); public headers and
 * the settings code never do.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

#include "sipnat-handle-owner-private.h"

/* nua's magic pointers are our objects. */
#define NUA_MAGIC_T  struct _SipnatStack
#define NUA_HMAGIC_T struct _SipnatHandleOwner
#define SU_ROOT_MAGIC_T struct _SipnatStack

#include <sofia-sip/nua.h>
#include <sofia-sip/nua_tag.h>
#include <sofia-sip/nta.h>
#include <sofia-sip/nta_tag.h>
#include <sofia-sip/sip.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/sresolv.h>
#include <sofia-sip/su_glib.h>
#include <sofia-sip/su_tag_io.h>
#include <sofia-sip/tport_tag.h>
#include <sofia-sip/url.h>

G_BEGIN_DECLS

/* One nua event, as the stack hands it to the owner of its handle. */
struct _SipnatSipEvent
{
  nua_event_t event;
  int status;
  const char *phrase;
  nua_handle_t *nh;
  const sip_t *sip;
  tagi_t *tags;
  /* The message came from the network: not a response that nta made up
   * itself (a timeout, a transport error). */
  gboolean from_network;
};

static inline void
_sipnat_su_home_unref (su_home_t *home)
{
  su_home_unref (home);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (su_home_t, _sipnat_su_home_unref)

G_END_DECLS
