/* test_rules: conf_model (libyang tree -> struct mep_config) and
 * conf_rules (the rules YANG cannot state), driven by JSON configurations
 * validated against the real model. Every SPEC.md rule 1..10 has a
 * violating and a close valid configuration. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libyang/libyang.h>

#include "conf_model.h"
#include "conf_rules.h"
#include "config.h"
#include "prefix.h"
#include "strbuf.h"

enum load_status { LOAD_OK, LOAD_YANG, LOAD_MODEL, LOAD_RULE };

struct loaded {
	enum load_status status;
	char msg[1024];		/* libyang, model or rule message */
	char path[512];		/* data path of the offending node */
	int rule;		/* LOAD_RULE: rule number */
	int errors;		/* LOAD_RULE: number of errors */
	struct mep_config cfg;
	struct strbuf warnings;
};

static struct ly_ctx *ctx;

static int group_setup(void **state)
{
	(void)state;
	ly_log_options(LY_LOSTORE_LAST);
	if (ly_ctx_new(SRC_YANG_DIR, 0, &ctx) != LY_SUCCESS)
		return -1;
	if (!ly_ctx_load_module(ctx, "ripd-mep", NULL, NULL))
		return -1;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	ly_ctx_destroy(ctx);
	return 0;
}

/* JSON in the tests is written with ' for readability. */
static char *json_of(const char *text)
{
	char *s = strdup(text);

	assert_non_null(s);
	for (char *p = s; *p; p++)
		if (*p == '\'')
			*p = '"';
	return s;
}

static void yang_error(struct loaded *out)
{
	const struct ly_err_item *e = ly_err_last(ctx);

	out->status = LOAD_YANG;
	snprintf(out->msg, sizeof(out->msg), "%s",
		 e && e->msg ? e->msg : "(no message)");
	snprintf(out->path, sizeof(out->path), "%s",
		 e && e->path ? e->path : "");
}

/* Parse, validate, build, check. out must be released with
 * loaded_free(). */
static void load(const char *text, struct loaded *out)
{
	struct lyd_node *tree = NULL;
	struct conf_rule_violation v;
	struct strbuf err = STRBUF_INIT;
	char *json = json_of(text);

	memset(out, 0, sizeof(*out));
	mep_config_init(&out->cfg);
	ly_err_clean(ctx, NULL);
	if (lyd_parse_data_mem(ctx, json, LYD_JSON,
			       LYD_PARSE_STRICT | LYD_PARSE_ONLY, 0,
			       &tree) != LY_SUCCESS ||
	    lyd_validate_all(&tree, NULL, LYD_VALIDATE_NO_STATE, NULL) !=
		    LY_SUCCESS) {
		yang_error(out);
	} else if (conf_model_build(tree, &out->cfg, &err) < 0) {
		out->status = LOAD_MODEL;
		snprintf(out->msg, sizeof(out->msg), "%s", strbuf_str(&err));
	} else {
		out->errors = conf_rules_check(&out->cfg, &v, &out->warnings);
		if (out->errors) {
			out->status = LOAD_RULE;
			out->rule = v.rule;
			snprintf(out->msg, sizeof(out->msg), "%s", v.msg);
			snprintf(out->path, sizeof(out->path), "%s", v.path);
		}
	}
	strbuf_free(&err);
	lyd_free_all(tree);
	free(json);
}

static void loaded_free(struct loaded *l)
{
	mep_config_free(&l->cfg);
	strbuf_free(&l->warnings);
}

static void print_failure(const struct loaded *l)
{
	static const char *const names[] = { "ok", "yang error",
					     "model error", "rule error" };

	print_error("load: %s: %s [%s]\n", names[l->status], l->msg,
		    l->path);
}

static void expect_ok(const char *json)
{
	struct loaded l;

	load(json, &l);
	if (l.status != LOAD_OK)
		print_failure(&l);
	assert_int_equal(l.status, LOAD_OK);
	loaded_free(&l);
}

/* A YANG (must/leafref) error whose message contains needle. */
static void expect_yang(const char *json, const char *needle)
{
	struct loaded l;

	load(json, &l);
	if (l.status != LOAD_YANG || !strstr(l.msg, needle))
		print_failure(&l);
	assert_int_equal(l.status, LOAD_YANG);
	assert_non_null(strstr(l.msg, needle));
	loaded_free(&l);
}

/* A code rule violation: rule number, message and path fragments. */
static void expect_rule(const char *json, int rule, const char *msg_part,
			const char *path)
{
	struct loaded l;
	char tag[16];

	load(json, &l);
	if (l.status != LOAD_RULE || l.rule != rule ||
	    !strstr(l.msg, msg_part) || strcmp(l.path, path) != 0)
		print_failure(&l);
	assert_int_equal(l.status, LOAD_RULE);
	assert_int_equal(l.rule, rule);
	snprintf(tag, sizeof(tag), "rule %d", rule);
	assert_non_null(strstr(l.msg, tag));
	assert_non_null(strstr(l.msg, msg_part));
	assert_string_equal(l.path, path);
	loaded_free(&l);
}

/* Valid, with (needle != NULL) or without a warning containing needle. */
static void expect_warning(const char *json, const char *needle, bool want)
{
	struct loaded l;
	const char *w;

	load(json, &l);
	if (l.status != LOAD_OK)
		print_failure(&l);
	assert_int_equal(l.status, LOAD_OK);
	w = strbuf_str(&l.warnings);
	if ((strstr(w, needle) != NULL) != want)
		print_error("warnings:\n%s", w);
	assert_int_equal(strstr(w, needle) != NULL, want);
	loaded_free(&l);
}

#define MEP(body) "{'ripd-mep:mep':{" body "}}"

/* M1, M2, M3 centers with disjoint domains; S1, S2, S3 satellites. */
#define GWS                                                                  \
	"'gateway':["                                                        \
	"{'name':'M1','address':'192.0.2.1','vpn-domain':['10.1.0.0/16']},"  \
	"{'name':'M2','address':'192.0.2.2','vpn-domain':['10.2.0.0/16']},"  \
	"{'name':'M3','address':'192.0.2.3','vpn-domain':['10.3.0.0/16']},"  \
	"{'name':'S1','address':'198.51.100.1','vpn-domain':['10.11.0.0/16']}," \
	"{'name':'S2','address':'198.51.100.2','vpn-domain':['10.12.0.0/16']}," \
	"{'name':'S3','address':'198.51.100.3','vpn-domain':['10.13.0.0/16']}]"

/* Same with IP pools on the centers. */
#define GWS_POOLS                                                            \
	"'gateway':["                                                        \
	"{'name':'M1','address':'192.0.2.1','vpn-domain':['10.1.0.0/16'],"   \
	"'ip-pool':'172.16.1.0/24'},"                                        \
	"{'name':'M2','address':'192.0.2.2','vpn-domain':['10.2.0.0/16'],"   \
	"'ip-pool':'172.16.2.0/24'},"                                        \
	"{'name':'M3','address':'192.0.2.3','vpn-domain':['10.3.0.0/16'],"   \
	"'ip-pool':'172.16.3.0/24'},"                                        \
	"{'name':'S1','address':'198.51.100.1','vpn-domain':['10.11.0.0/16']}," \
	"{'name':'S2','address':'198.51.100.2','vpn-domain':['10.12.0.0/16']}," \
	"{'name':'S3','address':'198.51.100.3','vpn-domain':['10.13.0.0/16']}]"

#define STAR(extra)                                                          \
	"'community':[{'name':'STAR-1','type':'star',"                       \
	"'center':['M1','M2','M3'],'satellite':['S1','S2','S3']" extra "}]"

