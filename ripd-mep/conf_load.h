/* conf_load: the configuration transaction's first two phases.
 *
 * validate: text (or an edited candidate tree) -> libyang tree -> whole-tree
 *           YANG validation -> struct mep_config -> code rules;
 * prepare:  the result is a struct conf_candidate, complete and checked;
 * apply:    the caller swaps the candidate into the running state (it can
 *           no longer fail). Nothing here touches the running state, so an
 *           error at any phase leaves it untouched. */
#ifndef RIPD_MEP_CONF_LOAD_H
#define RIPD_MEP_CONF_LOAD_H

#include <libyang/libyang.h>

#include "config.h"
#include "strbuf.h"

/* Largest configuration file accepted. */
#define CONF_LOAD_MAX_FILE (4 * 1024 * 1024)

/* A checked configuration, ready to be applied. Owns tree, cfg and
 * warnings; free with conf_candidate_free(). */
struct conf_candidate {
	struct lyd_node *tree;
	struct mep_config cfg;
	struct strbuf warnings;	/* one "warning: ..." line each */
};

/* Create the libyang context with the ripd-mep module, searching
 * $RIPD_MEP_YANG_DIR, the installed YANG directory, then the source tree.
 * Returns 0, or -1 with err set. */
int conf_load_context(struct ly_ctx **ctx, struct strbuf *err);

/* Parse and check a whole configuration text. Returns 0 and fills out, or
 * -1 with one error line in err ("FILE:LINE: object: message"). */
int conf_load_text(const struct ly_ctx *ctx, const char *text,
		   const char *file, struct conf_candidate *out,
		   struct strbuf *err);

/* Read path (at most CONF_LOAD_MAX_FILE bytes) and conf_load_text() it. */
int conf_load_file(const struct ly_ctx *ctx, const char *path,
		   struct conf_candidate *out, struct strbuf *err);

/* Check an edited tree (taken over: freed on error, owned by out on
 * success). line_of maps a data path to a line for messages (may be NULL),
 * with its argument arg; where names the source ("vty"). */
int conf_load_tree(const struct ly_ctx *ctx, struct lyd_node *tree,
		   const char *where,
		   int (*line_of)(const void *arg, const char *path),
		   const void *arg, struct conf_candidate *out,
		   struct strbuf *err);

void conf_candidate_init(struct conf_candidate *c);
void conf_candidate_free(struct conf_candidate *c);

#endif
