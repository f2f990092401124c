/* nat_nft: IP Pool NAT's table on the kernel through nft_run (see
 * nat_nft.h). */
#include "nat_nft.h"

#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "nft_run.h"
#include "nft_setelem.h"

struct nat_nft {
	struct nft_run *run;
	struct nft_setelem *se;		/* admission set and counter: raw
					 * netlink (per event, per show) */
	bool known;		/* present/applied/sets tell the truth */
	bool present;		/* our table exists */
	bool have_applied;	/* applied holds what the table holds */
	struct nat_spec applied;
	char sets[8][NAT_NAME_MAX];
	size_t n_sets;
	char status[512];
	bool logged_error;	/* the current error is logged */
};

struct nat_nft *nat_nft_new(void)
{
	struct nat_nft *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->run = nft_run_new();
	n->se = nft_setelem_new(1 /* NFPROTO_INET */);
	if (!n->run || !n->se) {
		nft_run_free(n->run);
		nft_setelem_free(n->se);
		free(n);
		return NULL;
	}
	nat_spec_init(&n->applied);
	snprintf(n->status, sizeof(n->status), "off");
	return n;
}

void nat_nft_free(struct nat_nft *n)
{
	if (!n)
		return;
	nft_run_free(n->run);
	nft_setelem_free(n->se);
	nat_spec_free(&n->applied);
	free(n);
}

const char *nat_nft_status(const struct nat_nft *n)
{
	return n->status;
}

bool nat_nft_active(const struct nat_nft *n)
{
	return n->known && n->present && n->have_applied;
}

/* libnftables keeps what it fetched (every element of the table's sets,
 * hundreds of bytes each) in its context until the next command: a fresh
 * context lets it go now. */
static void drop_cache(struct nat_nft *n)
{
	struct nft_run *fresh = nft_run_new();

	if (fresh) {
		nft_run_free(n->run);
		n->run = fresh;
	}
	malloc_trim(0);
}