/* ---- model ---------------------------------------------------------- */

static void test_model_empty(void **state)
{
	struct mep_config cfg;
	struct strbuf err = STRBUF_INIT;
	struct loaded l;

	(void)state;
	mep_config_init(&cfg);
	assert_int_equal(conf_model_build(NULL, &cfg, &err), 0);
	assert_int_equal(cfg.n_gateways, 0);
	assert_int_equal(cfg.local_gateway, -1);
	strbuf_free(&err);

	load(MEP(""), &l);
	assert_int_equal(l.status, LOAD_OK);
	assert_int_equal(l.cfg.n_gateways, 0);
	assert_int_equal(l.cfg.n_communities, 0);
	assert_int_equal(l.cfg.probe.interval_ms, 500);
	assert_int_equal(l.cfg.probe.dead_count, 3);
	assert_int_equal(l.cfg.probe.up_count, 2);
	assert_int_equal(l.cfg.probe.port, 18259);
	assert_string_equal(l.cfg.probe.key, "");
	assert_false(l.cfg.rim.enabled);
	assert_false(l.cfg.load_distribution);
	loaded_free(&l);
}

static void test_model_full(void **state)
{
	struct loaded l;
	const struct mep_community *c;
	const struct mep_gateway *g;
	char buf[MEP_PREFIX_STRLEN];

	(void)state;
	load(MEP("'local-gateway':'S2',"
		 "'gateway':["
		 "{'name':'Z9','address':'192.0.2.9','vpn-domain':"
		 "['10.9.0.0/16','2001:db8:9::/48'],'ip-pool':'172.16.9.0/24',"
		 "'ike-connection':'z9','backup-gateway':['B2','B1'],"
		 "'third-party':[null]},"
		 "{'name':'M1','address':'192.0.2.1','vpn-domain':['10.1.0.0/16']},"
		 "{'name':'M2','address':'192.0.2.2','vpn-domain':['10.2.0.0/16']},"
		 "{'name':'B1','address':'192.0.2.11','vpn-domain':['10.21.0.0/16']},"
		 "{'name':'B2','address':'gw-b2.example.net'},"
		 "{'name':'S1','address':'198.51.100.1'},"
		 "{'name':'S2','address':'198.51.100.2'}],"
		 "'community':["
		 "{'name':'MESH','type':'meshed','member':['S2','Z9']},"
		 "{'name':'STAR-1','type':'star','center':['M2','M1','Z9'],"
		 "'satellite':['S1','S2'],'permanent-tunnels':[null],"
		 "'mep-enable':[null],'entry-point':'priority-list',"
		 "'tie-break':'random','tracking':'log',"
		 "'priority-default':{'primary':['M1'],'secondary':['M2'],"
		 "'tertiary':['Z9']},"
		 "'priority-rule':[{'id':1,'satellite':['S2'],"
		 "'primary':['Z9','M2'],'secondary':['M1']}]}],"
		 "'probe':{'interval':200,'up-count':4,'key':'secret-key-1'},"
		 "'load-distribution':[null],"
		 "'rim':{'metric':7,'backend':'kernel'}"),
	     &l);
	if (l.status != LOAD_OK)
		print_failure(&l);
	assert_int_equal(l.status, LOAD_OK);

	/* gateways in configuration order, not sorted */
	assert_int_equal(l.cfg.n_gateways, 7);
	assert_string_equal(l.cfg.gateways[0].name, "Z9");
	assert_string_equal(l.cfg.gateways[1].name, "M1");
	assert_int_equal(l.cfg.local_gateway, 6);
	g = &l.cfg.gateways[0];
	assert_string_equal(g->address, "192.0.2.9");
	assert_int_equal(g->n_domain, 2);
	assert_string_equal(mep_prefix_str(&g->domain[0], buf, sizeof(buf)),
			    "10.9.0.0/16");
	assert_string_equal(mep_prefix_str(&g->domain[1], buf, sizeof(buf)),
			    "2001:db8:9::/48");
	assert_true(g->has_pool);
	assert_string_equal(mep_prefix_str(&g->pool, buf, sizeof(buf)),
			    "172.16.9.0/24");
	assert_string_equal(g->ike_connection, "z9");
	assert_true(g->third_party);
	assert_int_equal(g->backups.n, 2);
	assert_int_equal(g->backups.idx[0], 4);	/* B2 first: user order */
	assert_int_equal(g->backups.idx[1], 3);
	assert_string_equal(l.cfg.gateways[4].address, "gw-b2.example.net");
	assert_int_equal(l.cfg.gateways[4].n_domain, 0);
	assert_false(l.cfg.gateways[1].has_pool);
	assert_false(l.cfg.gateways[1].third_party);
	assert_string_equal(l.cfg.gateways[1].ike_connection, "");

	assert_int_equal(l.cfg.n_communities, 2);
	c = &l.cfg.communities[0];
	assert_string_equal(c->name, "MESH");
	assert_int_equal(c->type, MEP_COMMUNITY_MESHED);
	assert_int_equal(c->members.n, 2);
	assert_int_equal(c->members.idx[0], 6);
	assert_int_equal(c->members.idx[1], 0);
	assert_false(c->mep_enabled);
	assert_int_equal(c->method, MEP_METHOD_FIRST_TO_RESPOND);
	assert_int_equal(c->tie_break, MEP_TIE_FIRST_TO_RESPOND);
	assert_false(c->tracking_log);
	assert_false(c->has_default_rule);
	assert_int_equal(c->return_path, MEP_RETURN_RIM);
	assert_false(c->return_path_set);

	c = &l.cfg.communities[1];
	assert_int_equal(c->type, MEP_COMMUNITY_STAR);
	assert_int_equal(c->centers.n, 3);
	assert_int_equal(c->centers.idx[0], 2);
	assert_int_equal(c->centers.idx[1], 1);
	assert_int_equal(c->centers.idx[2], 0);
	assert_int_equal(c->satellites.n, 2);
	assert_true(c->permanent_tunnels);
	assert_true(c->mep_enabled);
	assert_int_equal(c->method, MEP_METHOD_PRIORITY_LIST);
	assert_int_equal(c->tie_break, MEP_TIE_RANDOM);
	assert_true(c->tracking_log);
	assert_true(c->has_default_rule);
	assert_int_equal(c->default_rule.satellites.n, 0);
	assert_int_equal(c->default_rule.level[0].n, 1);
	assert_int_equal(c->default_rule.level[0].idx[0], 1);
	assert_int_equal(c->default_rule.level[1].idx[0], 2);
	assert_int_equal(c->default_rule.level[2].idx[0], 0);
	assert_int_equal(c->n_rules, 1);
	assert_int_equal(c->rules[0].satellites.n, 1);
	assert_int_equal(c->rules[0].satellites.idx[0], 6);
	assert_int_equal(c->rules[0].level[0].n, 2);
	assert_int_equal(c->rules[0].level[0].idx[0], 0);
	assert_int_equal(c->rules[0].level[0].idx[1], 2);
	assert_int_equal(c->rules[0].level[1].idx[0], 1);
	assert_int_equal(c->rules[0].level[2].n, 0);
	assert_int_equal(c->return_path, MEP_RETURN_RIM);
	assert_false(c->return_path_set);

	assert_int_equal(l.cfg.probe.interval_ms, 200);
	assert_int_equal(l.cfg.probe.dead_count, 3);
	assert_int_equal(l.cfg.probe.up_count, 4);
	assert_int_equal(l.cfg.probe.port, 18259);
	assert_string_equal(l.cfg.probe.key, "secret-key-1");
	assert_true(l.cfg.load_distribution);
	assert_true(l.cfg.rim.enabled);
	assert_int_equal(l.cfg.rim.distance, 20);
	assert_int_equal(l.cfg.rim.metric, 7);
	assert_int_equal(l.cfg.rim.backup_metric, 100);
	assert_int_equal(l.cfg.rim.tag, 0);
	assert_int_equal(l.cfg.rim.backend, MEP_RIM_KERNEL);
	assert_int_equal(l.cfg.rim.kernel_table, 201);
	loaded_free(&l);
}

