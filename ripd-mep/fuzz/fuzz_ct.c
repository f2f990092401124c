/* libFuzzer target: the ctnetlink event reader (nat_ct_msg) on arbitrary
 * bytes, as an event and as a dump's entry; what it reads goes through
 * the accounting core (nat_account) of a small pool, whose counters must
 * stay consistent (used <= tracked bound, connections add up). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nat_account.h"
#include "nat_ct_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct nat_account acct;
static bool ready;

static void setup(void)
{
	struct nat_spec s;

	nat_spec_init(&s);
	s.on = true;
	s.gateway = 0;
	if (mep_prefix_parse("172.16.2.0/30", &s.pool, NULL) < 0)
		abort();
	s.size = s.admit = 4;
	nat_account_init(&acct);
	if (nat_account_configure(&acct, &s) < 0)
		abort();
	ready = true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum nat_ct_kind k;
	struct mep_addr s, d;
	uint8_t *copy;

	if (!ready)
		setup();
	/* an exact-size copy: a read past the input is caught */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	for (int dump = 0; dump < 2; dump++)
		if (nat_ct_msg_parse(copy, size, dump, &k, &s, &d) ==
		    NAT_CT_MSG_EVENT)
			(void)nat_account_event(&acct, k, &s, &d);
	free(copy);
	if (acct.used > acct.max_mappings)
		abort();
	{
		uint64_t sum = 0;

		for (size_t i = 0; i < acct.n_map; i++)
			sum += acct.map[i].connections;
		if (sum != acct.connections)
			abort();
	}
	return 0;
}