/* Record an error: status and one log line per distinct error. */
static int fail(struct nat_nft *n, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int fail(struct nat_nft *n, const char *fmt, ...)
{
	char msg[sizeof(n->status) - 8];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* nft's message spans lines (the command, then a marker): the
	 * first line tells */
	msg[strcspn(msg, "\n")] = '\0';
	if (!n->logged_error || strncmp(n->status, "error: ", 7) ||
	    strcmp(msg, n->status + 7)) {
		log_err("ip-pool-nat: %s", msg);
		n->logged_error = true;
	}
	snprintf(n->status, sizeof(n->status), "error: %s", msg);
	n->known = false;
	return -1;
}

/* List the table: what is there, is it ours. */
static int look(struct nat_nft *n)
{
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;
	struct nat_listing l;
	enum nft_table_owner owner;
	int rc = 0;

	if (nft_run_look_table(n->run, NAT_TABLE, NAT_TABLE_COMMENT, &out,
			       &owner, &err) < 0) {
		rc = fail(n, "nftables unavailable: %s", strbuf_str(&err));
		goto out;
	}
	if (owner == NFT_TABLE_ABSENT) {
		n->known = true;
		n->present = false;
		n->have_applied = false;
		n->n_sets = 0;
		goto out;
	}
	if (owner == NFT_TABLE_FOREIGN) {
		rc = fail(n, "table " NAT_TABLE " exists and is not ours "
			     "(no comment \"" NAT_TABLE_COMMENT "\"): "
			     "left alone, IP Pool NAT off");
		goto out;
	}
	nat_listing_parse(strbuf_str(&out), &l);
	n->known = true;
	n->present = true;
	n->have_applied = false;	/* its content is rewritten once */
	memcpy(n->sets, l.sets, sizeof(n->sets));
	n->n_sets = l.n_sets;
	log_notice("ip-pool-nat: adopted table " NAT_TABLE
		   " (left by an earlier run; its connections live on)");
out:
	drop_cache(n);
	strbuf_free(&out);
	strbuf_free(&err);
	return rc;
}

int nat_nft_apply(struct nat_nft *n, const struct nat_spec *want)
{
	struct strbuf batch = STRBUF_INIT, err = STRBUF_INIT;
	char pool[MEP_PREFIX_STRLEN];
	bool was_present;
	int rc = 0;

	/* before creating it, make sure no table of that name appeared
	 * meanwhile (someone else's must not get our comment) */
	if ((!n->known || (!n->present && want->on)) && look(n) < 0)
		return -1;
	nat_rules_batch(want, n->present,
			n->have_applied ? &n->applied : NULL,
			(const char (*)[NAT_NAME_MAX])n->sets, n->n_sets,
			&batch);
	was_present = n->present;
	if (batch.len == 0)
		goto done;
	if (nft_run_batch(n->run, strbuf_str(&batch), &err) < 0) {
		rc = fail(n, "nftables transaction failed: %s",
			  strbuf_str(&err));
		goto out;
	}
	mep_prefix_str(&want->pool, pool, sizeof(pool));
	if (!want->on) {
		log_notice("ip-pool-nat: removed table " NAT_TABLE);
	} else if (!was_present) {
		log_notice("ip-pool-nat: created table " NAT_TABLE
			   " (pool %s, %zu domains)",
			   pool, want->n_domains);
	} else {
		log_notice("ip-pool-nat: updated table " NAT_TABLE
			   " (pool %s, %zu domains)",
			   pool, want->n_domains);
	}
	drop_cache(n);
	n->present = want->on;
	n->n_sets = 0;
	if (want->on) {
		nat_spec_set_names(want, n->sets[0], n->sets[1]);
		n->n_sets = 2;
	}
done:
	if (nat_spec_copy(&n->applied, want) < 0) {
		n->have_applied = false;
		n->known = false;	/* list it again next time */
	} else {
		n->have_applied = true;
	}
	n->logged_error = false;
	snprintf(n->status, sizeof(n->status), "%s",
		 want->on ? "active" : "off");
out:
	strbuf_free(&batch);
	strbuf_free(&err);
	return rc;
}

/* After an ENOENT on the admission set: if the table itself is gone
 * (deleted from outside), the state is unknown: the next apply looks
 * again and re-creates it. */
static void check_gone(struct nat_nft *n)
{
	uint64_t packets;

	if (nft_counter_packets(n->se, NAT_TABLE_NAME, "refused", &packets) ==
	    -ENOENT)
		(void)fail(n, "table " NAT_TABLE " or its sets are gone "
			      "(deleted from outside?): re-creating it");
}

int nat_nft_release(struct nat_nft *n, const struct mep_addr *src, size_t k)
{
	char dom[NAT_NAME_MAX], adm[NAT_NAME_MAX];
	int rc;

	if (!nat_nft_active(n) || k == 0)
		return 0;
	nat_spec_set_names(&n->applied, dom, adm);
	rc = nft_setelem_change(n->se, NAT_TABLE_NAME, adm, false, src, k);
	if (rc == -ENOENT && k > 1) {
		/* one of them already gone: take them out one by one */
		for (size_t i = 0; i < k; i++)
			(void)nft_setelem_change(n->se, NAT_TABLE_NAME, adm,
						 false, &src[i], 1);
	}
	if (rc == -ENOENT)
		check_gone(n);
	if (rc < 0)
		log_msg(LOG_DEBUG, "ip-pool-nat: releasing %zu sources: %s", k,
			strerror(-rc));
	return rc < 0 ? -1 : 0;
}

int nat_nft_admit(struct nat_nft *n, const struct mep_addr *src, size_t k)
{
	char dom[NAT_NAME_MAX], adm[NAT_NAME_MAX];
	int rc;

	if (!nat_nft_active(n) || k == 0)
		return 0;
	nat_spec_set_names(&n->applied, dom, adm);
	rc = nft_setelem_change(n->se, NAT_TABLE_NAME, adm, true, src, k);
	if (rc == -ENOENT)
		check_gone(n);
	if (rc < 0)
		log_msg(LOG_DEBUG, "ip-pool-nat: admitting %zu sources: %s", k,
			strerror(-rc));
	return rc < 0 ? -1 : 0;
}

int nat_nft_admitted(struct nat_nft *n,
		     void (*fn)(void *arg, const struct mep_addr *a),
		     void *arg)
{
	char dom[NAT_NAME_MAX], adm[NAT_NAME_MAX];

	if (!nat_nft_active(n))
		return -1;
	nat_spec_set_names(&n->applied, dom, adm);
	return nft_setelem_dump(n->se, NAT_TABLE_NAME, adm, fn, arg) < 0 ? -1
									  : 0;
}

/* One object read over netlink: libnftables' listing would fetch every
 * set element of the table first. */
int nat_nft_refused(struct nat_nft *n, uint64_t *packets)
{
	if (!nat_nft_active(n))
		return -1;
	return nft_counter_packets(n->se, NAT_TABLE_NAME, "refused", packets) <
			       0
		       ? -1
		       : 0;
}