static void test_model_return_path(void **state)
{
	struct loaded l;

	(void)state;
	/* no rim block: none by default (ip-pool-nat is never implied) */
	load(MEP(GWS "," STAR("")), &l);
	assert_int_equal(l.status, LOAD_OK);
	assert_int_equal(l.cfg.communities[0].return_path, MEP_RETURN_NONE);
	assert_false(l.cfg.communities[0].return_path_set);
	assert_string_equal(
		mep_return_path_name(l.cfg.communities[0].return_path), "none");
	loaded_free(&l);

	/* rim block: rim by default */
	load(MEP(GWS "," STAR("") ",'rim':{}"), &l);
	assert_int_equal(l.status, LOAD_OK);
	assert_int_equal(l.cfg.communities[0].return_path, MEP_RETURN_RIM);
	assert_false(l.cfg.communities[0].return_path_set);
	loaded_free(&l);

	/* configured none */
	load(MEP(GWS "," STAR(",'return-path':'none'") ",'rim':{}"), &l);
	assert_int_equal(l.status, LOAD_OK);
	assert_int_equal(l.cfg.communities[0].return_path, MEP_RETURN_NONE);
	assert_true(l.cfg.communities[0].return_path_set);
	loaded_free(&l);

	/* rim block, configured ip-pool-nat wins */
	load(MEP(GWS_POOLS "," STAR(",'return-path':'ip-pool-nat'")
		 ",'rim':{}"),
	     &l);
	assert_int_equal(l.status, LOAD_OK);
	assert_int_equal(l.cfg.communities[0].return_path,
			 MEP_RETURN_IP_POOL_NAT);
	assert_true(l.cfg.communities[0].return_path_set);
	assert_true(l.cfg.rim.enabled);
	loaded_free(&l);

	/* rim block, configured rim */
	load(MEP(GWS "," STAR(",'return-path':'rim'") ",'rim':{'tag':2600}"),
	     &l);
	assert_int_equal(l.status, LOAD_OK);
	assert_int_equal(l.cfg.communities[0].return_path, MEP_RETURN_RIM);
	assert_true(l.cfg.communities[0].return_path_set);
	assert_int_equal(l.cfg.rim.tag, 2600);
	loaded_free(&l);
}

/* ipsec block and rim interface/next-hop: defaults as mep_config_init,
 * explicit values, and the model's ranges. */
static void test_model_ipsec_rim(void **state)
{
	struct loaded l;
	char buf[MEP_PREFIX_STRLEN];

	(void)state;
	load(MEP("'rim':{}"), &l);
	assert_int_equal(l.status, LOAD_OK);
	assert_string_equal(l.cfg.ipsec.vici_socket, "/var/run/charon.vici");
	assert_int_equal(l.cfg.ipsec.grace_s, 10);
	assert_string_equal(l.cfg.rim.interface, "ipsec0");
	assert_false(l.cfg.rim.has_next_hop);
	loaded_free(&l);

	load(MEP("'rim':{'interface':'tun-7.x_1','next-hop':'192.0.2.254'},"
		 "'ipsec':{'vici-socket':'/run/ns1/charon.vici',"
		 "'grace-period':0}"),
	     &l);
	if (l.status != LOAD_OK)
		print_failure(&l);
	assert_int_equal(l.status, LOAD_OK);
	assert_string_equal(l.cfg.ipsec.vici_socket, "/run/ns1/charon.vici");
	assert_int_equal(l.cfg.ipsec.grace_s, 0);
	assert_string_equal(l.cfg.rim.interface, "tun-7.x_1");
	assert_true(l.cfg.rim.has_next_hop);
	assert_string_equal(mep_addr_str(&l.cfg.rim.next_hop, buf,
					 sizeof(buf)),
			    "192.0.2.254");
	loaded_free(&l);

	/* longest values */
	load(MEP("'rim':{'interface':'abcdefghijklmno','next-hop':"
		 "'2001:db8::1'},'ipsec':{'vici-socket':'/"
		 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		 "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
		 "cccccc','grace-period':3600}"),
	     &l);
	if (l.status != LOAD_OK)
		print_failure(&l);
	assert_int_equal(l.status, LOAD_OK);
	assert_int_equal(strlen(l.cfg.ipsec.vici_socket), 107);
	assert_int_equal(l.cfg.ipsec.grace_s, 3600);
	assert_string_equal(l.cfg.rim.interface, "abcdefghijklmno");
	assert_int_equal(l.cfg.rim.next_hop.family, AF_INET6);
	loaded_free(&l);

	/* the ipsec block needs no rim and keeps its defaults */
	load(MEP("'ipsec':{'grace-period':60}"), &l);
	assert_int_equal(l.status, LOAD_OK);
	assert_false(l.cfg.rim.enabled);
	assert_int_equal(l.cfg.ipsec.grace_s, 60);
	assert_string_equal(l.cfg.ipsec.vici_socket, "/var/run/charon.vici");
	loaded_free(&l);

	expect_yang(MEP("'ipsec':{'grace-period':3601}"), "3601");
	expect_yang(MEP("'ipsec':{'vici-socket':'charon.vici'}"),
		    "charon.vici");
	expect_yang(MEP("'ipsec':{'vici-socket':'/run/a b'}"), "a b");
	expect_yang(MEP("'ipsec':{'vici-socket':'/"
			"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
			"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
			"ccccccc'}"),
		    "length");
	expect_yang(MEP("'rim':{'interface':'abcdefghijklmnop'}"), "length");
	expect_yang(MEP("'rim':{'interface':'eth 0'}"), "eth 0");
	expect_yang(MEP("'rim':{'interface':'..'}"), "..");
	expect_yang(MEP("'rim':{'interface':''}"), "length");
	expect_yang(MEP("'rim':{'next-hop':'192.0.2.300'}"), "192.0.2.300");
	expect_yang(MEP("'rim':{'next-hop':'fe80::1%eth0'}"), "fe80::1");
	expect_yang(MEP("'rim':{'next-hop':'10.0.0.0/8'}"), "10.0.0.0/8");
}

/* rim route-type, instance and stale-time (the zebra backend): defaults,
 * every allowed type with its zebra number, ranges, types refused. */
