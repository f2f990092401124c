/* vici_fake: the reading half of the fake charons of the unit tests
 * (test_vici, test_engine): what a VICI client sent on a socket, split
 * into messages, each handed to the test's own request handler. The
 * client's frames and messages must be well-formed (a test failure
 * otherwise). */
#ifndef RIPD_MEP_TESTS_VICI_FAKE_H
#define RIPD_MEP_TESTS_VICI_FAKE_H

#include <stdbool.h>

#include "vici_codec.h"

/* Read once from fd into in and call on_msg for each complete message,
 * while on_msg returns true (false: it closed the connection). Returns
 * -1 when the client closed the connection or the read failed (the
 * caller hangs up), else 0. */
int vici_fake_read(int fd, struct vici_splitter *in,
		   bool (*on_msg)(void *arg, const struct vici_msg *m),
		   void *arg);

#endif
