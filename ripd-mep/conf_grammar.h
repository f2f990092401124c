/* conf_grammar: what each node of the configuration accepts, as one table
 * of commands per node, and what each kind of command does to the tree.
 *
 * A command (struct conf_cmd) is a keyword, a kind, the data node it
 * sets (by default the leaf or container called as the keyword), the kind
 * of its argument (conf_args.h) and its help. The kind says both the
 * command and its `no` form:
 *   LEAF      KW VALUE sets the leaf;        no KW [VALUE] deletes it
 *   FLAG      KW sets the empty leaf;        no KW deletes it
 *   LEAFLIST  KW VALUE adds a value;         no KW [VALUE] deletes that
 *             value (an error if absent) or, without it, all values
 *   BLOCK     KW enters the container (created when missing);
 *             no KW deletes it
 *   ENTRY     KW NAME enters the list entry (created when missing);
 *             no KW NAME deletes it (an error if absent)
 *   OPTIONS   KW OPT VALUE [OPT VALUE...] sets options (the sub table,
 *             LEAF commands) of a container, in any order, each once;
 *             no KW [OPT] deletes one option or the container
 *   GROUP     KW SUB... runs a command of the sub table on the same
 *             block ("mep entry-point random" in a community)
 *   CUSTOM    run / no functions of their own (mep priority).
 * The same tables drive the parser (conf_grammar_run), help, `list` and
 * completion (conf_complete.c), so they cannot disagree.
 *
 * Nodes: config -> mep -> gateway | community | rim | ipsec | steering. A node's
 * block is the data node its commands edit (NULL at config). */
#ifndef RIPD_MEP_CONF_GRAMMAR_H
#define RIPD_MEP_CONF_GRAMMAR_H

#include <stdbool.h>

#include "cmd.h"
#include "conf_args.h"
#include "conf_edit.h"

/* Internal status: the line is not a command of this node, try the
 * enclosing one. */
#define CONF_FALLBACK (-1)

enum conf_node {
	NODE_CONFIG,
	NODE_MEP,
	NODE_GATEWAY,
	NODE_COMMUNITY,
	NODE_RIM,
	NODE_IPSEC,
	NODE_STEERING,
	NODE_COUNT,
};

enum conf_kind {
	KIND_LEAF,
	KIND_FLAG,
	KIND_LEAFLIST,
	KIND_BLOCK,
	KIND_ENTRY,
	KIND_OPTIONS,
	KIND_GROUP,
	KIND_CUSTOM,
};

/* flags */
#define CONF_ONCE 0x1	  /* BLOCK: entered twice in a file: duplicate */
#define CONF_TOP 0x2	  /* BLOCK at the top of the tree (mep) */
#define CONF_NAMED 0x4	  /* the value is called "name" in messages */
#define CONF_NO_AS_TYPED 0x8 /* LEAFLIST: no KW VALUE looks VALUE up as
			      * typed, unchecked */

/* One line being run by a command. */
struct conf_run {
	struct conf_edit *e;
	const struct cmd_tokens *t;
	int at;			/* index in t of the command's keyword */
	bool no;		/* the `no` form */
	const char *group;	/* keyword of the enclosing GROUP, or NULL */
	struct lyd_node *block;	/* data node of the node (NULL: config) */
	enum conf_node next;	/* out: node after the line */
	const char *next_name;	/* out: its list key (points into t) */
};

struct conf_cmd {
	const char *kw;
	enum conf_kind kind;
	const char *data;		/* data node; NULL: kw */
	enum conf_arg arg;
	const char *const *values;	/* ARG_KEYWORD */
	const char *const *value_help;	/* their help (NULL: the words) */
	const char *help;		/* of the keyword */
	const char *no_help;		/* of the keyword after no (NULL:
					 * help) */
	const char *arg_help;		/* of the argument (NULL: the kind's) */
	const struct conf_cmd *sub;	/* OPTIONS, GROUP; ends with kw NULL */
	enum conf_node enter;		/* BLOCK, ENTRY */
	unsigned flags;
	/* CUSTOM: the functions, and the command as cmd_table specs and
	 * help after the keyword ("default primary CENTER...") */
	int (*run)(struct conf_run *r);
	int (*run_no)(struct conf_run *r);
	const char *const *specs;	/* NULL-terminated, pairs spec, help */
	const char *const *no_specs;
};

struct conf_node_def {
	const char *name;	/* prompt: "config-mep-gateway" */
	const char *where;	/* messages: "gateway" (+ NAME when keyed) */
	enum conf_node parent;
	const char *data;	/* its block: child of mep (or "mep") */
	bool keyed;		/* the block is a list entry */
	const char *gone;	/* block missing: message (NULL: created) */
	bool tidy;		/* block deleted when no explicit setting is
				 * left after a `no` */
	const struct conf_cmd *cmds;	/* ends with kw NULL */
	const char *schema;	/* schema path of the block ("": top) */
};

extern const struct conf_node_def conf_nodes[NODE_COUNT];

/* Keywords of cmds (at most CONF_CMDS_MAX) into kw, then extra (may be
 * NULL), NULL-terminated; returns the number of commands. */
#define CONF_CMDS_MAX 16
int conf_grammar_keywords(const struct conf_cmd *cmds, const char **kw,
			  const char *extra);

/* Look word up among cmds: the command, or NULL with *status
 * CONF_FALLBACK (unknown) or CMD_ERR_AMBIGUOUS (message set). */
const struct conf_cmd *conf_grammar_find(struct conf_edit *e,
					 const struct conf_cmd *cmds,
					 const char *word, int *status);

/* Find and check the block of node n (r->block: the mep block for nodes
 * under it, the entry name for keyed nodes); r->block is set to it.
 * CMD_SUCCESS or an error status with the message set. */
int conf_grammar_block(struct conf_run *r, enum conf_node n,
		       const char *name);

/* Run cmd (keyword at r->t->v[r->at]) or its no form on r->block. */
int conf_grammar_run(struct conf_run *r, const struct conf_cmd *cmd);

/* Delete the (non-presence) container name of parent when no explicit
 * setting is left in it. */
void conf_grammar_tidy(struct conf_edit *e, struct lyd_node *parent,
		       const char *name);

#endif