static void test_model_rim_zebra(void **state)
{
	static const struct {
		const char *name;
		int number;
	} types[] = {
		{ "nhrp", 12 }, { "eigrp", 11 }, { "table", 15 }, { "babel", 22 },
	};
	static const char *const refused[] = {
		"static", "kernel", "connected", "bgp", "ospf", "sharp",
		"system", "NHRP", "", "12",
	};
	const struct lysc_node_leaf *leaf;
	const struct lysc_type_bitenum_item *enums;
	struct loaded l;
	char json[256];
	size_t n;

	(void)state;
	load(MEP("'rim':{}"), &l);
	assert_int_equal(l.status, LOAD_OK);
	assert_int_equal(l.cfg.rim.route_type, 12);
	assert_string_equal(l.cfg.rim.route_type_name, "nhrp");
	assert_int_equal(l.cfg.rim.instance, 0);
	assert_int_equal(l.cfg.rim.stale_time_s, 120);
	loaded_free(&l);

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		snprintf(json, sizeof(json),
			 MEP("'rim':{'route-type':'%s','instance':%d,"
			     "'stale-time':%d}"),
			 types[i].name, (int)i * 1000 + 65535 - 3000,
			 (int)i + 1);
		load(json, &l);
		if (l.status != LOAD_OK)
			print_failure(&l);
		assert_int_equal(l.status, LOAD_OK);
		assert_int_equal(l.cfg.rim.route_type, types[i].number);
		assert_string_equal(l.cfg.rim.route_type_name, types[i].name);
		assert_int_equal(l.cfg.rim.instance,
				 (int)i * 1000 + 65535 - 3000);
		assert_int_equal(l.cfg.rim.stale_time_s, (int)i + 1);
		assert_int_equal(mep_rim_route_type_by_name(types[i].name)
					 ->zebra_type,
				 types[i].number);
		loaded_free(&l);
	}
	/* config.c's table is exactly the YANG enum, values included */
	leaf = (const struct lysc_node_leaf *)lys_find_path(
		ctx, NULL, "/ripd-mep:mep/rim/route-type", 0);
	assert_non_null(leaf);
	assert_int_equal(leaf->type->basetype, LY_TYPE_ENUM);
	enums = ((const struct lysc_type_enum *)leaf->type)->enums;
	for (n = 0; mep_rim_route_types[n].name; n++) {
		assert_true(n < LY_ARRAY_COUNT(enums));
		assert_string_equal(enums[n].name,
				    mep_rim_route_types[n].name);
		assert_int_equal(enums[n].value,
				 mep_rim_route_types[n].zebra_type);
	}
	assert_int_equal(n, LY_ARRAY_COUNT(enums));
	assert_int_equal(n, sizeof(types) / sizeof(types[0]));

	load(MEP("'rim':{'instance':65535,'stale-time':3600}"), &l);
	assert_int_equal(l.status, LOAD_OK);
	assert_int_equal(l.cfg.rim.instance, 65535);
	assert_int_equal(l.cfg.rim.stale_time_s, 3600);
	loaded_free(&l);

	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		snprintf(json, sizeof(json), MEP("'rim':{'route-type':'%s'}"),
			 refused[i]);
		expect_yang(json, "Invalid enumeration value");
		assert_null(mep_rim_route_type_by_name(refused[i]));
	}
	assert_null(mep_rim_route_type_by_name(NULL));
	expect_yang(MEP("'rim':{'instance':65536}"), "65536");
	expect_yang(MEP("'rim':{'instance':-1}"), "-1");
	expect_yang(MEP("'rim':{'stale-time':0}"), "0");
	expect_yang(MEP("'rim':{'stale-time':3601}"), "3601");
}

/* conf_model_build is defensive: a tree that skipped validation with a
 * dangling reference gives an error, an empty cfg, and no leak. */
static void test_model_dangling(void **state)
{
	struct lyd_node *tree = NULL;
	struct strbuf err = STRBUF_INIT;
	struct mep_config cfg;
	char *json = json_of(MEP("'gateway':[{'name':'M1'}],"
				 "'community':[{'name':'C','type':'star',"
				 "'center':['M1','NOPE']}]"));

	(void)state;
	mep_config_init(&cfg);
	assert_int_equal(lyd_parse_data_mem(ctx, json, LYD_JSON,
					    LYD_PARSE_STRICT | LYD_PARSE_ONLY,
					    0, &tree),
			 LY_SUCCESS);
	assert_int_equal(conf_model_build(tree, &cfg, &err), -1);
	assert_non_null(strstr(strbuf_str(&err), "NOPE"));
	assert_non_null(strstr(strbuf_str(&err), "no such gateway"));
	assert_int_equal(cfg.n_gateways, 0);
	assert_int_equal(cfg.n_communities, 0);
	assert_null(cfg.gateways);
	lyd_free_all(tree);
	strbuf_free(&err);
	free(json);
}

/* A non-empty cfg passed in is released and refilled. */
static void test_model_refill(void **state)
{
	struct lyd_node *tree = NULL;
	struct strbuf err = STRBUF_INIT;
	struct loaded l;
	char *json = json_of(MEP("'gateway':[{'name':'Q'}]"));

	(void)state;
	load(MEP(GWS "," STAR("")), &l);
	assert_int_equal(l.status, LOAD_OK);
	assert_int_equal(lyd_parse_data_mem(ctx, json, LYD_JSON,
					    LYD_PARSE_STRICT,
					    LYD_VALIDATE_NO_STATE, &tree),
			 LY_SUCCESS);
	assert_int_equal(conf_model_build(tree, &l.cfg, &err), 0);
	assert_int_equal(l.cfg.n_gateways, 1);
	assert_int_equal(l.cfg.n_communities, 0);
	assert_string_equal(l.cfg.gateways[0].name, "Q");
	lyd_free_all(tree);
	strbuf_free(&err);
	free(json);
	loaded_free(&l);
}

/* ---- rule 1 (YANG) ------------------------------------------------- */

static void test_rule1(void **state)
{
	(void)state;
	expect_yang(MEP(GWS ",'community':[{'name':'C','type':'star',"
			    "'center':['M1'],'satellite':['S1'],"
			    "'mep-enable':[null]}]"),
		    "rule 1");
	expect_yang(MEP(GWS ",'community':[{'name':'C','type':'meshed',"
			    "'member':['M1','M2'],'mep-enable':[null]}]"),
		    "rule 1");
	expect_ok(MEP(GWS_POOLS ",'community':[{'name':'C','type':'star',"
			  "'center':['M1','M2'],'satellite':['S1'],"
			  "'mep-enable':[null]}]"));
}

/* ---- rule 2 (YANG) ------------------------------------------------- */

static void test_rule2(void **state)
{
	(void)state;
	expect_yang(MEP(GWS "," STAR(",'mep-enable':[null]") ",'rim':{}"),
		    "rule 2");
	/* configured rim without the rim block (a satellite's copy): rule 2
	 * still wants permanent-tunnels with MEP */
	expect_yang(MEP("'local-gateway':'S1'," GWS "," STAR(
			",'mep-enable':[null],'return-path':'rim'")),
		    "rule 2");
	expect_ok(MEP(GWS "," STAR(",'mep-enable':[null],"
				   "'permanent-tunnels':[null]")
		      ",'rim':{}"));
	/* no rim block and no return path: none, nothing to require */
	expect_ok(MEP(GWS "," STAR(",'mep-enable':[null]")));
}

/* ---- rule 10 -------------------------------------------------------- */

