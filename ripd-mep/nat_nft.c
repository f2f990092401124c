/* nat_nft: IP Pool NAT's table on the kernel through nft_run (see
 * nat_nft.h). */
#include "nat_nft.h"

#include <inttypes.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <endian.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "log.h"
#include "nft_run.h"

struct nat_nft {
	struct nft_run *run;
	struct nl_sock *obj_sock;	/* the refused counter's reads */
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
	if (!n->run) {
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
	if (n->obj_sock)
		nl_socket_free(n->obj_sock);
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
	int rc = 0;

	if (nft_run_list(n->run, "list table " NAT_TABLE, false, &out,
			 &err) < 0) {
		if (nft_run_missing(&err)) {
			n->known = true;
			n->present = false;
			n->have_applied = false;
			n->n_sets = 0;
		} else {
			rc = fail(n, "nftables unavailable: %s",
				  strbuf_str(&err));
		}
		goto out;
	}
	nat_listing_parse(strbuf_str(&out), &l);
	if (!l.ours) {
		rc = fail(n, "table " NAT_TABLE " exists and is not ours "
			     "(no comment \"" NAT_TABLE_COMMENT "\"): "
			     "left alone, IP Pool NAT off");
		goto out;
	}
	n->known = true;
	n->present = true;
	n->have_applied = false;	/* its content is rewritten once */
	memcpy(n->sets, l.sets, sizeof(n->sets));
	n->n_sets = l.n_sets;
	log_notice("ip-pool-nat: adopted table " NAT_TABLE
		   " (left by an earlier run; its connections live on)");
out:
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

int nat_nft_release(struct nat_nft *n, const struct mep_addr *src, size_t k)
{
	struct strbuf batch = STRBUF_INIT, err = STRBUF_INIT;
	int rc = 0;

	if (!nat_nft_active(n) || k == 0)
		return 0;
	nat_rules_release(&n->applied, src, k, &batch);
	if (nft_run_batch(n->run, strbuf_str(&batch), &err) < 0) {
		/* one of them already gone: take them out one by one */
		rc = -1;
		for (size_t i = 0; k > 1 && i < k; i++) {
			strbuf_reset(&batch);
			nat_rules_release(&n->applied, &src[i], 1, &batch);
			(void)nft_run_batch(n->run, strbuf_str(&batch), &err);
		}
		log_msg(LOG_DEBUG, "ip-pool-nat: releasing %zu sources: %s",
			k, strbuf_str(&err));
	}
	strbuf_free(&batch);
	strbuf_free(&err);
	return rc;
}

int nat_nft_admit(struct nat_nft *n, const struct mep_addr *src, size_t k)
{
	struct strbuf batch = STRBUF_INIT, err = STRBUF_INIT;
	int rc = 0;

	if (!nat_nft_active(n) || k == 0)
		return 0;
	nat_rules_admit(&n->applied, src, k, &batch);
	if (nft_run_batch(n->run, strbuf_str(&batch), &err) < 0) {
		rc = -1;
		log_msg(LOG_DEBUG, "ip-pool-nat: admitting %zu sources: %s", k,
			strbuf_str(&err));
	}
	strbuf_free(&batch);
	strbuf_free(&err);
	return rc;
}

int nat_nft_admitted(struct nat_nft *n,
		     void (*fn)(void *arg, const struct mep_addr *a),
		     void *arg)
{
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT, cmd = STRBUF_INIT;
	char dom[NAT_NAME_MAX], adm[NAT_NAME_MAX];
	int rc = 0;

	if (!nat_nft_active(n))
		return -1;
	nat_spec_set_names(&n->applied, dom, adm);
	strbuf_printf(&cmd, "list set " NAT_TABLE " %s", adm);
	if (nft_run_list(n->run, strbuf_str(&cmd), false, &out, &err) < 0)
		rc = -1;
	else
		nat_listing_elements(strbuf_str(&out), fn, arg);
	strbuf_free(&out);
	strbuf_free(&err);
	strbuf_free(&cmd);
	/* libnftables keeps what it fetched for the listing (every element,
	 * hundreds of bytes each) in its context until the next command: a
	 * fresh context lets it go now */
	{
		struct nft_run *fresh = nft_run_new();

		if (fresh) {
			nft_run_free(n->run);
			n->run = fresh;
		}
	}
	malloc_trim(0);
	return rc;
}

/* The reply to NFT_MSG_GETOBJ: NFTA_OBJ_DATA / NFTA_COUNTER_PACKETS. */
static int on_obj(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[NFTA_OBJ_MAX + 1], *ctr[NFTA_COUNTER_MAX + 1];
	uint64_t *packets = arg;

	if (nlmsg_parse(nlmsg_hdr(msg), sizeof(struct nfgenmsg), tb,
			NFTA_OBJ_MAX, NULL) < 0 ||
	    !tb[NFTA_OBJ_DATA] ||
	    nla_parse_nested(ctr, NFTA_COUNTER_MAX, tb[NFTA_OBJ_DATA],
			     NULL) < 0 ||
	    !ctr[NFTA_COUNTER_PACKETS] ||
	    nla_len(ctr[NFTA_COUNTER_PACKETS]) != 8)
		return NL_SKIP;
	*packets = be64toh(nla_get_u64(ctr[NFTA_COUNTER_PACKETS]));
	return NL_OK;
}

/* One object read over netlink (NFT_MSG_GETOBJ): libnftables' listing
 * would fetch every set element of the table first (the admission set:
 * up to 65536), megabytes and tens of milliseconds per show. */
int nat_nft_refused(struct nat_nft *n, uint64_t *packets)
{
	struct nfgenmsg g = { .nfgen_family = 1 /* NFPROTO_INET */,
			      .version = NFNETLINK_V0 };
	struct nl_msg *msg;
	uint64_t got = UINT64_MAX;
	int rc = -1;

	if (!nat_nft_active(n))
		return -1;
	if (!n->obj_sock) {
		n->obj_sock = nl_socket_alloc();
		if (!n->obj_sock)
			return -1;
		/* one reply per request: no ack behind it that the next
		 * read would take for its answer */
		nl_socket_disable_auto_ack(n->obj_sock);
		if (nl_connect(n->obj_sock, NETLINK_NETFILTER) < 0) {
			nl_socket_free(n->obj_sock);
			n->obj_sock = NULL;
			return -1;
		}
	}
	msg = nlmsg_alloc_simple((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETOBJ,
				 NLM_F_REQUEST);
	if (!msg)
		return -1;
	if (nlmsg_append(msg, &g, sizeof(g), NLMSG_ALIGNTO) < 0 ||
	    nla_put_string(msg, NFTA_OBJ_TABLE, NAT_TABLE_NAME) < 0 ||
	    nla_put_string(msg, NFTA_OBJ_NAME, "refused") < 0 ||
	    nla_put_u32(msg, NFTA_OBJ_TYPE, htobe32(NFT_OBJECT_COUNTER)) < 0)
		goto out;
	nl_socket_modify_cb(n->obj_sock, NL_CB_VALID, NL_CB_CUSTOM, on_obj,
			    &got);
	if (nl_send_auto(n->obj_sock, msg) >= 0 &&
	    nl_recvmsgs_default(n->obj_sock) >= 0 && got != UINT64_MAX) {
		*packets = got;
		rc = 0;
	}
out:
	nlmsg_free(msg);
	return rc;
}
