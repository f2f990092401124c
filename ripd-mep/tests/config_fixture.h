/* config_fixture: building struct mep_config by hand in unit tests (the
 * pure modules are tested without the parser). Allocation failures and
 * bad prefixes fail the running cmocka test. Everything added is owned
 * by cfg and released by mep_config_free(). */
#ifndef RIPD_MEP_TESTS_CONFIG_FIXTURE_H
#define RIPD_MEP_TESTS_CONFIG_FIXTURE_H

#include <stddef.h>

#include "config.h"
#include "prefix.h"

void *fixture_xrealloc(void *p, size_t n);
void fixture_list_push(struct mep_gw_list *l, int gw);
struct mep_prefix fixture_prefix(const char *s);
/* A gateway with an address (NULL: none) and space-separated vpn-domain
 * prefixes (NULL: none); returns its index. */
int fixture_add_gateway(struct mep_config *cfg, const char *name,
			const char *address, const char *domains);
/* A community of type; returns its index. */
int fixture_add_community(struct mep_config *cfg, const char *name,
			  enum mep_community_type type);

#endif