static void test_rule10(void **state)
{
	struct loaded l;

	(void)state;
	/* a center with return-path rim needs the rim block (YANG, and the
	 * same check in code for configurations built without it) */
	expect_yang(MEP("'local-gateway':'M1'," GWS "," STAR(
			",'return-path':'rim'")),
		    "rule 10: return-path rim on a center of the community "
		    "requires the rim block");
	/* a meshed member too */
	expect_yang(MEP("'local-gateway':'M1'," GWS
			",'community':[{'name':'C','type':'meshed',"
			"'member':['M1','M2'],'return-path':'rim'}]"),
		    "rule 10");
	/* a satellite's copy of the same community needs none */
	load(MEP("'local-gateway':'S1'," GWS "," STAR(",'return-path':'rim'")),
	     &l);
	if (l.status != LOAD_OK)
		print_failure(&l);
	assert_int_equal(l.status, LOAD_OK);
	assert_int_equal(l.cfg.communities[0].return_path, MEP_RETURN_RIM);
	assert_false(l.cfg.rim.enabled);
	loaded_free(&l);
	/* nor does a file without local-gateway (no role: nothing injects) */
	expect_ok(MEP(GWS "," STAR(",'return-path':'rim'")));
	/* the code rule (the model may be built from a tree YANG did not
	 * check, e.g. by a future config source) */
	{
		struct mep_config cfg;
		struct conf_rule_violation v;
		struct strbuf w = STRBUF_INIT;

		load(MEP("'local-gateway':'S1'," GWS "," STAR(
				 ",'return-path':'rim'")),
		     &l);
		assert_int_equal(l.status, LOAD_OK);
		cfg = l.cfg;
		cfg.local_gateway = mep_config_gateway_index(&cfg, "M2");
		assert_int_equal(conf_rules_check(&cfg, &v, &w), 1);
		assert_int_equal(v.rule, 10);
		assert_string_equal(v.path, "/ripd-mep:mep/community"
					    "[name='STAR-1']/return-path");
		strbuf_free(&w);
		loaded_free(&l);
	}
}

/* ---- rule 3 (YANG for explicit random, code for load distribution) -- */

#define OVERLAP_GWS                                                          \
	"'gateway':["                                                        \
	"{'name':'LON','address':'192.0.2.1','vpn-domain':['10.0.0.0/8'],"   \
	"'ip-pool':'172.16.1.0/24'},"                                        \
	"{'name':'NYC','address':'192.0.2.2','vpn-domain':['10.5.0.0/16'],"  \
	"'ip-pool':'172.16.2.0/24'},"                                        \
	"{'name':'S1','address':'198.51.100.1','vpn-domain':['192.168.1.0/24']}]"

#define OVERLAP_STAR(extra)                                                  \
	"'community':[{'name':'IMPL','type':'star','center':['LON','NYC'],"  \
	"'satellite':['S1']" extra "}]"

static void test_rule3(void **state)
{
	(void)state;
	expect_yang(MEP(GWS_POOLS "," STAR(",'mep-enable':[null],"
					   "'entry-point':'random',"
					   "'permanent-tunnels':[null]")
			",'rim':{}"),
		    "rule 3");
	expect_ok(MEP(GWS_POOLS "," STAR(",'mep-enable':[null],"
					 "'entry-point':'random',"
					 "'return-path':'ip-pool-nat'")
		      ",'rim':{}"));

	/* implicit MEP (overlapping domains) + load distribution + RIM */
	expect_rule(MEP(OVERLAP_GWS "," OVERLAP_STAR("")
			",'load-distribution':[null],'rim':{}"),
		    3, "needs return-path ip-pool-nat",
		    "/ripd-mep:mep/community[name='IMPL']");
	expect_rule(MEP(OVERLAP_GWS ",'community':[{'name':'M','type':"
			"'meshed','member':['LON','NYC','S1'],"
			"'return-path':'rim'}],"
			"'load-distribution':[null],'rim':{}"),
		    3, "10.5.0.0/16",
		    "/ripd-mep:mep/community[name='M']");
	/* the same with ip-pool-nat, or without load distribution */
	expect_ok(MEP(OVERLAP_GWS "," OVERLAP_STAR(",'return-path':'ip-pool-nat'")
		      ",'load-distribution':[null],'rim':{}"));
	expect_ok(MEP(OVERLAP_GWS "," OVERLAP_STAR("") ",'rim':{}"));
	/* or with disjoint domains */
	expect_ok(MEP(GWS "," STAR("") ",'load-distribution':[null],"
		      "'rim':{}"));
}

/* ---- rule 11 (code) and the steering defaults ----------------------- */

/* The effective steering of the first community of json. */
static enum mep_steering steering_of(const char *json)
{
	struct loaded l;
	enum mep_steering s;

	load(json, &l);
	assert_int_equal(l.status, LOAD_OK);
	assert_true(l.cfg.n_communities > 0);
	s = l.cfg.communities[0].steering;
	loaded_free(&l);
	return s;
}

static void test_rule11(void **state)
{
	(void)state;
	/* explicit random: route by default, child-sa refused */
	assert_int_equal(steering_of(MEP(GWS_POOLS "," STAR(
				 ",'mep-enable':[null],'entry-point':'random',"
				 "'return-path':'ip-pool-nat'"))),
			 MEP_STEERING_ROUTE);
	expect_rule(MEP(GWS_POOLS "," STAR(",'mep-enable':[null],"
					   "'entry-point':'random',"
					   "'return-path':'ip-pool-nat',"
					   "'steering':'child-sa'")),
		    11, "cannot steer mep entry-point random",
		    "/ripd-mep:mep/community[name='STAR-1']/steering");
	expect_ok(MEP(GWS_POOLS "," STAR(",'mep-enable':[null],"
					 "'entry-point':'random',"
					 "'return-path':'ip-pool-nat',"
					 "'steering':'route'")));
	/* implicit load distribution: the same */
	assert_int_equal(steering_of(MEP(OVERLAP_GWS "," OVERLAP_STAR(
				 ",'return-path':'ip-pool-nat'")
					 ",'load-distribution':[null]")),
			 MEP_STEERING_ROUTE);
	expect_rule(MEP(OVERLAP_GWS "," OVERLAP_STAR(
				",'return-path':'ip-pool-nat',"
				"'steering':'child-sa'")
			",'load-distribution':[null]"),
		    11, "implicit load distribution",
		    "/ripd-mep:mep/community[name='IMPL']/steering");
	/* overlapping domains without load distribution: child-sa */
	assert_int_equal(steering_of(MEP(OVERLAP_GWS "," OVERLAP_STAR(""))),
			 MEP_STEERING_CHILD_SA);
	/* every other method: child-sa by default, route allowed */
	assert_int_equal(steering_of(MEP(GWS "," STAR(",'mep-enable':[null],"
						 "'entry-point':'priority-list'"))),
			 MEP_STEERING_CHILD_SA);
	assert_int_equal(steering_of(MEP(GWS "," STAR(",'mep-enable':[null],"
						 "'steering':'route'"))),
			 MEP_STEERING_ROUTE);
}

/* ---- route steering: if-id, interface, steering block (rule 8) ----- */

#define IFGWS(m2extra)                                                       \
	"'gateway':["                                                        \
	"{'name':'M1','address':'192.0.2.1','vpn-domain':['10.1.0.0/16'],"   \
	"'if-id':1},"                                                        \
	"{'name':'M2','address':'192.0.2.2','vpn-domain':['10.2.0.0/16']"    \
	m2extra "},"                                                         \
	"{'name':'S1','address':'198.51.100.1','vpn-domain':['10.11.0.0/16']}]"
#define IFSTAR                                                               \
	"'community':[{'name':'C','type':'star','center':['M1','M2'],"       \
	"'satellite':['S1'],'mep-enable':[null],'permanent-tunnels':[null]," \
	"'steering':'route'}]"

