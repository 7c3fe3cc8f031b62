/* sipnat-test-call-faults.h: the fixture of the call fault tests
 * (test-call-faults, test-call-faults-incoming)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each case gets a fresh fake registrar and an endpoint on 127.0.0.1
 * where alice has registered with it, with ICE on.
 */

#pragma once

#include <sipnat.h>

#include "sipnat-fake-registrar.h"
#include "sipnat-test-fake-endpoint.h"
#include "sipnat-test-utils.h"

G_BEGIN_DECLS

#define SIPNAT_TEST_FAULTS_DEADLINE_MS 20000

typedef struct {
  SipnatFakeRegistrar *fake;
  SipnatEndpoint *endpoint;
  SipnatRegistration *reg;
  SipnatNatPolicy *policy;
  char *server;
  SipnatCall *call;
  GstElement *pipeline;
  SipnatTestResult result;
  guint incoming;
  gboolean answer;              /* answer incoming calls */
} SipnatTestFaults;

typedef void (*SipnatTestFaultsFunc) (SipnatTestFaults *f,
                                      gconstpointer     data);

/* g_test_init() and gst_init() */
void     sipnat_test_faults_init            (int                   *argc,
                                             char                ***argv);
/* Adds the case @func at @path, the fixture set up and torn down around
 * it. */
void     sipnat_test_faults_add             (const char            *path,
                                             SipnatTestFaultsFunc   func,
                                             gconstpointer          data);
/* Adds @func at "/call/faults/" @path (a string literal). */
#define SIPNAT_TEST_FAULTS_ADD(path, func, data) \
  sipnat_test_faults_add ("/call/faults/" path, (func), (data))
/* Adds @func once per element of the array @table, whose elements have a
 * `name`: at "/call/faults/" @prefix "/" name, with the element as data. */
#define SIPNAT_TEST_FAULTS_ADD_EACH(prefix, table, func) \
  G_STMT_START { \
    for (guint i_ = 0; i_ < G_N_ELEMENTS (table); i_++) \
      { \
        g_autofree char *path_ = g_strconcat ("/call/faults/" prefix "/", (table)[i_].name, \
                                              NULL); \
        \
        sipnat_test_faults_add (path_, (func), &(table)[i_]); \
      } \
  } G_STMT_END

/* How many requests of @method the fake got */
guint    sipnat_test_faults_count           (SipnatTestFaults *f,
                                             const char       *method);
/* Waits for the @n-th request of @method at the fake. */
void     sipnat_test_faults_wait_request    (SipnatTestFaults *f,
                                             const char       *method,
                                             guint             n);
/* Waits until the fake got @n responses @status to @method. */
void     sipnat_test_faults_wait_responses  (SipnatTestFaults *f,
                                             guint             status,
                                             const char       *method,
                                             guint             n);
/* A SipnatTestPredicate (@data: the fixture): its call rings. */
gboolean sipnat_test_faults_call_ringing    (gpointer          data);

/* A UDP port on 127.0.0.1 where nothing listens (bound, then closed) */
guint16  sipnat_test_faults_closed_udp_port (void);

G_END_DECLS
