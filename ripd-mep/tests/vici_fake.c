/* vici_fake: see vici_fake.h. */
#include "vici_fake.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <cmocka.h>

int vici_fake_read(int fd, struct vici_splitter *in,
		   bool (*on_msg)(void *arg, const struct vici_msg *m),
		   void *arg)
{
	uint8_t buf[4096];
	const uint8_t *p;
	size_t len;
	ssize_t n = recv(fd, buf, sizeof(buf), 0);
	struct vici_msg *m;
	char err[VICI_ERR_MAX];
	bool more = true;
	int rc;

	if (n <= 0)
		return -1;
	assert_int_equal(vici_splitter_feed(in, buf, (size_t)n), 0);
	while (more && (rc = vici_splitter_next(in, &p, &len, err)) != 0) {
		assert_int_equal(rc, 1);
		if (vici_msg_parse(p, len, &m, err) < 0)
			fail_msg("client sent a bad message: %s", err);
		more = on_msg(arg, m);
		vici_msg_free(m);
	}
	return 0;
}