static void test_route_steering_config(void **state)
{
	struct loaded l;
	char ifname[16];

	(void)state;
	/* defaults; the interface derived from the if-id */
	load(MEP(IFGWS(",'if-id':2,'interface':'tun-m2'") "," IFSTAR), &l);
	assert_int_equal(l.status, LOAD_OK);
	assert_int_equal(l.cfg.steering.table, 210);
	assert_int_equal(l.cfg.steering.protocol, 251);
	assert_int_equal(l.cfg.steering.buckets, 256);
	assert_int_equal(l.cfg.gateways[0].if_id, 1);
	assert_string_equal(mep_gateway_steer_ifname(&l.cfg.gateways[0],
						     ifname), "xfrm-1");
	assert_string_equal(mep_gateway_steer_ifname(&l.cfg.gateways[1],
						     ifname), "tun-m2");
	assert_string_equal(mep_gateway_steer_ifname(&l.cfg.gateways[2],
						     ifname), "");
	loaded_free(&l);
	/* the steering block */
	load(MEP(IFGWS(",'if-id':2") "," IFSTAR
		 ",'steering':{'table':300,'protocol':252,'buckets':1024}"), &l);
	assert_int_equal(l.status, LOAD_OK);
	assert_int_equal(l.cfg.steering.table, 300);
	assert_int_equal(l.cfg.steering.protocol, 252);
	assert_int_equal(l.cfg.steering.buckets, 1024);
	loaded_free(&l);
	/* a center without if-id: warned */
	expect_warning(MEP(IFGWS("") "," IFSTAR),
		       "center M2 has no if-id", true);
	expect_warning(MEP(IFGWS(",'if-id':2") "," IFSTAR),
		       "has no if-id", false);
	/* the same interface twice (derived or configured) */
	expect_rule(MEP(IFGWS(",'if-id':2,'interface':'xfrm-1'") "," IFSTAR),
		    8, "interface xfrm-1 is already gateway M1's",
		    "/ripd-mep:mep/gateway[name='M2']/interface");
	/* a center's table is not usable: 250 + 4 = 254 (local) */
	expect_rule(MEP(IFGWS(",'if-id':4") "," IFSTAR
			",'steering':{'table':250}"),
		    8, "250 + if-id 4 = 254 is not a usable routing table",
		    "/ripd-mep:mep/gateway[name='M2']/if-id");
	expect_rule(MEP(IFGWS(",'if-id':4294967294") "," IFSTAR), 8,
		    "is not a usable routing table",
		    "/ripd-mep:mep/gateway[name='M2']/if-id");
	/* RIM's protocol and table are not ours */
	expect_rule(MEP(IFGWS(",'if-id':2") "," IFSTAR
			",'steering':{'protocol':250}"),
		    8, "steering protocol 250 belongs to",
		    "/ripd-mep:mep/steering/protocol");
	expect_rule(MEP(IFGWS(",'if-id':2") "," IFSTAR
			",'rim':{'backend':'kernel','kernel-table':211}"),
		    8, "= 211 is not a usable routing table",
		    "/ripd-mep:mep/gateway[name='M1']/if-id");
}

/* ---- rule 4 (code) ------------------------------------------------- */

static void test_rule4(void **state)
{
	(void)state;
	/* explicit ip-pool-nat, M2 without a pool */
	expect_rule(MEP("'gateway':["
			"{'name':'M1','vpn-domain':['10.1.0.0/16'],"
			"'ip-pool':'172.16.1.0/24'},"
			"{'name':'M2','vpn-domain':['10.2.0.0/16']},"
			"{'name':'S1'}],"
			"'community':[{'name':'C','type':'star',"
			"'center':['M1','M2'],'satellite':['S1'],"
			"'return-path':'ip-pool-nat'}]"),
		    4, "gateway M2 has no ip-pool",
		    "/ripd-mep:mep/gateway[name='M2']/ip-pool");
	/* meshed: every member */
	expect_rule(MEP(GWS_POOLS ",'community':[{'name':'C','type':"
			"'meshed','member':['M1','S1'],"
			"'return-path':'ip-pool-nat'}]"),
		    4, "member of community C",
		    "/ripd-mep:mep/gateway[name='S1']/ip-pool");
	/* ip-pool-nat is never implied: explicit MEP without the rim block
	 * and without a return path needs no pools */
	expect_ok(MEP(GWS "," STAR(",'mep-enable':[null]")));
	/* nor does a community without MEP */
	expect_ok(MEP(GWS ",'community':[{'name':'C','type':'star',"
		      "'center':['M1'],'satellite':['S1','S2']}]"));
	expect_ok(MEP(GWS_POOLS "," STAR(",'mep-enable':[null],"
					 "'return-path':'ip-pool-nat'")));
	/* backups of a center translate too */
	expect_rule(MEP("'gateway':["
			"{'name':'M1','vpn-domain':['10.1.0.0/16'],"
			"'ip-pool':'172.16.1.0/24','backup-gateway':['B1']},"
			"{'name':'B1','vpn-domain':['10.2.0.0/16']},"
			"{'name':'S1'}],"
			"'community':[{'name':'C','type':'star',"
			"'center':['M1'],'satellite':['S1'],"
			"'return-path':'ip-pool-nat'}]"),
		    4, "backup-gateway of M1 in community C",
		    "/ripd-mep:mep/gateway[name='B1']/ip-pool");
	expect_ok(MEP("'gateway':["
		      "{'name':'M1','vpn-domain':['10.1.0.0/16'],"
		      "'ip-pool':'172.16.1.0/24','backup-gateway':['B1']},"
		      "{'name':'B1','vpn-domain':['10.2.0.0/16'],"
		      "'ip-pool':'172.16.2.0/24'},"
		      "{'name':'S1'}],"
		      "'community':[{'name':'C','type':'star',"
		      "'center':['M1'],'satellite':['S1'],"
		      "'return-path':'ip-pool-nat'}]"));
	/* primary-backup without a return path (none): no pools needed */
	expect_ok(MEP("'gateway':["
		      "{'name':'M1','vpn-domain':['10.1.0.0/16'],"
		      "'backup-gateway':['B1']},"
		      "{'name':'B1','vpn-domain':['10.2.0.0/16']},"
		      "{'name':'S1'}],"
		      "'community':[{'name':'C','type':'star',"
		      "'center':['M1'],'satellite':['S1']}]"));
	/* pools overlapping each other */
	expect_rule(MEP("'gateway':["
			"{'name':'M1','vpn-domain':['10.1.0.0/16'],"
			"'ip-pool':'172.16.0.0/16'},"
			"{'name':'M2','vpn-domain':['10.2.0.0/16'],"
			"'ip-pool':'172.16.2.0/24'}]"),
		    4, "overlaps ip-pool 172.16.2.0/24 of gateway M2",
		    "/ripd-mep:mep/gateway[name='M1']/ip-pool");
	/* a pool overlapping a VPN domain (another gateway's or its own) */
	expect_rule(MEP("'gateway':["
			"{'name':'M1','vpn-domain':['10.1.0.0/16'],"
			"'ip-pool':'172.16.1.0/24'},"
			"{'name':'M2','vpn-domain':['10.2.0.0/16'],"
			"'ip-pool':'10.1.200.0/24'}]"),
		    4, "overlaps vpn-domain 10.1.0.0/16 of gateway M1",
		    "/ripd-mep:mep/gateway[name='M2']/ip-pool");
	expect_rule(MEP("'gateway':[{'name':'M1','vpn-domain':"
			"['10.1.0.0/16','fd00::/8'],'ip-pool':'fd00:1::/64'}]"),
		    4, "of gateway M1", "/ripd-mep:mep/gateway[name='M1']/ip-pool");
	expect_ok(MEP("'gateway':[{'name':'M1','vpn-domain':"
		      "['10.1.0.0/16','fd00::/16'],'ip-pool':'fd01:1::/64'},"
		      "{'name':'M2','vpn-domain':['10.2.0.0/16'],"
		      "'ip-pool':'172.16.0.0/24'}]"));
}

