/* conf_model: a validated libyang configuration tree -> struct mep_config
 * (config.h), with the defaults of the model filled in. */
#ifndef RIPD_MEP_CONF_MODEL_H
#define RIPD_MEP_CONF_MODEL_H

#include <libyang/libyang.h>

#include "config.h"
#include "strbuf.h"

/* Fill cfg (which must be initialised; it is freed and refilled) from
 * tree (may be NULL: empty configuration). Returns 0, or -1 with err set
 * on an inconsistency libyang should have caught (cfg then empty). */
int conf_model_build(const struct lyd_node *tree, struct mep_config *cfg,
		     struct strbuf *err);

#endif