/* ---- rule 5 (YANG self-backup, code for the rest) ------------------ */

static void test_rule5(void **state)
{
	(void)state;
	expect_yang(MEP("'gateway':[{'name':'P','backup-gateway':['P']}]"),
		    "rule 5");
	/* backup domain overlapping the primary's */
	expect_rule(MEP("'gateway':["
			"{'name':'P','address':'192.0.2.1','vpn-domain':"
			"['10.1.0.0/16'],'backup-gateway':['B']},"
			"{'name':'B','address':'192.0.2.2','vpn-domain':"
			"['10.1.128.0/17']}]"),
		    5, "overlaps the primary's vpn-domain 10.1.0.0/16",
		    "/ripd-mep:mep/gateway[name='P']/backup-gateway[.='B']");
	/* backup address inside the primary's domain */
	expect_rule(MEP("'gateway':["
			"{'name':'P','address':'192.0.2.1','vpn-domain':"
			"['10.1.0.0/16'],'backup-gateway':['B']},"
			"{'name':'B','address':'10.1.0.254','vpn-domain':"
			"['10.2.0.0/16']}]"),
		    5, "address 10.1.0.254 of backup-gateway B",
		    "/ripd-mep:mep/gateway[name='P']/backup-gateway[.='B']");
	/* backups overlapping each other */
	expect_rule(MEP("'gateway':["
			"{'name':'P','address':'192.0.2.1','vpn-domain':"
			"['10.1.0.0/16'],'backup-gateway':['B1','B2']},"
			"{'name':'B1','address':'192.0.2.2','vpn-domain':"
			"['10.2.0.0/16']},"
			"{'name':'B2','address':'192.0.2.3','vpn-domain':"
			"['10.2.3.0/24']}]"),
		    5, "backup-gateways B1 and B2",
		    "/ripd-mep:mep/gateway[name='P']/backup-gateway[.='B1']");
	/* the close valid one: disjoint, address outside, DNS name ok */
	expect_ok(MEP("'gateway':["
		      "{'name':'P','address':'192.0.2.1','vpn-domain':"
		      "['10.1.0.0/16'],'backup-gateway':['B1','B2']},"
		      "{'name':'B1','address':'10.2.0.254','vpn-domain':"
		      "['10.2.0.0/16']},"
		      "{'name':'B2','address':'b2.example.net','vpn-domain':"
		      "['10.3.0.0/24']}]"));
}

/* ---- rule 6 (YANG; code warnings) ----------------------------------- */

#define PRIO_STAR(prio)                                                      \
	STAR(",'mep-enable':[null],'entry-point':'priority-list'," prio)

static void test_rule6(void **state)
{
	(void)state;
	/* only centers */
	expect_yang(MEP(GWS_POOLS "," PRIO_STAR("'priority-default':"
						"{'primary':['S1']}")),
		    "rule 6");
	/* a center at most once per rule */
	expect_yang(MEP(GWS_POOLS "," PRIO_STAR("'priority-default':"
						"{'primary':['M1'],"
						"'secondary':['M1']}")),
		    "rule 6");
	/* a satellite in at most one exception rule */
	expect_yang(MEP(GWS_POOLS "," PRIO_STAR(
			    "'priority-rule':["
			    "{'id':1,'satellite':['S1'],'primary':['M1']},"
			    "{'id':2,'satellite':['S1','S2'],"
			    "'primary':['M2']}]")),
		    "rule 6");
	/* exception rules name satellites of this community only */
	expect_yang(MEP(GWS_POOLS "," PRIO_STAR(
			    "'priority-rule':[{'id':1,'satellite':['M3'],"
			    "'primary':['M1']}]")),
		    "rule 6");
	/* at most three levels: a fourth is not in the model */
	expect_yang(MEP(GWS_POOLS "," PRIO_STAR("'priority-default':"
						"{'primary':['M1'],"
						"'quaternary':['M2']}")),
		    "quaternary");
	/* the close valid one */
	expect_warning(MEP(GWS_POOLS "," PRIO_STAR(
				   "'priority-default':{'primary':['M1'],"
				   "'secondary':['M2'],'tertiary':['M3']},"
				   "'priority-rule':["
				   "{'id':1,'satellite':['S1'],'primary':['M2'],"
				   "'secondary':['M3']},"
				   "{'id':2,'satellite':['S2'],"
				   "'primary':['M3','M1']}]")),
		       "rule 6", false);
	/* warnings: unused priority rules */
	expect_warning(MEP(GWS_POOLS "," STAR(",'priority-default':"
					      "{'primary':['M1']}")),
		       "mep priority is ignored without mep enable", true);
	expect_warning(MEP(GWS_POOLS "," STAR(",'mep-enable':[null],"
					      "'entry-point':'vpn-domain',"
					      "'priority-default':"
					      "{'primary':['M1']}")),
		       "only priority-list uses it", true);
	/* no default rule: satellites without an exception rule */
	expect_warning(MEP(GWS_POOLS "," PRIO_STAR(
				   "'priority-rule':[{'id':1,'satellite':"
				   "['S1'],'primary':['M2']}]")),
		       "no mep priority default: satellite S2", true);
}

/* ---- rule 7 (YANG; code warning) ------------------------------------ */

static void test_rule7(void **state)
{
	(void)state;
	expect_yang(MEP(GWS_POOLS "," STAR(",'tie-break':'random'")),
		    "rule 7");
	expect_warning(MEP(GWS_POOLS "," STAR(",'mep-enable':[null],"
					      "'entry-point':'vpn-domain',"
					      "'tie-break':'random'")),
		       "rule 7", false);
	expect_warning(MEP(GWS_POOLS "," STAR(",'mep-enable':[null],"
					      "'tie-break':'random'")),
		       "tie-break is only used", true);
}

/* ---- rule 8 (YANG references, types; code for explicit domains) ----- */

static void test_rule8(void **state)
{
	(void)state;
	expect_yang(MEP(GWS ",'community':[{'name':'C','type':'star',"
			    "'center':['M1'],'satellite':['M1']}]"),
		    "rule 8");
	expect_yang(MEP(GWS ",'community':[{'name':'C','type':'star',"
			    "'member':['M1']}]"),
		    "rule 8");
	/* dangling references, bad prefixes, numbers out of range */
	expect_yang(MEP(GWS ",'community':[{'name':'C','type':'star',"
			    "'center':['NOPE']}]"),
		    "NOPE");
	expect_yang(MEP(GWS ",'local-gateway':'NOPE'"), "NOPE");
	expect_yang(MEP("'gateway':[{'name':'M1','vpn-domain':"
			"['10.1.0.300/16']}]"),
		    "10.1.0.300/16");
	expect_yang(MEP("'probe':{'interval':10}"), "10");
	expect_yang(MEP("'probe':{'up-count':0}"), "0");
	expect_yang(MEP("'probe':{'up-count':11}"), "11");
	expect_yang(MEP("'rim':{'kernel-table':254}"), "254");
	/* explicit MEP: a satellite owning part of the MEP domain */
	expect_rule(MEP("'gateway':["
			"{'name':'M1','vpn-domain':['10.1.0.0/16'],"
			"'ip-pool':'172.16.1.0/24'},"
			"{'name':'M2','vpn-domain':['10.2.0.0/16'],"
			"'ip-pool':'172.16.2.0/24'},"
			"{'name':'S1','vpn-domain':['10.2.5.0/24']}],"
			"'community':[{'name':'C','type':'star',"
			"'center':['M1','M2'],'satellite':['S1'],"
			"'mep-enable':[null]}]"),
		    8, "satellite S1 owns 10.2.5.0/24",
		    "/ripd-mep:mep/community[name='C']/satellite[.='S1']");
	expect_ok(MEP("'gateway':["
		      "{'name':'M1','vpn-domain':['10.1.0.0/16'],"
		      "'ip-pool':'172.16.1.0/24'},"
		      "{'name':'M2','vpn-domain':['10.2.0.0/16'],"
		      "'ip-pool':'172.16.2.0/24'},"
		      "{'name':'S1','vpn-domain':['10.3.5.0/24']}],"
		      "'local-gateway':'M1',"
		      "'community':[{'name':'C','type':'star',"
		      "'center':['M1','M2'],'satellite':['S1'],"
		      "'mep-enable':[null]}]"));
}

static void test_rule8_warnings(void **state)
{
	(void)state;
	expect_warning(MEP(GWS ",'local-gateway':'M3',"
			       "'community':[{'name':'C','type':'star',"
			       "'center':['M1'],'satellite':['S1']}]"),
		       "warning: gateway M3: local-gateway is in no community",
		       true);
	expect_warning(MEP(GWS ",'local-gateway':'M1',"
			       "'community':[{'name':'C','type':'star',"
			       "'center':['M1'],'satellite':['S1']}]"),
		       "local-gateway", false);
	expect_warning(MEP("'gateway':[{'name':'M1'},{'name':'S1',"
			   "'address':'198.51.100.1'}],"
			   "'community':[{'name':'C','type':'star',"
			   "'center':['M1'],'satellite':['S1']}]"),
		       "warning: gateway M1: no address: it cannot be probed",
		       true);
	expect_warning(MEP("'gateway':[{'name':'M1','address':'192.0.2.1'},"
			   "{'name':'S1'}],"
			   "'community':[{'name':'C','type':'star',"
			   "'center':['M1'],'satellite':['S1']}]"),
		       "warning: gateway S1: no address: the centers", true);
	expect_warning(MEP("'gateway':[{'name':'M1','address':'192.0.2.1',"
			   "'ip-pool':'172.16.1.0/24'},"
			   "{'name':'M2','address':'192.0.2.2',"
			   "'vpn-domain':['10.2.0.0/16'],"
			   "'ip-pool':'172.16.2.0/24'},"
			   "{'name':'S1','address':'198.51.100.1'}],"
			   "'community':[{'name':'C','type':'star',"
			   "'center':['M1','M2'],'satellite':['S1'],"
			   "'mep-enable':[null],'entry-point':'vpn-domain'}]"),
		       "warning: community C: center M1 has no vpn-domain: with entry-point vpn-domain it is never primary",
		       true);
}

/* ---- rule 9 (code, warning) ---------------------------------------- */

static void test_rule9(void **state)
{
	(void)state;
	/* S1 reaches LON through A and NYC through B: overlapping domains */
	expect_warning(MEP(OVERLAP_GWS ",'community':["
			   "{'name':'A','type':'star','center':['LON'],"
			   "'satellite':['S1']},"
			   "{'name':'B','type':'star','center':['NYC'],"
			   "'satellite':['S1']}]"),
		       "warning: gateway NYC: implicit MEP across communities is not supported: using only LON for 10.5.0.0/16",
		       true);
	/* order of the communities decides */
	expect_warning(MEP(OVERLAP_GWS ",'community':["
			   "{'name':'B','type':'star','center':['NYC'],"
			   "'satellite':['S1']},"
			   "{'name':'A','type':'star','center':['LON'],"
			   "'satellite':['S1']}]"),
		       "using only NYC for 10.5.0.0/16 (S1 reaches NYC through community B and LON through community A) (rule 9)",
		       true);
	/* the same gateways in one community: implicit MEP, supported */
	expect_warning(MEP(OVERLAP_GWS "," OVERLAP_STAR("")), "rule 9",
		       false);
	/* different communities but disjoint domains */
	expect_warning(MEP(GWS ",'community':["
			   "{'name':'A','type':'star','center':['M1'],"
			   "'satellite':['S1']},"
			   "{'name':'B','type':'star','center':['M2'],"
			   "'satellite':['S1']}]"),
		       "rule 9", false);
}

/* ---- conf_rules_check on structs no loader would build -------------- */

static void test_rules_defensive(void **state)
{
	struct loaded l;
	struct conf_rule_violation v;
	struct strbuf w = STRBUF_INIT;
	struct mep_community *c;
	int saved;

	(void)state;
	load(MEP(GWS_POOLS "," STAR(",'mep-enable':[null],"
				    "'permanent-tunnels':[null]")
		 ",'rim':{}"),
	     &l);
	assert_int_equal(l.status, LOAD_OK);
	c = &l.cfg.communities[0];

	/* random with rim (the model forbids it) */
	c->method = MEP_METHOD_RANDOM;
	assert_int_equal(conf_rules_check(&l.cfg, &v, &w), 1);
	assert_int_equal(v.rule, 3);
	assert_string_equal(v.path,
			    "/ripd-mep:mep/community[name='STAR-1']/entry-point");
	c->method = MEP_METHOD_FIRST_TO_RESPOND;

	/* an index out of range: an error, no crash */
	saved = c->centers.idx[1];
	c->centers.idx[1] = 99;
	assert_int_equal(conf_rules_check(&l.cfg, &v, &w), 1);
	assert_int_equal(v.rule, 8);
	assert_non_null(strstr(v.msg, "STAR-1"));
	c->centers.idx[1] = -1;
	assert_int_equal(conf_rules_check(&l.cfg, NULL, NULL), 1);
	c->centers.idx[1] = saved;

	/* several errors: all counted, the first one kept */
	l.cfg.gateways[0].has_pool = true;	/* overlaps nothing yet */
	mep_prefix_parse("10.2.0.0/24", &l.cfg.gateways[0].pool, NULL);
	mep_prefix_parse("10.3.0.0/24", &l.cfg.gateways[1].pool, NULL);
	assert_int_equal(conf_rules_check(&l.cfg, &v, &w), 2);
	assert_int_equal(v.rule, 4);
	assert_string_equal(v.path, "/ripd-mep:mep/gateway[name='M1']/ip-pool");

	strbuf_reset(&w);
	mep_prefix_parse("172.16.1.0/24", &l.cfg.gateways[0].pool, NULL);
	mep_prefix_parse("172.16.2.0/24", &l.cfg.gateways[1].pool, NULL);
	assert_int_equal(conf_rules_check(&l.cfg, &v, &w), 0);
	assert_int_equal(v.rule, 0);
	strbuf_free(&w);
	loaded_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_model_empty),
		cmocka_unit_test(test_model_full),
		cmocka_unit_test(test_model_return_path),
		cmocka_unit_test(test_rule10),
		cmocka_unit_test(test_model_ipsec_rim),
		cmocka_unit_test(test_model_rim_zebra),
		cmocka_unit_test(test_model_dangling),
		cmocka_unit_test(test_model_refill),
		cmocka_unit_test(test_rule1),
		cmocka_unit_test(test_rule2),
		cmocka_unit_test(test_rule3),
		cmocka_unit_test(test_rule4),
		cmocka_unit_test(test_rule5),
		cmocka_unit_test(test_rule6),
		cmocka_unit_test(test_rule7),
		cmocka_unit_test(test_rule8),
		cmocka_unit_test(test_rule8_warnings),
		cmocka_unit_test(test_rule9),
		cmocka_unit_test(test_rule11),
		cmocka_unit_test(test_route_steering_config),
		cmocka_unit_test(test_rules_defensive),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
